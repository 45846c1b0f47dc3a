import Foundation
import XCTest
@testable import NNZFormat

final class RoundTripTests: XCTestCase {
    func testEveryLayerAndMetadataFieldRoundTrips() throws {
        let model = everythingModel()
        let bytes = try NNZWriter.encode(model)
        let decoded = try NNZReader.decode(bytes)
        XCTAssertEqual(decoded, model)
        XCTAssertEqual(decoded.metadata.classLabels, ["cat", "dog, big", "émeu \"quoted\""])
        XCTAssertEqual(decoded.metadata.trainingSummary.map(\.key), ["dataset", "epochs", "final_accuracy"])
        XCTAssertEqual(try NNZWriter.encode(decoded), bytes, "re-writing a decoded model must give the same bytes")
    }

    func testEncodingIsDeterministicWhateverTheMetadataInsertionOrder() throws {
        var a = everythingModel()
        var b = everythingModel()
        a.metadata = Metadata([("z", .bool(false)), ("a", .number(1)), ("m", .string("x"))])
        b.metadata = Metadata([("m", .string("x")), ("z", .bool(false)), ("a", .number(1))])
        XCTAssertEqual(try NNZWriter.encode(a), try NNZWriter.encode(b))
        XCTAssertEqual(a.metadata.entries.map(\.key), ["a", "m", "z"])
    }

    func testHeaderAndEndMarkerBytes() throws {
        let bytes = try NNZWriter.encode(everythingModel())
        XCTAssertEqual(Array(bytes[0..<8]), [0x89, 0x4E, 0x4E, 0x5A, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertEqual(Array(bytes[8..<16]), [1, 0, 0, 0, 1, 0, 0, 0])
        let length = bytes[16..<24].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        XCTAssertEqual(length, UInt64(bytes.count))
        XCTAssertEqual(Array(bytes.suffix(12)), [0, 0, 0, 0, 0x4E, 0x45, 0x4E, 0x44, 0x3B, 0x58, 0x95, 0x33])
    }

    func testTensorsAreShuffledAndCompressedWhenThatIsSmaller() throws {
        var model = ModelFile(inputShape: [64], outputKind: .regression,
                              layers: [.dense(DenseLayer(inputs: 64, outputs: 32))])
        model.tensors = [Tensor(name: "layers.0.weight", shape: [64, 32], values: (0..<2048).map { Float($0 % 7) * 0.125 }),
                         Tensor(name: "layers.0.bias", shape: [32], values: sampleValues(32, seed: 3))]
        let bytes = try NNZWriter.encode(model)
        XCTAssertLessThan(bytes.count, 2048 * 4, "the regular weight matrix must compress")
        XCTAssertEqual(try NNZReader.decode(bytes), model)
    }

    func testWriterRefusesAnInvalidModel() {
        var model = ModelFile(inputShape: [5], outputKind: .scores, layers: [.dense(DenseLayer(inputs: 4, outputs: 3))])
        model.tensors = filledTensors(model)
        XCTAssertThrowsError(try NNZWriter.encode(model)) { error in
            let e = error as! FormatError
            XCTAssertEqual(e.code, .writeFailed)
            XCTAssertEqual(e.message, "model is invalid: layer 0 (dense): dense expects 4 inputs, the previous output has 5")
        }
    }

    func testAtomicWriteLeavesNoTemporaryFileAndReplacesTheTarget() throws {
        let dir = NSTemporaryDirectory() + "nnz-write-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/model.nnz"
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        try NNZWriter.write(everythingModel(), to: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["model.nnz"])
        XCTAssertEqual(try NNZReader.read(path: path), everythingModel())
    }

    func testWriteIntoAMissingDirectoryFailsWithItsName() {
        XCTAssertThrowsError(try NNZWriter.write(everythingModel(), to: "/nonexistent-dir/m.nnz")) { error in
            let e = error as! FormatError
            XCTAssertEqual(e.code, .writeFailed)
            XCTAssertTrue(e.description.hasPrefix("/nonexistent-dir/m.nnz: cannot create /nonexistent-dir/m.nnz.tmp-"), e.description)
        }
    }

    func testReadingMissingFileAndDirectory() {
        XCTAssertThrowsError(try NNZReader.read(path: "/no/such/model.nnz")) { error in
            XCTAssertEqual((error as! FormatError).code, .fileNotFound)
            XCTAssertEqual("\(error)", "/no/such/model.nnz: cannot open: No such file or directory")
        }
        XCTAssertThrowsError(try NNZReader.read(path: "/tmp")) { error in
            XCTAssertEqual((error as! FormatError).code, .ioError)
            XCTAssertEqual("\(error)", "/tmp: is a directory, expected an .nnz model file")
        }
    }
}
