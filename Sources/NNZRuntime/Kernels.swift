import NNZKernels

/// Which compute-kernel code path this process uses, and the kernels themselves for callers
/// that want a plain matrix product.
public enum Kernels {
    /// `"avx512"`, `"avx2"` or `"portable"`: chosen from the CPU at first use, or forced with
    /// the environment variable `NNZ_KERNELS=portable|avx2|avx512`.
    ///
    /// ```swift
    /// print(Kernels.path)   // "avx512"
    /// ```
    public static var path: String { String(cString: nnz_kernels_path()) }

    /// Single-precision matrix product `C = alpha·op(A)·op(B) + beta·C`, row-major, where
    /// `op(X)` is `X` or its transpose: `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`,
    /// with row strides `lda`, `ldb`, `ldc` (BLAS semantics: with `beta == 0`, `C` is not read).
    /// Large products are split by blocks of 8 rows of `C` across up to `threads` cores of the
    /// ``WorkPool`` (each part packs its own blocks; results are the same whatever the split up
    /// to the last bits); small ones run on the calling thread
    /// (``WorkPool/partCount(work:threads:items:)`` with work `2·m·n·k`).
    /// `C` must not overlap `A` or `B`.
    ///
    /// ```swift
    /// Kernels.sgemm(m: 512, n: 512, k: 512, a: a, lda: 512, b: b, ldb: 512, c: c, ldc: 512, threads: 2)
    /// ```
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
                             c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative matrix size")
        let parts = WorkPool.partCount(work: saturatingProduct(2, m, n, k), threads: threads, items: m / 8)
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta,
              c: c, ldc: ldc, parts: parts)
    }

    /// ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:threads:)`` split into exactly
    /// `parts` row blocks (at most one per 8 rows), whatever the size: for tests of the split.
    static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, parts: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative matrix size")
        precondition([m, n, k, lda, ldb, ldc].allSatisfy { $0 <= Int(Int32.max) }, "matrix size beyond Int32")
        let parts = max(1, min(parts, m / 8))
        let job = GemmJob(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                          b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, parts: parts)
        WorkPool.run(parts) { job.run(part: $0) }
    }
}

/// One product split into row blocks of C (multiples of 8 rows, so that only the last block
/// may end in a partial register tile).
private struct GemmJob: @unchecked Sendable {
    let transA, transB: Bool
    let m, n, k: Int
    let alpha: Float
    let a: UnsafePointer<Float>
    let lda: Int
    let b: UnsafePointer<Float>
    let ldb: Int
    let beta: Float
    let c: UnsafeMutablePointer<Float>
    let ldc: Int
    let parts: Int

    func run(part: Int) {
        let blocks = (m + 7) / 8
        let start = min(m, blocks * part / parts * 8), end = min(m, blocks * (part + 1) / parts * 8)
        guard end > start else { return }
        // Row `start` of op(A): row `start` of A, or column `start` of A when transposed.
        let aPart = transA ? a + start : a + start * lda
        nnz_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(end - start), Int32(n), Int32(k), alpha, aPart, Int32(lda),
                  b, Int32(ldb), beta, c + start * ldc, Int32(ldc))
    }
}
