// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "nnz",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "NNZFormat", targets: ["NNZFormat"]),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .target(name: "NNZFormat", dependencies: ["CZlib"]),
        .testTarget(name: "NNZFormatTests", dependencies: ["NNZFormat"]),
    ]
)
