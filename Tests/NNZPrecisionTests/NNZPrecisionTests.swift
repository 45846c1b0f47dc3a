import Foundation
import NNZFormat
import NNZPrecision
import NNZRuntime
import NNZTestSupport
import XCTest

private let models = repositoryRoot + "/Fixtures/models"

private func fixture(_ name: String) throws -> ModelFile {
    try NNZReader.read(path: "\(models)/\(name).nnz")
}

private extension Array where Element == UInt8 {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

final class NNZPrecisionTests: XCTestCase {
    /// Every fixture stored as int8 and as float16 by `storingWeights(as:)` and by
    /// `quantize_model` in Tools/nnz.py gives the same file, byte for byte (self-tests left
    /// out: Python computes its own in float64). cnn has a batch-norm after its conv2d, so this
    /// holds the fold to the bit; mlp_all_meta has one after a dropout, which stays.
    func testSwiftAndPythonStoreEveryFixtureTheSame() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: models)
            .filter { $0.hasSuffix(".nnz") }.map { String($0.dropLast(4)) }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 15)
        let script = """
            import sys; sys.path.insert(0, 'Tools'); import nnz
            for name in sys.argv[1:]:
                m = nnz.read_model('Fixtures/models/' + name + '.nnz')
                m.self_test = None
                print(nnz.encode_model(nnz.quantize_model(m, 'int8')).hex(),
                      nnz.encode_model(nnz.quantize_model(m, 'float16')).hex())
            """
        let result = try runCommand("/usr/bin/env", ["python3", "-c", script] + names, workingDirectory: repositoryRoot)
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(lines.count, names.count)
        for (name, python) in zip(names, lines) {
            var model = try fixture(name)
            model.selfTest = nil
            XCTAssertEqual(try NNZWriter.encode(model.storingWeights(as: .int8)).hex, python[0], "\(name) as int8")
            XCTAssertEqual(try NNZWriter.encode(model.storingWeights(as: .float16)).hex, python[1], "\(name) as float16")
        }
    }

    /// int8 folds the batch-norm and quantizes every dense and conv2d weight; everything else
    /// is float32. The file needs reader 1.1.
    func testInt8FoldsBatchNormAndQuantizesTheLinearWeights() throws {
        let cnn = try fixture("cnn")
        let small = try cnn.storingWeights(as: .int8)
        XCTAssertEqual(cnn.layers.map(\.kindName), ["conv2d", "batchnorm", "relu", "maxpool", "flatten", "dense", "softmax"])
        XCTAssertEqual(small.layers.map(\.kindName), ["conv2d", "relu", "maxpool", "flatten", "dense", "softmax"])
        XCTAssertEqual(small.tensors.map(\.name), ["layers.0.weight", "layers.0.bias", "layers.4.weight", "layers.4.bias"])
        XCTAssertEqual(small.tensors.map(\.dtype), [.int8, .float32, .int8, .float32])
        XCTAssertEqual(small.formatVersion, FormatVersion(major: 1, minor: 1))
        XCTAssertEqual(small.weightPrecision, .int8)
        // One scale per output channel: per filter of the conv2d, per output of the dense layer.
        guard case .conv2d(let conv) = small.layers[0], case .dense(let dense) = small.layers[4] else { return XCTFail("layers") }
        if case .int8(let scales, _) = small.tensors[0].data { XCTAssertEqual(scales.count, conv.outChannels) } else { XCTFail("conv weight not int8") }
        if case .int8(let scales, _) = small.tensors[2].data { XCTAssertEqual(scales.count, dense.outputs) } else { XCTFail("dense weight not int8") }
        XCTAssertEqual(small.tensors[0].shape[0], conv.outChannels)
        // The batch-norm after a dropout is not after a linear layer: it stays, in float32.
        let meta = try fixture("mlp_all_meta").storingWeights(as: .int8)
        XCTAssertEqual(meta.layers.map(\.kindName), try fixture("mlp_all_meta").layers.map(\.kindName))
        XCTAssertEqual(meta.tensors.filter { $0.dtype == .int8 }.map(\.name),
                       ["layers.0.weight", "layers.4.weight", "layers.6.weight", "layers.8.weight"])
        XCTAssertTrue(meta.tensors.filter { $0.name.hasPrefix("layers.3.") }.allSatisfy { $0.dtype == .float32 })
    }

    /// The fold alone changes the layer list, not what the model computes.
    func testFoldingBatchNormKeepsTheOutputs() throws {
        let cnn = try fixture("cnn")
        let folded = cnn.foldingBatchNorm()
        XCTAssertEqual(folded.layers.count, cnn.layers.count - 1)
        guard case .conv2d(let conv) = folded.layers[0] else { return XCTFail("layer 0 is \(folded.layers[0].kindName)") }
        XCTAssertTrue(conv.hasBias, "the folded conv2d gains a bias")
        let rows = cnn.selfTest!.inputs
        let before = try Model(file: cnn).predict(rows: rows), after = try Model(file: folded).predict(rows: rows)
        for (b, a) in zip(before.joined(), after.joined()) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        // A model without a batch-norm after a linear layer comes back as it was.
        let mlp = try fixture("regression")
        XCTAssertEqual(mlp.foldingBatchNorm(), mlp)
    }

    /// The self-test is recomputed for the stored precision: `nninfer verify` passes with no
    /// difference at all, and the new expected outputs stay near the float32 model's.
    func testTheSelfTestIsRecomputedForTheStoredPrecision() throws {
        for name in ["cnn", "mlp_all_meta", "regression", "cnn_scores", "xor_nobias"] {
            let original = try fixture(name)
            for precision in [WeightPrecision.int8, .float16] {
                let stored = try original.storingWeights(as: precision)
                let reread = try NNZReader.decode(NNZWriter.encode(stored))
                let report = try XCTUnwrap(Model(file: reread).runSelfTest())
                XCTAssertTrue(report.passed, "\(name) \(precision)")
                XCTAssertEqual(report.maxDifference, 0, "\(name) \(precision): the self-test is what the runtime computes")
                XCTAssertEqual(stored.selfTest!.inputs, original.selfTest!.inputs)
                XCTAssertEqual(stored.selfTest!.tolerance, original.selfTest!.tolerance)
                let drift = zip(stored.selfTest!.outputs.joined(), original.selfTest!.outputs.joined()).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(drift, precision == .int8 ? 0.1 : 0.01, "\(name) \(precision)")
            }
        }
        // int8 changes the outputs (the old self-test would fail on the int8 weights' results
        // at a tight tolerance), which is why it is recomputed.
        let exact = try fixture("cnn").storingWeights(as: .int8)
        XCTAssertNotEqual(exact.selfTest!.outputs, try fixture("cnn").selfTest!.outputs)
    }

    /// Back to float32: float16 widens exactly, int8 gives value × scale; the file reads as 1.0.
    func testFloat32WidensWhatIsStored() throws {
        let small = try fixture("mlp_int8")
        let wide = try small.storingWeights(as: .float32)
        XCTAssertTrue(wide.tensors.allSatisfy { $0.dtype == .float32 })
        XCTAssertEqual(wide.tensors.map(\.values), small.tensors.map(\.values))
        XCTAssertEqual(wide.formatVersion, FormatVersion(major: 1, minor: 0))
        XCTAssertEqual(wide.weightPrecision, .float32)
        let half = try fixture("cnn_f16")
        XCTAssertEqual(try half.storingWeights(as: .float32).tensors.map(\.values), half.tensors.map(\.values))
        let float = try fixture("tiny")
        XCTAssertEqual(try float.storingWeights(as: .float32), float, "a float32 file is unchanged")
    }

    /// A weight beyond float16's range is refused with the tensor and element named.
    func testFloat16OverflowNamesTheTensor() throws {
        var model = try fixture("tiny")
        model.tensors[0].values[3] = 70000
        XCTAssertThrowsError(try model.storingWeights(as: .float16)) { error in
            let e = error as! FormatError
            XCTAssertEqual(e.code, .writeFailed)
            XCTAssertEqual(e.message, "tensor layers.0.weight value 70000.0 at element 3 is out of float16 range (|x| <= 65504)")
        }
    }

    func testPrecisionNames() {
        XCTAssertEqual(WeightPrecision.allCases.map(\.rawValue), ["float32", "float16", "int8"])
        XCTAssertEqual(WeightPrecision(name: "FP16"), .float16)
        XCTAssertEqual(WeightPrecision(name: "half"), .float16)
        XCTAssertEqual(WeightPrecision(name: "i8"), .int8)
        XCTAssertEqual(WeightPrecision(name: "f32"), .float32)
        XCTAssertNil(WeightPrecision(name: "int4"))
    }
}
