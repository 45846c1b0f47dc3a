import Foundation
import NNZTestSupport
import XCTest
@_spi(Testing) @testable import NNZFormat

/// A model with every layer kind format 1.1 added: average pooling both ways (with padding),
/// global average pooling, leaky ReLU on images and on features.
func newKindsModel() -> ModelFile {
    var model = ModelFile(inputShape: [2, 7, 6], outputKind: .probabilities, layers: [
        .conv2d(Conv2DLayer(inChannels: 2, outChannels: 3, kernelHeight: 3, kernelWidth: 3, padHeight: 1, padWidth: 1)),
        .leakyRelu(alpha: 0.1),
        .avgPool(AvgPoolLayer(kernelHeight: 3, kernelWidth: 2, strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 1)),
        .avgPool(AvgPoolLayer(kernelHeight: 2, kernelWidth: 2, strideHeight: 1, strideWidth: 1, padHeight: 1, padWidth: 1,
                              countIncludePad: true)),
        .globalAvgPool,
        .flatten,
        .dense(DenseLayer(inputs: 3, outputs: 4)),
        .leakyRelu(alpha: -0.5),
        .dense(DenseLayer(inputs: 4, outputs: 2)),
        .softmax,
    ])
    model.tensors = filledTensors(model)
    return model
}

final class FormatVersionTests: XCTestCase {
    static var fixtures: String { Repo.fixtures }

    func testTheNewKindsRoundTripAsAFormat11File() throws {
        let model = newKindsModel()
        XCTAssertEqual(model.minimumReaderVersion, .v1_1)
        XCTAssertEqual(model.formatVersion, .v1_1)
        let bytes = try NNZWriter.encode(model)
        XCTAssertEqual(Array(bytes[8..<16]), [1, 0, 1, 0, 1, 0, 1, 0], "version and min_reader_version are both 1.1")
        let decoded = try NNZReader.decode(bytes)
        XCTAssertEqual(decoded, model)
        XCTAssertEqual(try NNZWriter.encode(decoded), bytes)
        XCTAssertEqual(try NNZReader.decodeValidated(bytes).layerOutputShapes,
                       [[3, 7, 6], [3, 7, 6], [3, 4, 4], [3, 5, 5], [3, 1, 1], [3], [4], [4], [2], [2]])
    }

    /// The lowest version that describes the file: a model of 1.0 kinds stays a 1.0 file, byte
    /// for byte (the golden fixtures, written by the Python writer, prove the same).
    func testAModelWithoutTheNewKindsIsWrittenAsFormat10() throws {
        let model = everythingModel()
        XCTAssertEqual(model.minimumReaderVersion, .v1_0)
        XCTAssertEqual(model.formatVersion, .v1_0)
        XCTAssertEqual(Array(try NNZWriter.encode(model)[8..<16]), [1, 0, 0, 0, 1, 0, 0, 0])
        for layer: Layer in [.avgPool(AvgPoolLayer(kernelHeight: 1, kernelWidth: 1, strideHeight: 1, strideWidth: 1)),
                             .globalAvgPool, .leakyRelu(alpha: 0)] {
            XCTAssertEqual(layer.introducedIn, .v1_1, layer.kindName)
        }
        XCTAssertEqual(Layer.relu.introducedIn, .v1_0)
        // A file that over-declares (min_reader 1.1, 1.0 kinds only) is read, and written back as 1.0.
        var builder = try FileBuilder(tinyModel())
        builder.version = (1, 1, 1, 1)
        let read = try NNZReader.decode(builder.bytes())
        XCTAssertEqual(read.formatVersion, .v1_1)
        XCTAssertEqual(try NNZWriter.encode(read), try NNZWriter.encode(tinyModel()))
    }

    /// What a format 1.0 reader says about the committed 1.1 fixture.
    func testA10ReaderSaysTheFixtureNeedsReader11() throws {
        for file in ["models/cnn_avgpool_leaky.nnz", "hostile/needs_reader_1_1.nnz"] {
            let bytes = try NNZReader.readFile(Self.fixtures + "/" + file)
            XCTAssertThrowsError(try NNZReader.decodeValidated(bytes, readerVersion: .v1_0)) { error in
                let error = error as! FormatError
                XCTAssertEqual(error.code, .unsupportedVersion, file)
                XCTAssertEqual(error.offset, 12, file)
                XCTAssertEqual(error.message, "the file is format 1.1 and needs reader 1.1; this reader implements format 1.0", file)
            }
        }
        // The same bytes read as 1.1, and a 1.0 file reads with a 1.0 reader.
        XCTAssertEqual(try NNZReader.read(path: Self.fixtures + "/models/cnn_avgpool_leaky.nnz").formatVersion, .v1_1)
        let tiny = try NNZReader.readFile(Self.fixtures + "/models/tiny.nnz")
        XCTAssertEqual(try NNZReader.decodeValidated(tiny, readerVersion: .v1_0).file, try NNZReader.decode(tiny))
    }

    /// To a 1.0 reader the kinds of 1.1 are unknown kinds, as they were before 1.1 existed.
    func testTheNewKindsAreUnknownToA10Reader() throws {
        let bytes = try NNZReader.readFile(Self.fixtures + "/hostile/avgpool_in_1_0_file.nnz")
        XCTAssertThrowsError(try NNZReader.decodeValidated(bytes, readerVersion: .v1_0)) { error in
            XCTAssertEqual((error as! FormatError).message, "unknown layer kind 11 for layer 0; this reader knows kinds 1...10 of format 1.0")
        }
    }

    /// A kind of format 1.1 in a file whose min_reader_version is 1.0 is malformed, refused on
    /// its kind byte (so before its fields), naming the layer and the kind.
    func testANewKindInAFileClaimingMinimumReader10IsMalformed() throws {
        let model = newKindsModel()
        for (version, label) in [((UInt16(1), UInt16(0), UInt16(1), UInt16(0)), "1.0"), ((1, 1, 1, 0), "1.1 with min_reader 1.0")] {
            var builder = try FileBuilder(model)
            builder.version = version
            let error = try XCTUnwrap(decodeError(builder.bytes()), label)
            XCTAssertEqual(error.code, .malformed, label)
            XCTAssertEqual(error.chunk, "ARCH", label)
            XCTAssertEqual(error.message, "layer 1 is leakyrelu (kind 13), a kind of format 1.1, but the file declares min_reader_version 1.0; it must be at least 1.1", label)
        }
        for (layers, name, kind) in [([Layer.globalAvgPool, .flatten], "globalavgpool", 12),
                                     ([.avgPool(AvgPoolLayer(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2)), .flatten], "avgpool", 11)] {
            var builder = try FileBuilder(ModelFile(inputShape: [1, 4, 4], outputKind: .scores, layers: layers))
            builder.version = (1, 0, 1, 0)
            XCTAssertEqual(decodeError(builder.bytes())?.message,
                           "layer 0 is \(name) (kind \(kind)), a kind of format 1.1, but the file declares min_reader_version 1.0; it must be at least 1.1")
        }
    }

    func testFieldRulesOfTheNewKinds() throws {
        func writeError(_ layers: [Layer], input: [Int] = [1, 4, 4]) -> FormatError? {
            do {
                _ = try NNZWriter.encode(ModelFile(inputShape: input, outputKind: .scores, layers: layers))
                return nil
            } catch { return error }
        }
        XCTAssertEqual(writeError([.leakyRelu(alpha: .nan)], input: [3])?.message, "model is invalid: layer 0 (leakyrelu): alpha nan must be finite")
        XCTAssertEqual(writeError([.leakyRelu(alpha: -.infinity)], input: [3])?.code, .writeFailed)
        XCTAssertNil(writeError([.leakyRelu(alpha: -3)], input: [3]), "any finite alpha is valid")
        XCTAssertEqual(writeError([.avgPool(AvgPoolLayer(kernelHeight: 2, kernelWidth: 2, strideHeight: 1, strideWidth: 1, padHeight: 2)), .flatten])?.message,
                       "model is invalid: layer 0 (avgpool): padding must be smaller than the kernel")
        XCTAssertEqual(writeError([.globalAvgPool], input: [6])?.message,
                       "model is invalid: layer 0 (globalavgpool): globalavgpool expects a [channels, height, width] input, got [6]")
        XCTAssertEqual(writeError([.avgPool(AvgPoolLayer(kernelHeight: 5, kernelWidth: 2, strideHeight: 1, strideWidth: 1)), .flatten])?.message,
                       "model is invalid: layer 0 (avgpool): avgpool window 5x2 (padding 0,0) does not fit input 4x4")
        // count_include_pad other than 0 or 1, with the offset of the byte.
        var builder = try FileBuilder(newKindsModel())
        let flag = 1 + 1 + 12 + 4 + (1 + 33) + 5 + (1 + 24)   // ARCH up to layer 2's count_include_pad
        XCTAssertEqual(builder.chunks[0].data[flag], 0)
        builder.chunks[0].data[flag] = 2
        let error = try XCTUnwrap(decodeError(builder.bytes()))
        XCTAssertEqual(error.message, "layer 2 avgpool count_include_pad is 2, expected 0 (divide by the real positions) or 1 (by kernel_h·kernel_w)")
        XCTAssertEqual(error.offset, 28 + 8 + flag)
    }

    func testSummariesAndNames() {
        let exclude = Layer.avgPool(AvgPoolLayer(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2))
        let include = Layer.avgPool(AvgPoolLayer(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 1,
                                                 countIncludePad: true))
        XCTAssertEqual(exclude.summary, "2x2 stride 2,2 pad 0,0 exclude-pad")
        XCTAssertEqual(include.summary, "3x3 stride 2,2 pad 1,1 include-pad")
        XCTAssertEqual(Layer.leakyRelu(alpha: 0.01).summary, "alpha 0.01")
        XCTAssertEqual(Layer.globalAvgPool.summary, "")
        XCTAssertEqual([exclude, .globalAvgPool, .leakyRelu(alpha: 0.2)].map(\.kindName), ["avgpool", "globalavgpool", "leakyrelu"])
        XCTAssertEqual(Layer.globalAvgPool.outputShape(for: [5, 3, 7]), .success([5, 1, 1]))
        XCTAssertEqual(Layer.leakyRelu(alpha: 0.2).outputShape(for: [5, 3, 7]), .success([5, 3, 7]))
    }

    /// Each 1.1 hostile file's message names its cause, in the words Tools/test_nnz.py checks the
    /// Python reader for (its RULE_MESSAGES table).
    func testHostileVersionAndKindFixturesNameTheirCause() throws {
        let phrases = [
            "needs_reader_1_2.nnz": "needs reader 1.2; this reader implements format 1.1",
            "avgpool_include_pad_2.nnz": "count_include_pad is 2",
            "avgpool_pad_ge_kernel.nnz": "must be smaller than",
            "leakyrelu_alpha_nan.nnz": "alpha nan must be finite",
            "leakyrelu_alpha_inf.nnz": "alpha inf must be finite",
            "avgpool_in_1_0_file.nnz": "layer 0 is avgpool (kind 11), a kind of format 1.1, but the file declares min_reader_version 1.0",
            "unknown_layer_kind.nnz": "layer 1 is avgpool (kind 11), a kind of format 1.1",
            "unknown_layer_kind_14.nnz": "unknown layer kind 14",
            "globalavgpool_on_flat_input.nnz": "globalavgpool",
        ]
        for (file, phrase) in phrases {
            do {
                _ = try NNZReader.read(path: Self.fixtures + "/hostile/" + file)
                XCTFail("\(file) was accepted")
            } catch {
                XCTAssertTrue(error.message.contains(phrase), "\(file): \(error.message)")
            }
        }
    }

    /// Swift writes the 1.1 kinds; the Python reader reads them and its writer gives the same bytes.
    func testPythonReadsAndRewritesWhatSwiftWritesForTheNewKinds() throws {
        let path = NSTemporaryDirectory() + "swift-v11-\(getpid()).nnz"
        defer { unlink(path) }
        try NNZWriter.write(newKindsModel(), to: path)
        let verify = try runCommand("/usr/bin/env", ["python3", Repo.root + "/Tools/nnz.py", "verify", path], workingDirectory: Repo.root)
        XCTAssertEqual(verify.exitCode, 0, verify.stdout + verify.stderr)
        let script = "import sys; sys.path.insert(0, 'Tools'); import nnz; "
            + "sys.stdout.write(nnz.encode_model(nnz.read_model(sys.argv[1])).hex())"
        let rewrite = try runCommand("/usr/bin/env", ["python3", "-c", script, path], workingDirectory: Repo.root)
        XCTAssertEqual(rewrite.exitCode, 0, rewrite.stderr)
        let swiftHex = try NNZReader.readFile(path).map { String(format: "%02x", $0) }.joined()
        XCTAssertEqual(rewrite.stdout, swiftHex, "the two writers agree byte for byte on a 1.1 file")
    }
}
