import Foundation
import NNZTestSupport
import XCTest
@testable import NNZFormat

final class FixtureTests: XCTestCase {
    func goodFixtures() throws -> [String] {
        let dir = Repo.fixtures + "/models"
        return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".nnz") }.sorted().map { dir + "/" + $0 }
    }

    /// Python wrote these files; Swift reads them and, following the same writer policy, writes
    /// the very same bytes back (both writers agree byte for byte).
    func testPythonWrittenFixturesReadAndRewriteByteForByte() throws {
        let paths = try goodFixtures()
        XCTAssertFalse(paths.isEmpty)
        for path in paths where !path.hasSuffix("with_ancillary.nnz") {
            let bytes = try NNZReader.readFile(path)
            let model = try NNZReader.decode(bytes)
            XCTAssertEqual(try NNZWriter.encode(model), bytes, "\(path) re-encodes differently")
        }
    }

    func testFixturesCoverEveryLayerConventionAndMetadataField() throws {
        var kinds = Set<String>(), conventions = Set<UInt8>(), axes = Set<UInt8>(), outputKinds = Set<UInt8>()
        var keys = Set<String>(), normalizations = Set<String>()
        for path in try goodFixtures() {
            let model = try NNZReader.read(path: path)
            outputKinds.insert(model.outputKind.rawValue)
            for layer in model.layers {
                kinds.insert(layer.kindName)
                if case .dropout(let d) = layer { conventions.insert(d.convention.rawValue) }
                if case .batchNorm(let b) = layer { axes.insert(b.axis.rawValue) }
            }
            keys.formUnion(model.metadata.entries.map(\.key))
            if let n = model.normalization { normalizations.insert("\(n.kind)-\(n.first.count == 1 ? "one" : "each")") }
        }
        XCTAssertEqual(kinds.count, 10, "\(kinds)")
        XCTAssertEqual(conventions, [0, 1])
        XCTAssertEqual(axes, [0, 1])
        XCTAssertEqual(outputKinds, [0, 1, 2])
        XCTAssertTrue(keys.isSuperset(of: ["name", "description", "author", "license", "producer", "producer_version", "feature_names", "class_labels"]), "\(keys)")
        XCTAssertTrue(keys.contains { $0.hasPrefix("training.") })
        XCTAssertEqual(normalizations, ["standard-one", "standard-each", "minMax-one", "minMax-each"])
    }

    /// Every hostile file is refused with the error code listed in expected.tsv.
    func testHostileFixturesAreRefusedWithTheirCodes() throws {
        let dir = Repo.fixtures + "/hostile"
        let table = try String(contentsOfFile: dir + "/expected.tsv", encoding: .utf8)
        var count = 0
        for line in table.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("file\t") {
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count >= 2 else { continue }
            do {
                _ = try NNZReader.read(path: dir + "/" + fields[0])
                XCTFail("\(fields[0]) was accepted")
            } catch {
                XCTAssertEqual(error.code.rawValue, fields[1], "\(fields[0]): \(error)")
                XCTAssertTrue(error.description.hasPrefix(dir + "/" + fields[0] + ": "), error.description)
            }
            count += 1
        }
        XCTAssertGreaterThanOrEqual(count, 12)
    }

    /// Swift writes → the Python reader verifies.
    func testPythonReadsWhatSwiftWrites() throws {
        let path = NSTemporaryDirectory() + "swift-written-\(getpid()).nnz"
        defer { unlink(path) }
        var model = everythingModel()
        model.selfTest = nil // our sample outputs are not the model's real outputs
        try NNZWriter.write(model, to: path)
        let result = try runCommand("/usr/bin/env", ["python3", Repo.root + "/Tools/nnz.py", "verify", path], workingDirectory: Repo.root)
        XCTAssertEqual(result.exitCode, 0, result.stdout + result.stderr)
        let output = result.stdout
        XCTAssertTrue(output.hasPrefix(path + ": ok"), output)
    }
}
