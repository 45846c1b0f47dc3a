import Foundation
import NNZFormat
@testable import NNZONNX
import NNZTestSupport
import XCTest

/// Initializers saved as ONNX external data (what PyTorch's dynamo exporter writes by default)
/// are read from the model's directory; a location outside it, a short file or a missing file
/// is refused naming the initializer.
final class ExternalDataTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "nnz-external-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The fixture with every float initializer moved into `weights.bin` (offsets as given).
    func externalized(location: (Int) -> String = { _ in "weights.bin" }, lengthDelta: Int = 0) throws -> (inline: [UInt8], external: [UInt8]) {
        let inline = [UInt8](try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/Fixtures/onnx/mlp_softmax_ts17.onnx")))
        var proto = try Onnx_ModelProto(serializedBytes: inline)
        var blob = Data()
        for i in proto.graph.initializer.indices where proto.graph.initializer[i].dataType == 1 {
            var t = proto.graph.initializer[i]
            let bytes = t.hasRawData ? t.rawData : t.floatData.withUnsafeBufferPointer { Data(buffer: $0) }
            func entry(_ key: String, _ value: String) -> Onnx_StringStringEntryProto {
                var e = Onnx_StringStringEntryProto(); e.key = key; e.value = value; return e
            }
            t.externalData = [entry("location", location(i)), entry("offset", "\(blob.count)"),
                              entry("length", "\(bytes.count + lengthDelta)")]
            t.dataLocation = .external
            t.clearRawData()
            t.floatData = []
            blob.append(bytes)
            proto.graph.initializer[i] = t
        }
        try blob.write(to: URL(fileURLWithPath: directory + "/weights.bin"))
        return (inline, [UInt8](try proto.serializedData()))
    }

    func testExternalWeightsGiveTheSameModelAsInlineOnes() throws {
        let (inline, external) = try externalized()
        let options = ONNXImportOptions(selfTest: false)
        var withDirectory = options
        withDirectory.externalDataDirectory = directory
        let a = try ONNXImporter.convert(bytes: inline, file: "inline.onnx", options: options).model
        let b = try ONNXImporter.convert(bytes: external, file: "external.onnx", options: withDirectory).model
        XCTAssertEqual(a.layers, b.layers)
        XCTAssertEqual(a.tensors, b.tensors)
        XCTAssertFalse(b.tensors.isEmpty)
    }

    func testExternalDataWithoutADirectoryIsRefused() throws {
        let (_, external) = try externalized()
        XCTAssertThrowsError(try ONNXImporter.convert(bytes: external, file: "m.onnx", options: ONNXImportOptions(selfTest: false))) { error in
            XCTAssertTrue("\(error)".hasPrefix("m.onnx: initializer \""), "\(error)")
            XCTAssertTrue("\(error)".hasSuffix("keeps its data in an external file; give the model's directory (nnzconvert does), or save it with onnx.save(model, path, save_as_external_data=False)"), "\(error)")
        }
    }

    func refusal(_ external: [UInt8]) -> String {
        var options = ONNXImportOptions(selfTest: false)
        options.externalDataDirectory = directory
        do {
            _ = try ONNXImporter.convert(bytes: external, file: "m.onnx", options: options)
            return "converted"
        } catch {
            return "\(error)"
        }
    }

    func testALocationOutsideTheModelsDirectoryIsRefused() throws {
        for location in ["../weights.bin", "/etc/passwd", "a/../../b"] {
            let message = refusal(try externalized(location: { _ in location }).external)
            XCTAssertTrue(message.hasSuffix("external data location \"\(location)\" must be a relative path inside the model's directory"), message)
        }
    }

    /// Only the tensor's slice is read, and no slice beyond 2^33 bytes: a huge (sparse) data
    /// file with a huge declared length is refused before anything is read.
    func testAnOversizedSliceIsRefusedBeforeReading() throws {
        let (_, external) = try externalized(lengthDelta: (1 << 33) + 1)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: directory + "/weights.bin"))
        try handle.truncate(atOffset: (1 << 34))
        try handle.close()
        let message = refusal(external)
        XCTAssertTrue(message.contains("more than 2^33 (2^30 elements of 8 bytes)"), message)
    }

    func testDataRunningPastTheFileOrAMissingFileIsRefused() throws {
        let past = refusal(try externalized(lengthDelta: 1).external)
        XCTAssertTrue(past.contains("runs past the end of \(directory)/weights.bin"), past)
        let missing = refusal(try externalized(location: { _ in "nowhere.bin" }).external)
        XCTAssertTrue(missing.hasSuffix("cannot read its external data file \(directory)/nowhere.bin"), missing)
    }
}
