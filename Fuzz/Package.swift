// swift-tools-version:6.0
// libFuzzer targets for the model-file reader, the ONNX importer and the CSV path, kept out of the main package so
// that `swift build` / `swift test` never need the fuzzing runtime. See README.md here.
import PackageDescription

let package = Package(
    name: "NNZFuzz",
    dependencies: [.package(name: "nnz", path: "..")],
    targets: [
        // libFuzzer's LLVMFuzzerMutate declared for Swift, and the mutator's CRC-32.
        .target(name: "FuzzSupport"),
        .executableTarget(
            name: "FuzzReader",
            dependencies: ["FuzzSupport", .product(name: "NNZFormat", package: "nnz"), .product(name: "NNZRuntime", package: "nnz")]
        ),
        .executableTarget(
            name: "FuzzONNX",
            dependencies: [.product(name: "NNZONNX", package: "nnz"), .product(name: "NNZFormat", package: "nnz"),
                           .product(name: "NNZRuntime", package: "nnz")]
        ),
        .executableTarget(
            name: "FuzzCSV",
            dependencies: [.product(name: "NNZCSV", package: "nnz")]
        ),
    ]
)
