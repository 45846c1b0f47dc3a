// Model benchmarks: the anchor models (mlp_digits, mlp_wide, cnn_small) converted to .nnz by
// Tools/anchors_to_nnz.py, at batch 1 (preallocated workspace, calling thread), 64 and 1024
// (1 and 2 threads). Models are read from /tmp/bench-data/models or $NNZ_BENCH_MODELS; a
// missing model's benchmarks are skipped. A custom metric reports samples per second.
import Benchmark
import NNZRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func seconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

let samplesPerSecond = BenchmarkMetric.custom("samples/s", polarity: .prefersLarger, useScalingFactor: false)

/// Input and output buffers for one model, shared with the closures.
final class Batch: @unchecked Sendable {
    let model: Model
    let input: [Float]
    var output: [Float]
    let workspace: Workspace

    init(model: Model, rows: Int) {
        self.model = model
        input = (0..<(rows * model.inputWidth)).map { i in Float((i &* 2_654_435_761) % 1000) / 1000 }
        output = [Float](repeating: 0, count: rows * model.outputWidth)
        workspace = model.makeWorkspace(rows: rows)
    }

    func run(rows: Int, threads: Int) {
        input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in
                if threads == 1 {
                    try! model.predict(i, rows: rows, into: o, workspace: workspace)
                } else {
                    try! model.predict(i, rows: rows, into: o, threads: threads)
                }
            }
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, samplesPerSecond],
        timeUnits: .microseconds,
        warmupIterations: 10,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000
    )
    let directory = getenv("NNZ_BENCH_MODELS").map { String(cString: $0) } ?? "/tmp/bench-data/models"
    for name in ["mlp_digits", "mlp_wide", "cnn_small"] {
        let path = "\(directory)/\(name).nnz"
        guard access(path, R_OK) == 0, let model = try? Model(path: path) else {
            print("ModelBenchmarks: \(path) not found, skipping \(name) (run Tools/anchors_to_nnz.py)")
            continue
        }
        for (rows, threads) in [(1, 1), (64, 1), (1024, 1), (64, 2), (1024, 2)] {
            let batch = Batch(model: model, rows: rows)
            Benchmark("\(name) batch \(rows) threads \(threads)") { benchmark in
                for _ in benchmark.scaledIterations {
                    let start = seconds()
                    batch.run(rows: rows, threads: threads)
                    benchmark.measurement(samplesPerSecond, Int((Double(rows) / (seconds() - start)).rounded()))
                }
            }
        }
    }
}
