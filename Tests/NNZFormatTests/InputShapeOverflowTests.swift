import XCTest
@testable import NNZFormat

/// An input shape whose product overflows 64 bits (three dims of 2^24: 2^72) is refused as
/// too large, not a trap. Found by FuzzReader: the reader multiplied the dims unchecked.
final class InputShapeOverflowTests: XCTestCase {
    func testThreeMaximalInputDimensionsAreALimitErrorWhenRead() throws {
        var builder = try FileBuilder(tinyModel())
        var arch = ByteSink()
        arch.u8(1); arch.u8(3)
        for _ in 0..<3 { arch.u32(1 << 24) }
        arch.u32(1); arch.u8(4)   // one flatten layer
        builder.chunks[0].data = arch.bytes
        let error = try XCTUnwrap(decodeError(builder.bytes()))
        XCTAssertEqual(error.code, .limitExceeded, error.description)
    }

    func testThreeMaximalInputDimensionsAreALimitErrorInMemory() {
        let model = ModelFile(inputShape: [1 << 24, 1 << 24, 1 << 24], outputKind: .regression, layers: [.flatten])
        XCTAssertThrowsError(try ValidatedModel(model)) { error in
            XCTAssertEqual((error as? FormatError)?.code, .limitExceeded)
        }
    }
}
