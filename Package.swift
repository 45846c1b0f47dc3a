// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "nnz",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "NNZFormat", targets: ["NNZFormat"]),
        .library(name: "NNZRuntime", targets: ["NNZRuntime"]),
        .library(name: "NNZCSV", targets: ["NNZCSV"]),
        .library(name: "NNZScoring", targets: ["NNZScoring"]),
        .library(name: "NNZTrainer", targets: ["NNZTrainer"]),
        .library(name: "NNZPrecision", targets: ["NNZPrecision"]),
        .library(name: "NNZInspect", targets: ["NNZInspect"]),
        .executable(name: "nninfer", targets: ["nninfer"]),
        .executable(name: "nntrain", targets: ["nntrain"]),
        .library(name: "NNZONNX", targets: ["NNZONNX"]),
        .executable(name: "nnzconvert", targets: ["nnzconvert"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The ONNX target only: the generated onnx.proto code (Sources/NNZONNX/Generated) runs on it.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        // The one write(2) loop (partial writes, EINTR, EAGAIN), shared by every writer.
        .target(name: "NNZSystem"),
        .target(name: "NNZFormat", dependencies: ["CZlib", "NNZSystem"]),
        // Compute kernels in C: AVX-512 / AVX2+FMA paths chosen at run time, portable fallback.
        .target(name: "NNZKernels"),
        .target(name: "NNZRuntime", dependencies: ["NNZFormat", "NNZKernels"]),
        // RFC 4180 reading and writing, float parsing and formatting: no model code.
        .target(name: "NNZCSV", dependencies: ["NNZSystem"]),
        // The streaming CSV scorer behind `nninfer predict`, for embedders too.
        .target(name: "NNZScoring", dependencies: ["NNZRuntime", "NNZCSV"]),
        // Re-storing a model's weights as float16 or int8 (batch-norm folded first, self-test
        // recomputed): what `nntrain --weights` and `nnzconvert --weights` write.
        .target(name: "NNZPrecision", dependencies: ["NNZFormat", "NNZRuntime"]),
        // What `nninfer inspect` reports (text and JSON), also what nnzserve describes a model with.
        .target(name: "NNZInspect", dependencies: ["NNZFormat", "NNZRuntime", "NNZScoring"]),
        // What both command-line tools share: exit codes, Failure, printError (over NNZSystem's write loop).
        .target(name: "NNZCommandLine", dependencies: ["NNZFormat", "NNZSystem"]),
        .executableTarget(
            name: "nninfer",
            dependencies: ["NNZScoring", "NNZInspect", "NNZRuntime", "NNZCSV", "NNZFormat", "NNZCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(name: "NNZTrainer", dependencies: ["NNZRuntime", "NNZCSV", "NNZFormat", "NNZKernels", "CZlib"]),
        .executableTarget(
            name: "nntrain",
            dependencies: ["NNZTrainer", "NNZFormat", "NNZPrecision", "NNZRuntime", "NNZCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // ONNX import and export (nnzconvert): the only target that links swift-protobuf.
        .target(name: "NNZONNX", dependencies: ["NNZFormat", "NNZRuntime", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .executableTarget(
            name: "nnzconvert",
            dependencies: ["NNZONNX", "NNZFormat", "NNZRuntime", "NNZPrecision", "NNZCSV", "NNZCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "NNZONNXTests", dependencies: ["NNZONNX", "NNZFormat", "NNZRuntime", "NNZTestSupport"]),
        .testTarget(name: "NNZFormatTests", dependencies: ["NNZFormat", "NNZTestSupport"]),
        .testTarget(name: "NNZCommandLineTests", dependencies: ["NNZCommandLine", "NNZFormat"]),
        .testTarget(name: "NNZKernelsTests", dependencies: ["NNZKernels"]),
        .testTarget(name: "NNZRuntimeTests", dependencies: ["NNZRuntime", "NNZFormat", "NNZKernels"]),
        .testTarget(name: "NNZPrecisionTests", dependencies: ["NNZPrecision", "NNZFormat", "NNZRuntime", "NNZTestSupport"]),
        .testTarget(name: "NNZCSVTests", dependencies: ["NNZCSV"]),
        .testTarget(name: "NNZScoringTests", dependencies: ["NNZScoring", "NNZRuntime", "NNZCSV", "NNZFormat"]),
        .testTarget(name: "NNZTrainerTests", dependencies: ["NNZTrainer", "NNZFormat", "NNZRuntime", "NNZKernels", "nntrain", "NNZTestSupport"]),
        // Runs the built binaries; depending on them makes `swift test` build them first.
        .testTarget(name: "CLITests", dependencies: ["nninfer", "nntrain", "nnzconvert", "NNZTestSupport"], exclude: ["Snapshots"]),
        // For test targets only: run a built tool and compare its output (AssertExecuteCommand).
        .target(name: "NNZTestSupport", path: "Tests/NNZTestSupport"),
    ]
)
