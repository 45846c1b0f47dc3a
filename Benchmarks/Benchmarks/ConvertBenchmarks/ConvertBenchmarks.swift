// Conversion benchmarks: the anchor models' .onnx files (../shared/anchors/make_models.py writes
// them to /tmp/bench-data/models, or $NNZ_BENCH_MODELS) imported to .nnz bytes (parse, convert,
// validate, self-test, encode with the writer policy) and the result exported back to ONNX, in
// memory (file reading and writing and process start-up are left out; `nnzconvert` timed as a
// whole process is in the README). A missing model's benchmarks are skipped.
import Benchmark
import NNZFormat
import NNZONNX

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func fileBytes(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n == 0 { break }
        bytes.append(contentsOf: buffer[..<n])
    }
    return bytes
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 2,
        maxDuration: .seconds(3),
        maxIterations: 200
    )
    let directory = getenv("NNZ_BENCH_MODELS").map { String(cString: $0) } ?? "/tmp/bench-data/models"
    for name in ["mlp_digits", "mlp_wide", "cnn_small", "cnn_digits"] {
        guard let onnx = fileBytes("\(directory)/\(name).onnx"),
              let model = try? ONNXImporter.convert(bytes: onnx, file: name).model else { continue }
        Benchmark("import \(name).onnx → .nnz bytes") { benchmark in
            for _ in benchmark.scaledIterations {
                let result = try ONNXImporter.convert(bytes: onnx, file: name)
                blackHole(try NNZWriter.encode(result.model))
            }
        }
        Benchmark("export \(name).nnz → .onnx bytes (opset 17)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try ONNXExporter.export(model))
            }
        }
    }
}
