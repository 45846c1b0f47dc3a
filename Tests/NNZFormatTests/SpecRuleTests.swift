import XCTest
@testable import NNZFormat

/// The rules that close the spec gaps of issue 8 (docs/FORMAT.md §6, §9, §10): the same files
/// are in Fixtures/hostile, so Tools/test_nnz.py holds the Python side to the same codes.
final class SpecRuleTests: XCTestCase {
    /// `e\u{301}` and `\u{e9}` are canonically equivalent (Swift `==` calls them equal) but
    /// different byte strings: as feature names they are two names, and they survive a round trip.
    func testNamesAreComparedAsBytesWithoutNormalization() throws {
        var model = tinyModel()
        model.metadata.featureNames = ["e\u{301}", "\u{e9}"]
        model.metadata.classLabels = ["\u{c5}", "A\u{30a}"]
        model.metadata["x.e\u{301}"] = .number(1)
        model.metadata["x.\u{e9}"] = .number(2)
        XCTAssertEqual(model.metadata.entries.count, 4, "canonically equivalent keys are two keys")
        let bytes = try NNZWriter.encode(model)
        let back = try NNZReader.decode(bytes)
        XCTAssertEqual(back.metadata.featureNames.map { $0.map { Array($0.utf8) } },
                       [Array("e\u{301}".utf8), Array("\u{e9}".utf8)])
        XCTAssertEqual(back.metadata["x.\u{e9}"], .number(2))
        XCTAssertEqual(back.metadata["x.e\u{301}"], .number(1))
        XCTAssertEqual(try NNZWriter.encode(back), bytes)
    }

    func testRepeatedFeatureNamesAndClassLabelsAreInconsistent() throws {
        var model = tinyModel()
        model.metadata.featureNames = ["a", "a"]
        XCTAssertEqual(writeError(model)?.code, .writeFailed)
        XCTAssertEqual(writeError(model)?.message, "model is invalid: metadata feature_names holds the name \"a\" twice (names are compared as UTF-8 bytes)")

        model = tinyModel()
        var builder = try FileBuilder(model)
        var meta = Metadata()
        meta.classLabels = ["yes", "yes"]
        builder.chunks.insert(("META", NNZWriter.metadataData(meta)), at: builder.chunks.count - 1)
        let error = try XCTUnwrap(decodeError(builder.bytes()))
        XCTAssertEqual(error.code, .inconsistent)
        XCTAssertEqual(error.chunk, "META")
        XCTAssertEqual(error.message, "metadata class_labels holds the label \"yes\" twice (labels are compared as UTF-8 bytes)")
    }

    func testByteShuffleWithoutZlibIsMalformed() throws {
        var builder = try FileBuilder(tinyModel())
        var tensor = ByteSink()
        tensor.str("layers.0.weight"); tensor.u8(1); tensor.u8(0); tensor.u8(1); tensor.u8(2)
        tensor.u32(2); tensor.u32(2); tensor.u64(16)
        tensor.floats([1, -1, 0.5, 2])
        builder.chunks[1].data = tensor.bytes
        let error = try XCTUnwrap(decodeError(builder.bytes()))
        XCTAssertEqual(error.code, .malformed)
        XCTAssertEqual(error.message, "tensor layers.0.weight: byte-shuffle filter requires codec 1 (zlib)")
    }

    /// nntrain exports a final sigmoid as kind 1 too, so softmax and sigmoid both qualify.
    func testProbabilitiesNeedAFinalSoftmaxOrSigmoid() throws {
        var model = tinyModel()
        model.layers[1] = .sigmoid
        XCTAssertNoThrow(try NNZReader.decode(NNZWriter.encode(model)))
        model.layers[1] = .relu
        XCTAssertEqual(writeError(model)?.message, "model is invalid: output kind 1 (class probabilities) needs a final softmax or sigmoid layer; the last layer is relu")
        model.outputKind = .scores
        XCTAssertNoThrow(try NNZWriter.encode(model))
    }

    /// The 2^31 limit applies to the declared `file_length`, checked before the actual length.
    func testDeclaredFileLengthOverTheLimitIsLimitExceededEvenOnAShortFile() throws {
        for (declared, code) in [(UInt64(1) << 31 + 1, FormatError.Code.limitExceeded), (UInt64(1) << 31, .truncated)] {
            var bytes = try NNZWriter.encode(tinyModel())
            for i in 0..<8 { bytes[16 + i] = UInt8(truncatingIfNeeded: declared >> (8 * UInt64(i))) }
            let crc = crc32Of(Array(bytes[0..<24]))
            for i in 0..<4 { bytes[24 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
            XCTAssertEqual(decodeError(bytes)?.code, code, "declared \(declared)")
        }
    }

    func testMinMaxSpanOverflowSaysSo() throws {
        var model = tinyModel()
        model.normalization = .minMax(min: [-3e38], max: [3e38])
        XCTAssertEqual(writeError(model)?.message, "model is invalid: normalization feature 0: max − min (3e+38 − -3e+38) overflows float32")
        model.normalization = .minMax(min: [1], max: [1])
        XCTAssertEqual(writeError(model)?.message, "model is invalid: normalization feature 0 has max 1.0 ≤ min 1.0")
    }

    func testZlibStreamWithoutItsAdlerChecksumSaysSo() throws {
        var builder = try FileBuilder(tinyModel())
        let raw: [UInt8] = Array(repeating: 0x3F, count: 16)
        var tensor = ByteSink()
        tensor.str("layers.0.weight"); tensor.u8(1); tensor.u8(1); tensor.u8(0); tensor.u8(2)
        tensor.u32(2); tensor.u32(2); tensor.u64(16)
        tensor.append(Array(zlibCompress(raw)!.dropLast(4)))
        builder.chunks[1].data = tensor.bytes
        let error = try XCTUnwrap(decodeError(builder.bytes()))
        XCTAssertEqual(error.code, .decompressionFailed)
        XCTAssertEqual(error.message, "tensor layers.0.weight: zlib stream ends before its end marker / Adler-32 checksum (all 16 bytes inflated)")
    }

    /// The 217-byte file of issue 8: every field in range, output [1, 3, 3], but the zero-padded
    /// input the runtime would materialize has 131071² values.
    func testZeroPaddedConvolutionInputCountsAsAnActivation() throws {
        func model(pad: Int) -> ModelFile {
            var m = ModelFile(inputShape: [1, 1, 1], outputKind: .regression, layers: [
                .conv2d(Conv2DLayer(inChannels: 1, outChannels: 1, kernelHeight: 1, kernelWidth: 1,
                                    strideHeight: pad, strideWidth: pad, padHeight: pad, padWidth: pad)),
                .flatten,
            ])
            m.tensors = [Tensor(name: "layers.0.weight", shape: [1, 1, 1, 1], values: [2]),
                         Tensor(name: "layers.0.bias", shape: [1], values: [0.5])]
            return m
        }
        for (pad, side) in [(65535, 131071), (10000, 20001)] {
            XCTAssertEqual(writeError(model(pad: pad))?.message, "model is invalid: layer 0 (conv2d): zero-padded input 1×\(side)×\(side) exceeds 2^28 elements per sample")
        }
        // Written by hand (the writer refuses it): the reader refuses it at ARCH, naming the layer.
        var builder = try FileBuilder(model(pad: 1))
        var arch = ByteSink()
        arch.u8(2); arch.u8(3); arch.u32(1); arch.u32(1); arch.u32(1); arch.u32(2)
        arch.u8(2)
        for v in [1, 1, 1, 1, 65535, 65535, 65535, 65535] { arch.u32(v) }
        arch.u8(1); arch.u8(4)
        builder.chunks[0].data = arch.bytes
        let bytes = builder.bytes()
        XCTAssertEqual(bytes.count, 217)
        let error = try XCTUnwrap(decodeError(bytes))
        XCTAssertEqual(error.code, .limitExceeded)
        XCTAssertEqual(error.chunk, "ARCH")
        XCTAssertEqual(error.message, "layer 0 (conv2d): zero-padded input 1×131071×131071 exceeds 2^28 elements per sample")
        // Just inside the limit is fine: 1 × 16384 × 16384 = 2^28.
        var inside = model(pad: 1)
        inside.inputShape = [1, 16382, 16382]
        XCTAssertEqual(try inside.layerOutputShapes(), [[1, 16384, 16384], [1 << 28]])
    }

    func testATensorOverTheLimitIsRefusedOnTheArchitecture() throws {
        var builder = try FileBuilder(tinyModel())
        var arch = ByteSink()
        arch.u8(0); arch.u8(1); arch.u32(32768); arch.u32(1)
        arch.u8(1); arch.u32(32768); arch.u32(16384); arch.u8(0)
        builder.chunks = [("ARCH", arch.bytes), ("NEND", [])]
        let error = try XCTUnwrap(decodeError(builder.bytes()))
        XCTAssertEqual(error.code, .limitExceeded)
        XCTAssertEqual(error.chunk, "ARCH")
    }

    /// Each issue-8 hostile file's message names the real cause, in the words Tools/test_nnz.py
    /// checks the Python reader for (its RULE_MESSAGES table).
    func testHostileRuleFixturesNameTheirCause() throws {
        let phrases = [
            "feature_names_duplicate.nnz": "compared as UTF-8 bytes",
            "class_labels_duplicate.nnz": "compared as UTF-8 bytes",
            "shuffle_without_zlib.nnz": "byte-shuffle filter requires codec 1 (zlib)",
            "probabilities_without_softmax.nnz": "needs a final softmax or sigmoid layer",
            "file_length_over_limit.nnz": "file_length 2147483649",
            "norm_minmax_overflow.nnz": "overflows float32",
            "zlib_missing_adler.nnz": "ends before its end marker / Adler-32 checksum",
            "conv_padded_input_65535.nnz": "layer 0 (conv2d): zero-padded input 1×131071×131071 exceeds 2^28 elements per sample",
            "conv_padded_input_10000.nnz": "layer 0 (conv2d): zero-padded input 1×20001×20001 exceeds 2^28 elements per sample",
            "tensor_too_large.nnz": "layers.0.weight",
        ]
        for (file, phrase) in phrases {
            do {
                _ = try NNZReader.read(path: Repo.fixtures + "/hostile/" + file)
                XCTFail("\(file) was accepted")
            } catch {
                XCTAssertTrue(error.message.contains(phrase), "\(file): \(error.message)")
            }
        }
    }

    /// Only unknown ancillary types can be carried; a chunk built in memory goes before NEND.
    func testAncillaryChunksBuiltInMemory() throws {
        var model = tinyModel()
        model.ancillaryChunks = [AncillaryChunk(type: "abCd", data: [1]), AncillaryChunk(type: "wxyz", data: [2, 2], afterKnownChunks: 1)]
        let bytes = try NNZWriter.encode(model)
        let back = try NNZReader.decode(bytes)
        XCTAssertEqual(back.ancillaryChunks, [AncillaryChunk(type: "wxyz", data: [2, 2], afterKnownChunks: 1),
                                              AncillaryChunk(type: "abCd", data: [1], afterKnownChunks: 2)])
        XCTAssertEqual(try NNZReader.chunks(bytes).map(\.type), ["ARCH", "wxyz", "TNSR", "abCd", "NEND"])
        XCTAssertEqual(try NNZWriter.encode(back), bytes)
        for bad in ["QNTZ", "test", "ab1d", "abc"] {
            model.ancillaryChunks = [AncillaryChunk(type: bad, data: [])]
            XCTAssertEqual(writeError(model)?.code, .writeFailed, bad)
        }
    }

    private func writeError(_ model: ModelFile) -> FormatError? {
        do { _ = try NNZWriter.encode(model); return nil } catch { return error }
    }
}
