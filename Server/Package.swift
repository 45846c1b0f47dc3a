// swift-tools-version:6.1
// nnzserve: nnz models behind HTTP (Hummingbird 2), with micro-batching, hot reload and
// Prometheus metrics. A separate package so that `swift build` / `swift test` of the main
// package, and every app that embeds NNZRuntime, never resolve a web stack.
//   cd Server && swift build -c release && .build/release/nnzserve --help
//   swift test
import PackageDescription

let package = Package(
    name: "NNZServer",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "nnzserve", targets: ["nnzserve"]),
        .library(name: "NNZServe", targets: ["NNZServe"]),
    ],
    dependencies: [
        .package(name: "nnz", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The server as a library (routes, batching, reload, metrics) so tests drive it in process.
        .target(
            name: "NNZServe",
            dependencies: [
                .product(name: "NNZRuntime", package: "nnz"),
                .product(name: "NNZFormat", package: "nnz"),
                .product(name: "NNZScoring", package: "nnz"),
                .product(name: "NNZInspect", package: "nnz"),
                .product(name: "NNZCSV", package: "nnz"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "nnzserve",
            dependencies: [
                "NNZServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "NNZServeTests",
            dependencies: [
                "NNZServe",
                "nnzserve",
                .product(name: "NNZRuntime", package: "nnz"),
                .product(name: "NNZFormat", package: "nnz"),
                .product(name: "NNZCSV", package: "nnz"),
                .product(name: "NNZScoring", package: "nnz"),
                .product(name: "NNZInspect", package: "nnz"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
