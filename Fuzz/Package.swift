// swift-tools-version:6.0
// libFuzzer targets for the model-file reader and the CSV path, kept out of the main package so
// that `swift build` / `swift test` never need the fuzzing runtime. See README.md here.
import PackageDescription

let package = Package(
    name: "NNZFuzz",
    dependencies: [.package(name: "nnz", path: "..")],
    targets: [
        // Declares libFuzzer's LLVMFuzzerMutate for the custom mutator (no code of its own).
        .target(name: "LibFuzzerAPI"),
        .executableTarget(
            name: "FuzzReader",
            dependencies: ["LibFuzzerAPI", .product(name: "NNZFormat", package: "nnz"), .product(name: "NNZRuntime", package: "nnz")]
        ),
        .executableTarget(
            name: "FuzzCSV",
            dependencies: [.product(name: "NNZCSV", package: "nnz")]
        ),
    ]
)
