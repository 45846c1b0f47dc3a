import NNZKernels

/// The one way nnz uses more than one core: a fork-join pool of (online cores − 1) worker
/// threads plus the caller (`nnz_parallel_run` in NNZKernels), and one rule for when
/// splitting work pays. `Model.predict(_:rows:into:threads:)`, `Kernels.sgemm` and the CSV
/// scoring pipeline all go through here.
///
/// ```swift
/// let parts = WorkPool.partCount(work: rows * flopsPerRow, threads: 2, items: rows)
/// WorkPool.run(parts) { part in score(rows * part / parts ..< rows * (part + 1) / parts) }
/// ```
public enum WorkPool {
    /// Work (floating-point operations, or the equivalent time) below which a part is not worth
    /// another core. Measured on the 2-vCPU AMD EPYC (Zen 4, AVX-512 path) this was tuned on:
    /// a worker that has slept (idle > 200 µs) takes 10–60 µs to wake on an idle machine (more
    /// when the cores are shared), one that is still spinning from the last job ≈ 0.3 µs, and
    /// 4 M flops of packed GEMM take ≈ 37 µs on one core. So a part of 4 M flops at least
    /// pays for a cold wake-up; below that, the caller is faster alone.
    static let minimumWorkPerPart = 4_000_000

    /// Runs `body(0)`, …, `body(count − 1)` on the calling thread and the pool's workers and
    /// returns when all are done. Tasks are claimed dynamically, so any task may run on any
    /// thread, in any order; `body` must be safe to call concurrently for different indices.
    /// While another job holds the pool (another thread's, or the caller's own: a task that
    /// calls `run` again, e.g. a CSV part scoring with `Model.predict(_:rows:into:threads:)`),
    /// the caller runs every task itself (correct, just not parallel), so `run` never blocks
    /// on other callers and nesting cannot deadlock. `count ≤ 1` runs inline.
    /// Decide `count` with ``partCount(work:threads:items:)``: tiny jobs are slower split.
    public static func run(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = TaskBox(body: body)
            withExtendedLifetime(box) {
                nnz_parallel_run(Int32(count), { context, index in
                    Unmanaged<TaskBox>.fromOpaque(context!).takeUnretainedValue().body(Int(index))
                }, Unmanaged.passUnretained(box).toOpaque())
            }
        }
    }

    /// How many parts to split a job into: `work` (total floating-point operations, or their
    /// time equivalent) over at most `threads` cores and at most `items` parts (the job's
    /// indivisible units: rows, blocks of rows). 1 unless every part gets at least 4 M flops
    /// (see ``minimumWorkPerPart`` for the measurement).
    ///
    /// ```swift
    /// WorkPool.partCount(work: 512 * 512 * 512 * 2, threads: 2, items: 64)   // 2
    /// WorkPool.partCount(work: 100_000, threads: 2, items: 1_000)           // 1
    /// ```
    public static func partCount(work flops: Int, threads: Int, items: Int) -> Int {
        max(1, min(max(1, threads), items, max(0, flops) / minimumWorkPerPart))
    }
}

private final class TaskBox {
    let body: (Int) -> Void
    init(body: @escaping (Int) -> Void) { self.body = body }
}
