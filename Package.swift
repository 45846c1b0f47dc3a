// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "nnz",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "NNZFormat", targets: ["NNZFormat"]),
        .library(name: "NNZRuntime", targets: ["NNZRuntime"]),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .target(name: "NNZFormat", dependencies: ["CZlib"]),
        // Compute kernels in C: AVX-512 / AVX2+FMA paths chosen at run time, portable fallback.
        .target(name: "NNZKernels"),
        .target(name: "NNZRuntime", dependencies: ["NNZFormat", "NNZKernels"]),
        .testTarget(name: "NNZFormatTests", dependencies: ["NNZFormat"]),
        .testTarget(name: "NNZRuntimeTests", dependencies: ["NNZRuntime", "NNZFormat"]),
    ]
)
