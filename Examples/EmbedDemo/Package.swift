// swift-tools-version:6.0
// A separate package that uses nnz the way an app would: as a dependency (here by path).
import PackageDescription

let package = Package(
    name: "EmbedDemo",
    dependencies: [.package(name: "nnz", path: "../..")],
    targets: [
        .executableTarget(name: "EmbedDemo", dependencies: [.product(name: "NNZRuntime", package: "nnz")]),
    ]
)
