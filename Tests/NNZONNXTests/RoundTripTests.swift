import Foundation
import NNZFormat
@testable import NNZONNX
import NNZRuntime
import NNZTestSupport
import XCTest

/// `.nnz → .onnx → .nnz` keeps every tensor bit for bit (as float32 values) and every output exactly.
final class RoundTripTests: XCTestCase {
    static let models = repositoryRoot + "/Fixtures/models"

    func modelFixtures() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Self.models).filter { $0.hasSuffix(".nnz") }.sorted()
    }

    func testEveryModelFixtureRoundTripsBitForBit() throws {
        let names = try modelFixtures()
        XCTAssertGreaterThan(names.count, 5)
        for name in names {
            let original = try NNZReader.read(path: Self.models + "/" + name)
            for opset in [13, 17, 21] {
                let onnx = try ONNXExporter.export(original, opset: opset)
                let back = try ONNXImporter.convert(bytes: onnx, file: name, options: ONNXImportOptions(selfTest: false)).model
                XCTAssertEqual(back.inputShape, original.inputShape, "\(name) opset \(opset)")
                XCTAssertEqual(back.outputKind, original.outputKind, "\(name) opset \(opset)")
                XCTAssertEqual(back.layers, original.layers, "\(name) opset \(opset)")
                XCTAssertEqual(back.metadata, original.metadata, "\(name) opset \(opset)")
                XCTAssertEqual(back.normalization, original.normalization, "\(name) opset \(opset)")
                XCTAssertEqual(back.tensors.map(\.name), original.tensors.map(\.name), "\(name) opset \(opset)")
                for (b, o) in zip(back.tensors, original.tensors) {
                    XCTAssertEqual(b.shape, o.shape, "\(name) \(o.name)")
                    XCTAssertEqual(b.values.map(\.bitPattern), o.values.map(\.bitPattern), "\(name) \(o.name) bits")
                }
                // Same outputs on the original's self-test inputs (or seeded ones).
                let inputs = original.selfTest?.inputs
                    ?? SelfTestInputs.make(width: original.inputElementCount, rows: 3, normalization: original.normalization)
                // The export holds float16 widened and int8 dequantized as float32 initializers,
                // so the model that comes back computes what the original computes in float32.
                var widened = original
                for i in widened.tensors.indices { widened.tensors[i].values = widened.tensors[i].values }
                let a = try Model(file: widened).predict(rows: inputs)
                let b = try Model(file: back).predict(rows: inputs)
                XCTAssertEqual(a.joined().map(\.bitPattern), b.joined().map(\.bitPattern), "\(name) opset \(opset): outputs")
            }
        }
    }

    func testImportAddsASelfTestThatPasses() throws {
        let original = try NNZReader.read(path: Self.models + "/tiny.nnz")
        let back = try ONNXImporter.convert(bytes: try ONNXExporter.export(original)).model
        let test = try XCTUnwrap(back.selfTest)
        XCTAssertEqual(test.inputs.count, 4)
        let report = try XCTUnwrap(try Model(file: back).runSelfTest())
        XCTAssertTrue(report.passed, "\(report)")
    }

    func testExportRefusesAnOpsetOutsideItsRange() throws {
        let model = try NNZReader.read(path: Self.models + "/tiny.nnz")
        XCTAssertThrowsError(try ONNXExporter.export(model, opset: 12)) { error in
            XCTAssertEqual("\(error)", "opset 12 is outside what the exporter writes (13–21)")
        }
    }

    func testJSONStringListsRoundTrip() {
        let lists: [[String]] = [[], ["a"], ["with,comma", "quote\"", "back\\slash", "tab\t", "é", "line\nbreak", "\u{1}"]]
        for list in lists {
            let text = JSONStrings.encode(list)
            XCTAssertEqual(JSONStrings.decode(text), list, text)
        }
        XCTAssertEqual(JSONStrings.encode(["a\"b"]), #"["a\"b"]"#)
        XCTAssertEqual(JSONStrings.decode(#"["\ud83d\ude00"]"#), ["😀"])
        for bad in ["", "[", "[\"a\"", "[\"a\",]", "[1]", "[\"a\"] x", "[\"\\x\"]"] {
            XCTAssertNil(JSONStrings.decode(bad), bad)
        }
    }
}
