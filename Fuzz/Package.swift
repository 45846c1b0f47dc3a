// swift-tools-version:6.0
// libFuzzer target for the model-file reader, kept out of the main package so that
// `swift build` / `swift test` never need the fuzzing runtime. See README.md here.
import PackageDescription

let package = Package(
    name: "NNZFuzz",
    dependencies: [.package(name: "nnz", path: "..")],
    targets: [
        .executableTarget(
            name: "FuzzReader",
            dependencies: [.product(name: "NNZFormat", package: "nnz"), .product(name: "NNZRuntime", package: "nnz")]
        ),
    ]
)
