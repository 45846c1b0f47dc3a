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
    /// the very same bytes back (both writers agree byte for byte), with_ancillary.nnz's unknown
    /// ancillary chunks included, in place.
    func testPythonWrittenFixturesReadAndRewriteByteForByte() throws {
        let paths = try goodFixtures()
        XCTAssertTrue(paths.contains { $0.hasSuffix("/with_ancillary.nnz") })
        for path in paths {
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
        XCTAssertEqual(kinds.count, 13, "\(kinds)")
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

    /// with_ancillary.nnz is regression.nnz plus `prVt` after the first tensor and an empty
    /// `zzzz` before NEND: both are carried, in place; without them the bytes are regression.nnz.
    func testAncillaryChunksAreCarriedInPlace() throws {
        var model = try NNZReader.read(path: Repo.fixtures + "/models/with_ancillary.nnz")
        let plain = try NNZReader.readFile(Repo.fixtures + "/models/regression.nnz")
        let known = try NNZReader.chunks(plain).count - 1
        XCTAssertEqual(model.ancillaryChunks, [
            AncillaryChunk(type: "prVt", data: Array("private producer data ".utf8) + [0, 1, 2, 0xFF], afterKnownChunks: 2),
            AncillaryChunk(type: "zzzz", data: [], afterKnownChunks: known),
        ])
        model.ancillaryChunks = []
        XCTAssertEqual(try NNZWriter.encode(model), plain)
        XCTAssertEqual(model, try NNZReader.decode(plain))
    }

    /// Swift writes a model with ancillary chunks; Python reads it and writes it again: the same
    /// bytes (both carry them and place them alike).
    func testPythonRewritesSwiftAncillaryChunksToTheSameBytes() throws {
        let path = NSTemporaryDirectory() + "swift-ancillary-\(getpid()).nnz"
        defer { unlink(path) }
        var model = everythingModel()
        model.selfTest = nil
        model.ancillaryChunks = [AncillaryChunk(type: "abcd", data: [1, 2, 3], afterKnownChunks: 1),
                                 AncillaryChunk(type: "zzzz", data: []),
                                 AncillaryChunk(type: "prVt", data: Array("x".utf8), afterKnownChunks: 3)]
        try NNZWriter.write(model, to: path)
        let script = "import sys; sys.path.insert(0, 'Tools'); import nnz; "
            + "sys.stdout.buffer.write(nnz.encode_model(nnz.read_model(sys.argv[1])))"
        let (status, output, errors) = try runPython(["-c", script, path])
        XCTAssertEqual(status, 0, errors)
        XCTAssertEqual(Array(output), try NNZReader.readFile(path))
        let back = try NNZReader.read(path: path)
        XCTAssertEqual(back.ancillaryChunks.map(\.type), ["abcd", "prVt", "zzzz"])
        XCTAssertEqual(try NNZWriter.encode(back), try NNZReader.readFile(path))
    }

    private func runPython(_ arguments: [String]) throws -> (Int32, Data, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: Repo.root)
        let pipe = Pipe(), errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output, errorText)
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
