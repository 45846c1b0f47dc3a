import Foundation
import NNZFormat
@testable import NNZONNX
import NNZTestSupport
import XCTest

/// Damaged ONNX files end in an ``ONNXError``, never a crash or a hang.
final class HostileONNXTests: XCTestCase {
    static let onnx = repositoryRoot + "/Fixtures/onnx"

    func fixture(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.onnx + "/" + name)))
    }

    func testEveryTruncationIsRefusedOrConverted() throws {
        let bytes = try fixture("mlp_softmax_ts17.onnx")
        var refused = 0
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300)) {
            do {
                _ = try ONNXImporter.convert(bytes: Array(bytes[..<length]), file: "cut.onnx", options: ONNXImportOptions(selfTest: false))
            } catch {
                refused += 1
                XCTAssertTrue("\(error)".hasPrefix("cut.onnx: "), "\(error)")
            }
        }
        XCTAssertGreaterThan(refused, 250)
    }

    func testByteFlipsNeverCrash() throws {
        var bytes = try fixture("cnn_avgpool_ts13.onnx")
        var state: UInt64 = 12345
        for _ in 0..<400 {
            var damaged = bytes
            for _ in 0..<3 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let at = Int(state >> 33) % damaged.count
                damaged[at] ^= UInt8(truncatingIfNeeded: state >> 13) | 1
            }
            _ = try? ONNXImporter.convert(bytes: damaged, options: ONNXImportOptions(selfTest: false))
        }
        bytes.removeAll()
    }

    func testAnNNZFileIsNamedAsSuch() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/Fixtures/models/tiny.nnz")))
        XCTAssertThrowsError(try ONNXImporter.convert(bytes: bytes, file: "tiny.onnx")) { error in
            XCTAssertEqual("\(error)", "tiny.onnx: this is an .nnz file, not ONNX; to export it, name the output .onnx: nnzconvert model.nnz model.onnx")
        }
    }
}
