import CZlib
import XCTest
@testable import NNZFormat

/// Builds files chunk by chunk so tests can plant exactly one defect with valid CRCs elsewhere.
struct FileBuilder {
    var version: (UInt16, UInt16, UInt16, UInt16)
    var chunks: [(type: String, data: [UInt8])]

    init(_ model: ModelFile) throws {
        let bytes = try NNZWriter.encode(model)
        let field = { (i: Int) in UInt16(bytes[8 + 2 * i]) | UInt16(bytes[9 + 2 * i]) << 8 }
        version = (field(0), field(1), field(2), field(3)) // what the writer wrote
        chunks = []
        var position = 28
        while position < bytes.count {
            let length = Int(bytes[position]) | Int(bytes[position + 1]) << 8 | Int(bytes[position + 2]) << 16 | Int(bytes[position + 3]) << 24
            let type = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            chunks.append((type, Array(bytes[(position + 8)..<(position + 8 + length)])))
            position += 12 + length
        }
    }

    func bytes() -> [UInt8] {
        var out = ByteSink()
        out.append(nnzSignature)
        out.u16(version.0); out.u16(version.1); out.u16(version.2); out.u16(version.3)
        out.u64(0); out.u32(UInt32(0))
        for (type, data) in chunks { NNZWriter.appendChunk(type, data, to: &out) }
        let length = UInt64(out.bytes.count)
        for i in 0..<8 { out.bytes[16 + i] = UInt8(truncatingIfNeeded: length >> (8 * UInt64(i))) }
        let crc = crc32Of(Array(out.bytes[0..<24]))
        for i in 0..<4 { out.bytes[24 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        return out.bytes
    }
}

func tinyModel() -> ModelFile {
    var model = ModelFile(inputShape: [2], outputKind: .probabilities,
                          layers: [.dense(DenseLayer(inputs: 2, outputs: 2, hasBias: false)), .softmax])
    model.tensors = [Tensor(name: "layers.0.weight", shape: [2, 2], values: [1, -1, 0.5, 2])]
    return model
}

func decodeError(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> FormatError? {
    do {
        _ = try NNZReader.decode(bytes)
        XCTFail("decoding succeeded but should have failed", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

final class HostileInputTests: XCTestCase {
    func testEveryTruncationIsATruncatedError() throws {
        let bytes = try NNZWriter.encode(everythingModel())
        for length in 0..<bytes.count {
            guard let error = decodeError(Array(bytes[0..<length])) else { return }
            XCTAssertEqual(error.code, .truncated, "length \(length): \(error)")
        }
    }

    func testEverySingleByteChangeOfTheTinyModelIsRefused() throws {
        let bytes = try NNZWriter.encode(tinyModel())
        for index in bytes.indices {
            for value in 0...255 where UInt8(value) != bytes[index] {
                var damaged = bytes
                damaged[index] = UInt8(value)
                guard decodeError(damaged) != nil else {
                    XCTFail("byte \(index) = \(value) was accepted")
                    return
                }
            }
        }
    }

    func testByteChangesInsideChunkDataAreChecksumErrors() throws {
        let model = everythingModel()
        let bytes = try NNZWriter.encode(model)
        var position = 28
        while position < bytes.count {
            let length = Int(bytes[position]) | Int(bytes[position + 1]) << 8 | Int(bytes[position + 2]) << 16
            for index in (position + 8)..<(position + 8 + length) {
                for flip: UInt8 in [0x01, 0x80, 0xFF] {
                    var damaged = bytes
                    damaged[index] ^= flip
                    guard let error = decodeError(damaged) else { return }
                    XCTAssertEqual(error.code, .checksumMismatch, "byte \(index): \(error)")
                    XCTAssertEqual(error.offset, position + 8 + length)
                }
            }
            position += 12 + length
        }
    }

    func testHeaderDamage() throws {
        var bytes = try NNZWriter.encode(tinyModel())
        bytes[9] = 7
        let error = try XCTUnwrap(decodeError(bytes))
        XCTAssertEqual(error.code, .checksumMismatch)
        XCTAssertEqual(error.offset, 24)
        XCTAssertTrue(error.message.hasPrefix("header CRC-32 mismatch"), error.message)
    }

    func testTextModeDamageIsNamed() throws {
        let bytes = try NNZWriter.encode(tinyModel())
        var crlfToLf = bytes
        crlfToLf.remove(at: 4)
        XCTAssertEqual(decodeError(crlfToLf)?.description,
                       "byte 0: the signature was altered by a text-mode transfer (CR LF became LF); transfer the file in binary mode")
        var lfToCrlf = bytes
        lfToCrlf.insert(0x0D, at: 5)
        XCTAssertEqual(decodeError(lfToCrlf)?.code, .badSignature)
        XCTAssertEqual(decodeError(Array("name,value\n1,2\n3,4\n5,6\n7,8\n9,10\n11,12\n".utf8))?.message,
                       "not an nnz model file: the first bytes are 6E 61 6D 65 2C 76 61 6C, expected 89 4E 4E 5A 0D 0A 1A 0A")
    }

    func testUnknownAncillaryChunkIsSkippedAndCarriedAlong() throws {
        var builder = try FileBuilder(tinyModel())
        builder.chunks.insert(("zzTp", [1, 2, 3]), at: 1)
        var decoded = try NNZReader.decode(builder.bytes())
        XCTAssertEqual(decoded.ancillaryChunks, [AncillaryChunk(type: "zzTp", data: [1, 2, 3], afterKnownChunks: 1)])
        XCTAssertEqual(try NNZWriter.encode(decoded), builder.bytes())
        decoded.ancillaryChunks = []
        XCTAssertEqual(decoded, tinyModel())
    }

    func testUnknownCriticalChunkIsRefusedByName() throws {
        var builder = try FileBuilder(tinyModel())
        builder.version = (1, 3, 1, 0)
        builder.chunks.insert(("QNTZ", [1, 2, 3]), at: 1)
        let error = try XCTUnwrap(decodeError(builder.bytes()))
        XCTAssertEqual(error.code, .unknownCriticalChunk)
        XCTAssertEqual(error.chunk, "QNTZ")
        XCTAssertEqual(error.message, "unknown critical chunk QNTZ: the file is format 1.3, this reader knows format 1.1; a newer reader is needed")
    }

    func testNewerMinimumReaderVersionIsRefused() throws {
        var builder = try FileBuilder(tinyModel())
        builder.version = (1, 2, 1, 2)
        XCTAssertEqual(decodeError(builder.bytes())?.message,
                       "the file is format 1.2 and needs reader 1.2; this reader implements format 1.1")
        builder.version = (2, 0, 2, 0)
        XCTAssertEqual(decodeError(builder.bytes())?.message, "the file is format 2.0, a newer major version; this reader implements format 1.1")
        builder.version = (2, 0, 1, 0)
        XCTAssertEqual(decodeError(builder.bytes())?.code, .unsupportedVersion)
        builder.version = (1, 3, 1, 0)
        XCTAssertEqual(try NNZReader.decode(builder.bytes()).formatVersion, FormatVersion(major: 1, minor: 3))
    }

    func testDecompressionBombIsRefusedBeforeInflating() throws {
        var builder = try FileBuilder(tinyModel())
        // A dense 8192×8192 layer declares 256 MiB of weights held in a 30-byte zlib stream.
        var arch = ByteSink()
        arch.u8(0); arch.u8(1); arch.u32(8192); arch.u32(1) // scores: kind 1 would need a final softmax
        arch.u8(1); arch.u32(8192); arch.u32(8192); arch.u8(0)
        builder.chunks[0].data = arch.bytes
        var tensor = ByteSink()
        tensor.str("layers.0.weight"); tensor.u8(1); tensor.u8(1); tensor.u8(0); tensor.u8(2)
        tensor.u32(8192); tensor.u32(8192); tensor.u64(UInt64(8192 * 8192 * 4))
        tensor.append(zlibCompress([UInt8](repeating: 0, count: 4096))!)
        builder.chunks[1].data = tensor.bytes
        let error = try XCTUnwrap(decodeError(builder.bytes()))
        XCTAssertEqual(error.code, .limitExceeded)
        XCTAssertTrue(error.message.hasSuffix("more than deflate can expand (decompression bomb)"), error.message)
    }

    func testStreamThatInflatesPastItsDeclaredLengthIsRefused() throws {
        var builder = try FileBuilder(tinyModel())
        var tensor = ByteSink()
        tensor.str("layers.0.weight"); tensor.u8(1); tensor.u8(1); tensor.u8(0); tensor.u8(2)
        tensor.u32(2); tensor.u32(2); tensor.u64(16)
        tensor.append(zlibCompress([UInt8](repeating: 7, count: 64))!)
        builder.chunks[1].data = tensor.bytes
        let error = try XCTUnwrap(decodeError(builder.bytes()))
        XCTAssertEqual(error.code, .decompressionFailed)
        XCTAssertEqual(error.message, "tensor layers.0.weight: zlib stream inflates past raw_length 16")
    }

    func testChainingMissingAndExtraTensors() throws {
        var builder = try FileBuilder(tinyModel())
        var arch = ByteSink()
        arch.u8(1); arch.u8(1); arch.u32(5); arch.u32(2)
        arch.u8(1); arch.u32(2); arch.u32(2); arch.u8(0); arch.u8(8)
        builder.chunks[0].data = arch.bytes
        XCTAssertEqual(decodeError(builder.bytes())?.message, "layer 0 (dense): dense expects 2 inputs, the previous output has 5")

        builder = try FileBuilder(tinyModel())
        builder.chunks.remove(at: 1)
        XCTAssertEqual(decodeError(builder.bytes())?.message, "tensor layers.0.weight is missing (expected shape [2, 2])")

        builder = try FileBuilder(tinyModel())
        var extra = builder.chunks[1]
        extra.data = try NNZWriter.tensorData(Tensor(name: "layers.1.weight", shape: [1], values: [0]))
        builder.chunks.insert(extra, at: 2)
        XCTAssertEqual(decodeError(builder.bytes())?.message, "tensor layers.1.weight belongs to no layer parameter of this architecture")
    }

    func testAbsurdDimensionAndOverflowingChunkLength() throws {
        var builder = try FileBuilder(tinyModel())
        var arch = ByteSink()
        arch.u8(1); arch.u8(1); arch.u32((1 << 24) + 1)
        builder.chunks[0].data = arch.bytes
        XCTAssertEqual(decodeError(builder.bytes())?.code, .limitExceeded)

        var bytes = try NNZWriter.encode(tinyModel())
        for i in 28..<32 { bytes[i] = 0xFF }
        let error = try XCTUnwrap(decodeError(bytes))
        XCTAssertEqual(error.code, .limitExceeded)
        XCTAssertEqual(error.description, "byte 28, chunk ARCH: chunk length 4294967295 exceeds the limit 1073741824")
    }

    func testTrailingBytesAreRefused() throws {
        var bytes = try NNZWriter.encode(tinyModel())
        let length = bytes.count
        bytes.append(0)
        XCTAssertEqual(decodeError(bytes)?.message, "the file is \(length + 1) bytes but its header declares \(length): 1 bytes were appended")
    }
}
