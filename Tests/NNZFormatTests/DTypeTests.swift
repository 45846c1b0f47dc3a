import Foundation
import NNZTestSupport
import XCTest
@_spi(Testing) @testable import NNZFormat

/// A dense → relu → dense model whose weights are int8 and whose biases are float16 (format 1.1).
func dtypeModel() throws -> ModelFile {
    let layers: [Layer] = [.dense(DenseLayer(inputs: 40, outputs: 24)), .relu, .dense(DenseLayer(inputs: 24, outputs: 3))]
    let float = ModelFile(inputShape: [40], outputKind: .scores, layers: layers)
    var tensors = filledTensors(float)
    tensors[0] = try tensors[0].int8(outputAxis: 1)
    tensors[1] = try tensors[1].float16()
    tensors[2] = try tensors[2].int8(outputAxis: 1)
    tensors[3] = try tensors[3].float16()
    return ModelFile(inputShape: [40], outputKind: .scores, layers: layers, tensors: tensors)
}

/// The fields of a TNSR chunk's data, for tests that look at how a tensor was stored.
func tensorFields(_ data: [UInt8]) -> (dtype: UInt8, codec: UInt8, filter: UInt8, rawLength: Int, stored: [UInt8]) {
    let nameLength = Int(data[0]) | Int(data[1]) << 8
    var at = 4 + nameLength
    let (dtype, codec, filter, rank) = (data[at], data[at + 1], data[at + 2], Int(data[at + 3]))
    at += 4 + 4 * rank
    let rawLength = (0..<8).reduce(0) { $0 | Int(data[at + $1]) << (8 * $1) }
    return (dtype, codec, filter, rawLength, Array(data[(at + 8)...]))
}

func inflate(_ stream: [UInt8], to length: Int) throws -> [UInt8] {
    try stream.withUnsafeBytes { try zlibInflate($0, rawLength: length).get() }
}

final class DTypeTests: XCTestCase {
    // MARK: Round trips and the writer policy

    func testEachDTypeRoundTripsByteForByteAsAFormat11File() throws {
        let model = try dtypeModel()
        XCTAssertEqual(model.tensors.map(\.dtype), [.int8, .float16, .int8, .float16])
        XCTAssertEqual(model.minimumReaderVersion, .v1_1)
        XCTAssertEqual(model.formatVersion, .v1_1)
        let bytes = try NNZWriter.encode(model)
        XCTAssertEqual(Array(bytes[8..<16]), [1, 0, 1, 0, 1, 0, 1, 0], "version and min_reader are 1.1")
        let decoded = try NNZReader.decode(bytes)
        XCTAssertEqual(decoded, model)
        XCTAssertEqual(try NNZWriter.encode(decoded), bytes)
        XCTAssertEqual(try NNZReader.chunks(bytes).compactMap(\.dtype), [.int8, .float16, .int8, .float16])
        // A float32 copy of the same model is a 1.0 file.
        var float = model
        for i in float.tensors.indices { float.tensors[i] = Tensor(name: float.tensors[i].name, shape: float.tensors[i].shape, values: float.tensors[i].values) }
        XCTAssertEqual(float.minimumReaderVersion, .v1_0)
        XCTAssertEqual(Array(try NNZWriter.encode(float)[8..<16]), [1, 0, 0, 0, 1, 0, 0, 0])
    }

    /// int8: raw = f32 scales then i8 values, filter 1 shuffles the scales as float32 and leaves
    /// the values; float16: 2-byte planes. Raw (codec 0, filter 0) when zlib does not pay.
    func testWriterPolicyPerDType() throws {
        // Laplace-like weights (what training gives) compress; a handful of values does not.
        var values: [Float] = []
        var state: UInt32 = 7
        for _ in 0..<(64 * 48) {
            state = state &* 1_664_525 &+ 1_013_904_223
            let u = (Float(state >> 8) + 0.5) / Float(1 << 24)
            values.append(u < 0.5 ? log(2 * u) : -log(2 - 2 * u))
        }
        let dense = Tensor(name: "layers.0.weight", shape: [64, 48], values: values)
        let int8 = try dense.int8(outputAxis: 1)
        guard case .int8(let scales, let quantized) = int8.data else { return XCTFail("not int8") }
        var fields = tensorFields(NNZWriter.tensorData(int8))
        XCTAssertEqual([fields.dtype, fields.codec, fields.filter], [3, 1, 1])
        XCTAssertEqual(fields.rawLength, 4 * 48 + 64 * 48)
        XCTAssertEqual(int8.storedByteCount, fields.rawLength)
        var filtered = try inflate(fields.stored, to: fields.rawLength)
        var scaleBytes = ByteSink()
        scaleBytes.floats(scales)
        XCTAssertEqual(Array(filtered[0..<192]), shuffle(scaleBytes.bytes, elementSize: 4))
        XCTAssertEqual(Array(filtered[192...]), quantized.map { UInt8(bitPattern: $0) })

        let half = try dense.float16()
        guard case .float16(let bits) = half.data else { return XCTFail("not float16") }
        fields = tensorFields(NNZWriter.tensorData(half))
        XCTAssertEqual([fields.dtype, fields.codec, fields.filter], [2, 1, 1])
        XCTAssertEqual(fields.rawLength, 2 * 64 * 48)
        filtered = try inflate(fields.stored, to: fields.rawLength)
        XCTAssertEqual(filtered, shuffle(bits.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }, elementSize: 2))

        let small = try Tensor(name: "layers.0.weight", shape: [2, 2], values: [1, -1, 0.5, 2]).int8(outputAxis: 1)
        fields = tensorFields(NNZWriter.tensorData(small))
        XCTAssertEqual([fields.dtype, fields.codec, fields.filter], [3, 0, 0])
        XCTAssertEqual(fields.stored, [0x04, 0x02, 0x01, 0x3C, 0x04, 0x02, 0x81, 0x3C, 127, 0xC0, 64, 127],
                       "scales 1/127 and 2/127, then 127 -64 64 127")
    }

    func testValuesAreWidenedOrDequantizedAndSettingThemMakesFloat32() throws {
        var half = Tensor(name: "layers.0.bias", shape: [3], data: .float16([0x3C00, 0xC000, 0x0001]))
        XCTAssertEqual(half.values, [1, -2, 0x1p-24])
        XCTAssertEqual(half.storedByteCount, 6)
        half.values[1] += 0.5                      // in place: becomes float32
        XCTAssertEqual(half.data, .float32([1, -1.5, 0x1p-24]))

        let dense = Tensor(name: "layers.0.weight", shape: [2, 3], data: .int8(scales: [0.5, 0.25, 2], values: [1, 2, 3, -4, -5, -6]))
        XCTAssertEqual(dense.values, [0.5, 0.5, 6, -2, -1.25, -12], "dense: one scale per column")
        XCTAssertEqual(dense.storedByteCount, 12 + 6)
        let conv = Tensor(name: "layers.0.weight", shape: [2, 1, 1, 2], data: .int8(scales: [0.5, 0.25], values: [1, 2, 3, -4]))
        XCTAssertEqual(conv.values, [0.5, 1, 0.75, -1], "conv2d: one scale per output channel")
        XCTAssertEqual(conv.int8ChannelCount, 2)
        let broken = Tensor(name: "layers.0.weight", shape: [2, 3], data: .int8(scales: [1], values: [1, 2, 3, 4, 5, 6]))
        XCTAssertTrue(broken.values.allSatisfy(\.isNaN), "scales that disagree with the shape give NaN, never a crash")
        var reset = dense
        reset.values = [1, 2, 3, 4, 5, 6]
        XCTAssertEqual(reset.dtype, .float32)
    }

    // MARK: Conversions

    /// Every tie between two adjacent finite float16 values rounds to the one with an even
    /// mantissa; just above or below a tie rounds to the nearer one; widening is exact.
    func testFloat16RoundsToNearestTiesToEvenAndWidensExactly() {
        for bits in UInt16(0)..<0x7BFF {
            let low = Float16Bits.float(bits), high = Float16Bits.float(bits + 1)
            let tie = (low + high) / 2              // exact: 12 significant bits
            let even = bits & 1 == 0 ? bits : bits + 1
            for sign: UInt16 in [0, 0x8000] {
                let s: Float = sign == 0 ? 1 : -1
                XCTAssertEqual(Float16Bits.bits(s * tie), sign | even, "tie after 0x\(String(bits, radix: 16))")
                XCTAssertEqual(Float16Bits.bits(s * tie.nextUp), sign | (bits + 1))
                XCTAssertEqual(Float16Bits.bits(s * tie.nextDown), sign | bits)
            }
        }
        for bits in UInt16(0)...UInt16.max where Float16Bits.isFinite(bits) {
            XCTAssertEqual(Float16Bits.bits(Float16Bits.float(bits)), bits)
        }
        XCTAssertTrue(Float16Bits.float(0x7C00) == .infinity && Float16Bits.float(0xFC00) == -.infinity)
        XCTAssertTrue(Float16Bits.float(0x7E00).isNaN)
    }

    func testFloat16SubnormalsZerosAndOverflow() throws {
        let cases: [(Float, UInt16)] = [
            (0x1p-24, 0x0001), (0x1p-25, 0x0000), (0x1.8p-25, 0x0001), (0x1.8p-24, 0x0002),
            (0x1p-14 - 0x1p-25, 0x0400), (1e-10, 0x0000), (-0x1p-24, 0x8001), (-0.0, 0x8000),
            (3e-6, 0x0032), (65504, 0x7BFF), (65519.99, 0x7BFF), (-65519.99, 0xFBFF), (0.1, 0x2E66),
            (.leastNonzeroMagnitude, 0x0000),
        ]
        for (x, bits) in cases { XCTAssertEqual(Float16Bits.bits(x), bits, "\(x)") }
        XCTAssertEqual(Float16Bits.float(0x0001), 0x1p-24)
        XCTAssertEqual(Float16Bits.float(0x03FF), 0x1p-14 - 0x1p-24)

        func message(_ values: [Float]) -> String? {
            do { _ = try Tensor(name: "layers.0.weight", shape: [values.count], values: values).float16(); return nil } catch {
                XCTAssertEqual(error.code, .writeFailed)
                return error.message
            }
        }
        XCTAssertEqual(message([1, 2, 3, 65520]), "tensor layers.0.weight value 65520.0 at element 3 is out of float16 range (|x| <= 65504)")
        XCTAssertEqual(message([-70000.5]), "tensor layers.0.weight value -70000.5 at element 0 is out of float16 range (|x| <= 65504)")
        XCTAssertEqual(message([0, .nan]), "tensor layers.0.weight value nan at element 1 cannot be stored as float16 (values must be finite)")
        XCTAssertEqual(message([-.infinity]), "tensor layers.0.weight value -inf at element 0 is out of float16 range (|x| <= 65504)")
        XCTAssertNil(message([65519.99, -65504]))
        let half = try Tensor(name: "layers.0.bias", shape: [2], values: [0.1, 1e-6]).float16()
        XCTAssertEqual(half.data, .float16([11878, 17]))
        XCTAssertEqual(try half.float16(), half)
    }

    /// The rule of FORMAT.md §4 written out per channel, for the conversion to be checked against.
    func referenceInt8(_ channels: [[Float]]) -> [(scale: Float, values: [Int8])] {
        channels.map { values in
            let m = values.map(abs).max() ?? 0
            guard m != 0 else { return (1, values.map { _ in 0 }) }
            let scale = m / 127
            return (scale, values.map { Int8(max(-127, min(127, ($0 / scale).rounded(.toNearestOrEven)))) })
        }
    }

    func testInt8ScalesRunAlongTheOutputChannels() throws {
        let tiny = try Tensor(name: "layers.0.weight", shape: [2, 2], values: [1, -1, 0.5, 2]).int8(outputAxis: 1)
        XCTAssertEqual(tiny.data, .int8(scales: [Float(1) / 127, Float(2) / 127], values: [127, -64, 64, 127]), "±63.5 round half to even to ±64")

        // Dense [7, 5], axis 1: one scale per column; column 4 is all zeros.
        let columnScale: [Float] = [1, 10, 0.01, 100, 0]
        let denseValues = sampleValues(35, seed: 9).enumerated().map { $1 * columnScale[$0 % 5] }
        let dense = try Tensor(name: "w", shape: [7, 5], values: denseValues).int8(outputAxis: 1)
        guard case .int8(let scales, let values) = dense.data else { return XCTFail("not int8") }
        for (c, expected) in referenceInt8((0..<5).map { c in (0..<7).map { denseValues[$0 * 5 + c] } }).enumerated() {
            XCTAssertEqual(scales[c], expected.scale, "column \(c)")
            XCTAssertEqual((0..<7).map { values[$0 * 5 + c] }, expected.values, "column \(c)")
        }
        XCTAssertEqual(scales[4], 1)
        XCTAssertEqual(dense.values, values.enumerated().map { Float($1) * scales[$0 % 5] })

        // Conv2d [3, 2, 3, 3], axis 0: one scale per filter.
        let filterScale: [Float] = [1, 0.001, 50]
        let convValues = sampleValues(54, seed: 10).enumerated().map { $1 * filterScale[$0 / 18] }
        let conv = try Tensor(name: "w", shape: [3, 2, 3, 3], values: convValues).int8(outputAxis: 0)
        guard case .int8(let convScales, let convQ) = conv.data else { return XCTFail("not int8") }
        for (o, expected) in referenceInt8((0..<3).map { Array(convValues[($0 * 18)..<($0 * 18 + 18)]) }).enumerated() {
            XCTAssertEqual(convScales[o], expected.scale, "filter \(o)")
            XCTAssertEqual(Array(convQ[(o * 18)..<(o * 18 + 18)]), expected.values, "filter \(o)")
        }
        XCTAssertEqual(try conv.int8(outputAxis: 0), conv, "an int8 tensor is returned unchanged")
    }

    func testInt8ConversionErrors() {
        func message(_ shape: [Int], _ values: [Float], axis: Int) -> String? {
            do { _ = try Tensor(name: "w", shape: shape, values: values).int8(outputAxis: axis); return nil } catch {
                XCTAssertEqual(error.code, .writeFailed)
                return error.message
            }
        }
        XCTAssertEqual(message([2, 3], [1, 1, 1, 1, 1, 1], axis: 0),
                       "tensor w [2, 3]: int8 scales run along axis 1 of a rank-2 (dense) weight or axis 0 of a rank-4 (conv2d) weight, not axis 0 of rank 2")
        XCTAssertEqual(message([3], [1, 1, 1], axis: 0)?.hasSuffix("not axis 0 of rank 1"), true)
        XCTAssertEqual(message([1, 2], [1, .infinity], axis: 1), "tensor w value inf at element 1 cannot be quantized to int8 (values must be finite)")
        XCTAssertEqual(message([1, 2], [1, .leastNonzeroMagnitude], axis: 1), "tensor w channel 1: its largest |value| 1e-45 is too small for an int8 scale (1e-45 / 127 rounds to 0)")
    }

    // MARK: Reading: versions and rules

    func testA10ReaderSaysAnInt8OrFloat16FileNeedsReader11() throws {
        for name in ["mlp_int8", "cnn_int8", "mlp_f16", "cnn_f16", "tiny_int8"] {
            let bytes = try NNZReader.readFile(Repo.fixtures + "/models/\(name).nnz")
            XCTAssertThrowsError(try NNZReader.decodeValidated(bytes, readerVersion: .v1_0)) { error in
                let error = error as! FormatError
                XCTAssertEqual(error.code, .unsupportedVersion, name)
                XCTAssertEqual(error.offset, 12, name)
                XCTAssertEqual(error.message, "the file is format 1.1 and needs reader 1.1; this reader implements format 1.0", name)
            }
            XCTAssertEqual(try NNZReader.decode(bytes).formatVersion, .v1_1)
        }
        let float16In10 = try NNZReader.readFile(Repo.fixtures + "/hostile/dtype_float16.nnz")
        XCTAssertThrowsError(try NNZReader.decodeValidated(float16In10, readerVersion: .v1_0)) { error in
            XCTAssertEqual((error as! FormatError).message, "tensor layers.0.weight has dtype 2; format 1.0 knows only 1 (float32)")
        }
    }

    /// The whole message of every dtype hostile file, in Tools/test_nnz.py's words (its
    /// RULE_MESSAGES), with the byte the message is about.
    static let dtypeMessages: [String: String] = [
        "int8_raw_length_wrong.nnz": "tensor layers.0.weight raw_length is 24, its shape [3, 4] of int8 with 4 scales needs 28",
        "float16_raw_length_wrong.nnz": "tensor layers.0.weight raw_length is 48, its shape [3, 4] of float16 needs 24",
        "int8_scale_zero.nnz": "scale 2 of tensor layers.0.weight is 0.0; an int8 scale must be finite and > 0",
        "int8_scale_negative.nnz": "scale 2 of tensor layers.0.weight is -1.5; an int8 scale must be finite and > 0",
        "int8_scale_inf.nnz": "scale 2 of tensor layers.0.weight is inf; an int8 scale must be finite and > 0",
        "int8_scale_nan.nnz": "scale 2 of tensor layers.0.weight is nan; an int8 scale must be finite and > 0",
        "int8_value_minus_128.nnz": "tensor layers.0.weight holds -128 at element 5; int8 weights are symmetric, -127...127",
        "int8_on_bias.nnz": "tensor layers.0.bias has dtype 3 (int8); only dense and conv2d weights may be int8",
        "int8_on_batchnorm.nnz": "tensor layers.0.gamma has dtype 3 (int8); only dense and conv2d weights may be int8",
        "float16_nan.nnz": "tensor layers.0.weight holds nan (float16 0x7E00) at element 7; float16 values must be finite",
        "float16_inf.nnz": "tensor layers.0.bias holds -inf (float16 0xFC00) at element 3; float16 values must be finite",
        "int8_in_1_0_file.nnz": "tensor layers.0.weight has dtype 3 (int8), which needs min_reader 1.1; the file says 1.0",
        "dtype_float16.nnz": "tensor layers.0.weight has dtype 2 (float16), which needs min_reader 1.1; the file says 1.0",
        "dtype_4_unknown.nnz": "tensor layers.0.weight has dtype 4; format 1.1 knows 1 (float32), 2 (float16), 3 (int8)",
        "int8_dense_70000_inputs.nnz": "layer 0 (dense): int8 weights with reduction length 70000 (inputs) exceed the limit 66311, up to which int32 accumulation cannot overflow",
        "int8_conv_reduction_69192.nnz": "layer 0 (conv2d): int8 weights with reduction length 69192 (in_channels·kernel_h·kernel_w) exceed the limit 66311, up to which int32 accumulation cannot overflow",
    ]

    func testDTypeHostileFilesGiveTheirMessageAtTheCulpritsByte() throws {
        var offsets: [String: Int] = [:]
        for (file, message) in Self.dtypeMessages {
            do {
                _ = try NNZReader.read(path: Repo.fixtures + "/hostile/" + file)
                XCTFail("\(file) was accepted")
            } catch {
                XCTAssertEqual(error.message, message, file)
                XCTAssertEqual(error.chunk, "TNSR", file)
                offsets[file] = error.offset
            }
        }
        // Base file: header 28, ARCH (12 + 21), TNSR data at 69: name (4 + 15), dtype at 88,
        // codec, filter, rank, 2 dims, raw_length at 100, stored bytes at 108.
        XCTAssertEqual(offsets["int8_in_1_0_file.nnz"], 88)
        XCTAssertEqual(offsets["int8_raw_length_wrong.nnz"], 100)
        XCTAssertEqual(offsets["int8_scale_zero.nnz"], 108 + 4 * 2)
        XCTAssertEqual(offsets["int8_value_minus_128.nnz"], 108 + 4 * 4 + 5)
        XCTAssertEqual(offsets["float16_nan.nnz"], 108 + 2 * 7)
        // dense 70000 → 1 without bias: ARCH is 20 bytes, so the dtype byte is at 28 + 8 + 20 + 12 + 19.
        XCTAssertEqual(offsets["int8_dense_70000_inputs.nnz"], 87)
    }

    /// The Python reader gives the same message at the same byte for every dtype hostile file.
    func testPythonReaderGivesTheSameMessagesAndOffsets() throws {
        let files = Self.dtypeMessages.keys.sorted()
        let script = """
            import sys; sys.path.insert(0, 'Tools'); import nnz
            for f in sys.argv[1:]:
                try: nnz.read_model('Fixtures/hostile/' + f)
                except nnz.NNZError as e: print(f, e.code, e.offset, e.message, sep='\\t')
            """
        let result = try runCommand("/usr/bin/env", ["python3", "-c", script] + files, workingDirectory: Repo.root)
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(lines.map(\.[0]), files)
        for fields in lines {
            do {
                _ = try NNZReader.read(path: Repo.fixtures + "/hostile/" + fields[0])
            } catch {
                XCTAssertEqual([error.code.rawValue, error.offset.map(String.init) ?? "None", error.message], Array(fields[1...]), fields[0])
            }
        }
    }

    // MARK: Validation of models in memory (what the writer refuses)

    func testWriterRefusesWhatTheReaderRefuses() throws {
        let base = try dtypeModel()
        func writeError(_ change: (inout ModelFile) -> Void) -> FormatError? {
            var model = base
            change(&model)
            do { _ = try NNZWriter.encode(model); return nil } catch { return error }
        }
        XCTAssertNil(writeError { _ in })
        let bias = try XCTUnwrap(writeError { $0.tensors[1].data = .int8(scales: [1], values: Array(repeating: 1, count: 24)) })
        XCTAssertEqual(bias.code, .writeFailed)
        XCTAssertEqual(bias.message, "model is invalid: tensor layers.0.bias has dtype 3 (int8); only dense and conv2d weights may be int8")
        XCTAssertEqual(writeError {
            guard case .int8(let scales, var values) = $0.tensors[0].data else { return }
            values[7] = -128
            $0.tensors[0].data = .int8(scales: scales, values: values)
        }?.message, "model is invalid: tensor layers.0.weight holds -128 at element 7; int8 weights are symmetric, -127...127")
        XCTAssertEqual(writeError {
            guard case .int8(var scales, let values) = $0.tensors[2].data else { return }
            scales[1] = -.infinity
            $0.tensors[2].data = .int8(scales: scales, values: values)
        }?.message, "model is invalid: scale 1 of tensor layers.2.weight is -inf; an int8 scale must be finite and > 0")
        XCTAssertEqual(writeError {
            guard case .int8(let scales, let values) = $0.tensors[2].data else { return }
            $0.tensors[2].data = .int8(scales: Array(scales.dropLast()), values: values)
        }?.message, "model is invalid: tensor layers.2.weight holds 2 int8 scales, its shape [24, 3] needs 3 (one per output channel)")
        XCTAssertEqual(writeError { $0.tensors[3].data = .float16([0x3C00, 0x7C01, 0]) }?.message,
                       "model is invalid: tensor layers.2.bias holds nan (float16 0x7C01) at element 1; float16 values must be finite")
        XCTAssertEqual(writeError { $0.tensors[3].data = .float16([0x3C00]) }?.message,
                       "model is invalid: tensor layers.2.bias holds 1 values, its shape [3] needs 3")

        let wide = ModelFile(inputShape: [66_312], outputKind: .scores, layers: [.dense(DenseLayer(inputs: 66_312, outputs: 1, hasBias: false))],
                             tensors: [Tensor(name: "layers.0.weight", shape: [66_312, 1], data: .int8(scales: [1], values: Array(repeating: 0, count: 66_312)))])
        XCTAssertThrowsError(try ValidatedModel(wide)) { error in
            XCTAssertEqual((error as! FormatError).code, .limitExceeded)
            XCTAssertEqual((error as! FormatError).message, "layer 0 (dense): int8 weights with reduction length 66312 (inputs) exceed the limit 66311, up to which int32 accumulation cannot overflow")
        }
        var limit = wide
        limit.inputShape = [66_311]
        limit.layers = [.dense(DenseLayer(inputs: 66_311, outputs: 1, hasBias: false))]
        limit.tensors = [Tensor(name: "layers.0.weight", shape: [66_311, 1], data: .int8(scales: [1], values: Array(repeating: 0, count: 66_311)))]
        XCTAssertNoThrow(try ValidatedModel(limit), "66311 = ⌊(2^31 − 1) / (255 · 127)⌋ is allowed")
        XCTAssertEqual(Limits.maxInt8ReductionLength, (Int(Int32.max)) / (255 * 127))
        XCTAssertEqual(Layer.conv2d(Conv2DLayer(inChannels: 8, outChannels: 1, kernelHeight: 93, kernelWidth: 93)).int8ReductionLength(ofParameter: "weight"), 69_192)
        XCTAssertNil(Layer.conv2d(Conv2DLayer(inChannels: 8, outChannels: 1, kernelHeight: 3, kernelWidth: 3)).int8ReductionLength(ofParameter: "bias"))
    }

    // MARK: Swift and Python agree

    /// Every float32 fixture converted by each implementation (float16: every tensor; int8: every
    /// dense and conv2d weight per output channel) gives the same file, byte for byte.
    func testSwiftAndPythonConvertFixturesToTheSameBytes() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Repo.fixtures + "/models")
            .filter { $0.hasSuffix(".nnz") && !$0.contains("_int8") && !$0.contains("_f16") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 9)
        let script = """
            import sys; sys.path.insert(0, 'Tools'); import nnz
            for name in sys.argv[1:]:
                m = nnz.read_model('Fixtures/models/' + name)
                m.self_test = None
                half = nnz.quantize_model(m, 'float16')
                for i, layer in enumerate(m.layers):
                    if layer['kind'] in ('dense', 'conv2d'):
                        w = f'layers.{i}.weight'
                        m.tensors[w] = nnz.to_int8(w, m.tensors[w], 1 if layer['kind'] == 'dense' else 0)
                print(nnz.encode_model(half).hex(), nnz.encode_model(m).hex())
            """
        let result = try runCommand("/usr/bin/env", ["python3", "-c", script] + names, workingDirectory: Repo.root)
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(lines.count, names.count)
        for (name, python) in zip(names, lines) {
            var model = try NNZReader.read(path: Repo.fixtures + "/models/" + name)
            model.selfTest = nil
            var half = model
            half.tensors = try model.tensors.map { try $0.float16() }
            for (i, layer) in model.layers.enumerated() {
                guard let t = model.tensors.firstIndex(where: { $0.name == "layers.\(i).weight" }) else { continue }
                if case .dense = layer { model.tensors[t] = try model.tensors[t].int8(outputAxis: 1) }
                if case .conv2d = layer { model.tensors[t] = try model.tensors[t].int8(outputAxis: 0) }
            }
            XCTAssertEqual(try NNZWriter.encode(half).hex, python[0], "\(name) as float16")
            XCTAssertEqual(try NNZWriter.encode(model).hex, python[1], "\(name) as int8")
        }
    }

    /// Values chosen to hit float16's hard cases (ties at every exponent, subnormals, the edge of
    /// the range, signed zeros): Swift's bit operations and numpy's astype agree.
    func testSwiftAndNumpyRoundTheSameHardFloat16Cases() throws {
        var values: [Float] = [0, -0.0, 65504, -65504, 65519.99, 0x1p-24, 0x1p-25, 0x1.8p-25, 0x1p-26, 0x1p-14 - 0x1p-25, 1e-30]
        for exponent in -26...15 {
            let ulp = Float(sign: .plus, exponent: max(exponent - 10, -24), significand: 1)
            let base = Float(sign: .plus, exponent: exponent, significand: 1)
            for k: Float in [0.5, 1.5, 2.5, 3.5, 0.49, 0.51, 1023.5] {
                values.append(base + k * ulp)
                values.append(-(base + k * ulp))
            }
        }
        values += sampleValues(500, seed: 11).map { $0 * 70_000 }
        values = values.filter { abs($0) < 65_520 }      // what rounds into range
        let path = NSTemporaryDirectory() + "float16-cases-\(getpid()).nnz"
        defer { unlink(path) }
        let model = ModelFile(inputShape: [values.count], outputKind: .scores, layers: [.dense(DenseLayer(inputs: values.count, outputs: 1, hasBias: false))],
                              tensors: [Tensor(name: "layers.0.weight", shape: [values.count, 1], values: values)])
        try NNZWriter.write(model, to: path)
        let script = "import sys; sys.path.insert(0, 'Tools'); import nnz; "
            + "print(nnz.encode_model(nnz.quantize_model(nnz.read_model(sys.argv[1]), 'float16')).hex())"
        let result = try runCommand("/usr/bin/env", ["python3", "-c", script, path], workingDirectory: Repo.root)
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        var half = model
        half.tensors = try model.tensors.map { try $0.float16() }
        XCTAssertEqual(try NNZWriter.encode(half).hex + "\n", result.stdout)
    }
}

extension Array where Element == UInt8 {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
