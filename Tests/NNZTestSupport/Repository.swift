import Foundation

/// The repository's root directory (this file is `Tests/NNZTestSupport/Repository.swift`).
public let repositoryRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()

/// The directory that holds the built products (`nninfer`, `nntrain`) next to the test
/// bundle; a test target that depends on an executable target makes `swift test` build it.
public let productsDirectory: String = {
    #if os(macOS)
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        return bundle.bundleURL.deletingLastPathComponent().path
    }
    return Bundle.main.bundleURL.deletingLastPathComponent().path
    #else
    return Bundle.main.bundleURL.path
    #endif
}()

/// The path of the built executable `name`.
public func builtProduct(_ name: String) -> String {
    productsDirectory + "/" + name
}
