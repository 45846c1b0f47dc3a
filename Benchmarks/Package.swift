// swift-tools-version:6.1
// Kernel and model benchmarks for nnz, with ordo-one/package-benchmark. A separate package so
// that `swift build` / `swift test` of the main package never build (or fetch) it.
//   cd Benchmarks && swift package benchmark            # all
//   swift package benchmark --target KernelBenchmarks   # one suite (or ModelBenchmarks, ConvertBenchmarks)
//   swift package benchmark list
// Model benchmarks read the anchor models converted to .nnz from /tmp/bench-data/models
// (override with NNZ_BENCH_MODELS=dir); conversion benchmarks read their .onnx files there;
// without them they are skipped.
import PackageDescription

let package = Package(
    name: "NNZBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "nnz", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "KernelBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "NNZRuntime", package: "nnz"),
            ],
            path: "Benchmarks/KernelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "ModelBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "NNZRuntime", package: "nnz"),
            ],
            path: "Benchmarks/ModelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "ConvertBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "NNZFormat", package: "nnz"),
                .product(name: "NNZONNX", package: "nnz"),
            ],
            path: "Benchmarks/ConvertBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
