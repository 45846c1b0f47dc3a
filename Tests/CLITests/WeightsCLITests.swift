import Foundation
import NNZTestSupport
import XCTest

/// `--weights` in nnzconvert and nntrain, and the dtype columns of `nninfer inspect`: the files
/// the tools write against the Python reference (`Tools/nnz.py quantize_model`), what the
/// runtime computes from them, and every refusal with its message and exit code.
final class WeightsCLITests: XCTestCase {
    static let models = repositoryRoot + "/Fixtures/models"
    var temporary: String!

    override func setUpWithError() throws {
        temporary = NSTemporaryDirectory() + "weights-cli-\(getpid())-\(name.filter(\.isLetter))"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: temporary)
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// Runs Tools/nnz.py's quantize_model on `model` and writes the result to `path`.
    func pythonQuantize(_ model: String, _ dtype: String, to path: String) throws {
        let script = "import sys; sys.path.insert(0, 'Tools'); import nnz; nnz.write_model(nnz.quantize_model(nnz.read_model(sys.argv[1]), sys.argv[2]), sys.argv[3])"
        let result = try runCommand("/usr/bin/env", ["python3", "-c", script, model, dtype, path], workingDirectory: repositoryRoot)
        XCTAssertEqual(result.exitCode, 0, result.stderr)
    }

    /// nnzconvert --weights int8/float16 on a model with a batch-norm after its conv2d: the
    /// message, a passing self-test, and predictions byte-identical to those of the file that
    /// Tools/nnz.py writes (same tensors; the self-tests differ only by float64 vs float32).
    func testConvertStoresWhatThePythonReferenceStores() throws {
        let cnn = Self.models + "/cnn.nnz", input = Self.models + "/cnn.input.csv"
        for (precision, folded) in [("int8", ", 1 batch-norm folded"), ("float16", "")] {
            let ours = temporary + "/cnn-\(precision).nnz", python = temporary + "/cnn-\(precision)-py.nnz"
            let size = try bytes(cnn).count
            let converted = try runCommand("nnzconvert", [cnn, ours, "--weights", precision])
            XCTAssertEqual(converted.exitCode, 0, converted.stderr)
            let written = try bytes(ours).count
            let ratio = Int((Double(written) / Double(size) * 100).rounded())
            XCTAssertEqual(converted.stderr, "nnzconvert: \(cnn) → \(ours): \(precision) weights\(folded), \(size) → \(written) bytes (0.\(ratio)×)\n")
            let verified = try runCommand("nninfer", ["verify", ours])
            XCTAssertEqual(verified.exitCode, 0, verified.stderr)
            XCTAssertTrue(verified.stdout.contains("ok (format 1.1,"), verified.stdout)
            XCTAssertTrue(verified.stdout.contains("max difference 0.0 "), verified.stdout)
            try pythonQuantize(cnn, precision, to: python)
            let a = try runCommand("nninfer", [ours, input]), b = try runCommand("nninfer", [python, input])
            XCTAssertEqual(a.exitCode, 0, a.stderr)
            XCTAssertEqual(a.stdout, b.stdout, precision)
            XCTAssertEqual(a.stdout.split(separator: "\n").count, 17, "a header and 16 rows")
        }
    }

    /// int8 → float32 widens: format 1.0 again, and the same predictions as the int8 file
    /// (values × scales are what the int8 layers compute with, up to rounding of the sums).
    func testConvertBackToFloat32() throws {
        let small = Self.models + "/mlp_int8.nnz", wide = temporary + "/wide.nnz"
        let result = try runCommand("nnzconvert", [small, wide, "--weights", "float32"])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains(": float32 weights, "), result.stderr)
        let inspect = try runCommand("nninfer", ["inspect", wide])
        XCTAssertTrue(inspect.stdout.contains("format 1.0,"), inspect.stdout)
        XCTAssertFalse(inspect.stdout.contains("int8"), inspect.stdout)
        XCTAssertEqual(try runCommand("nninfer", ["verify", wide]).exitCode, 0)
    }

    func testConvertRefusals() throws {
        let tiny = Self.models + "/tiny.nnz"
        try AssertExecuteCommand("nnzconvert", [tiny, temporary + "/t.nnz"], stdout: "", exitCode: 64)
        let missing = try runCommand("nnzconvert", [tiny, temporary + "/t.nnz"])
        XCTAssertTrue(missing.stderr.contains("Error: a .nnz → .nnz conversion re-stores the weights: give --weights float32, float16 or int8"), missing.stderr)
        let unknown = try runCommand("nnzconvert", [tiny, temporary + "/t.nnz", "--weights", "int4"])
        XCTAssertEqual(unknown.exitCode, 64)
        XCTAssertTrue(unknown.stderr.contains("Error: --weights 'int4': expected float32, float16 or int8"), unknown.stderr)
        let export = try runCommand("nnzconvert", [tiny, temporary + "/t.onnx", "--weights", "int8"])
        XCTAssertEqual(export.exitCode, 64)
        XCTAssertTrue(export.stderr.contains("--weights applies to a .nnz output"), export.stderr)
        let onnxFlag = try runCommand("nnzconvert", [tiny, temporary + "/t.nnz", "--weights", "int8", "--labels", "a,b"])
        XCTAssertEqual(onnxFlag.exitCode, 64)
        XCTAssertTrue(onnxFlag.stderr.contains("--labels applies to ONNX conversions"), onnxFlag.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: temporary + "/t.nnz"))
        // A weight beyond float16's range: exit 65, the tensor and element named, nothing written.
        let big = temporary + "/big.nnz", out = temporary + "/big16.nnz"
        let script = "import sys; sys.path.insert(0, 'Tools'); import nnz; m = nnz.read_model('Fixtures/models/tiny.nnz'); m.tensors['layers.0.weight'][1, 0] = 1e5; nnz.write_model(m, sys.argv[1])"
        XCTAssertEqual(try runCommand("/usr/bin/env", ["python3", "-c", script, big], workingDirectory: repositoryRoot).exitCode, 0)
        try AssertExecuteCommand("nnzconvert", [big, out, "--weights", "float16"], stdout: "",
                                 stderr: "nnzconvert: \(out): cannot store the weights as float16: tensor layers.0.weight value 100000.0 at element 2 is out of float16 range (|x| <= 65504)\n",
                                 exitCode: 65)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// ONNX import with --weights int8 gives the same file as importing, then converting.
    func testImportWithWeightsIsImportThenConvert() throws {
        let onnx = repositoryRoot + "/Fixtures/onnx/readme/digits_cnn.onnx"
        let direct = temporary + "/direct.nnz", float = temporary + "/float.nnz", twoStep = temporary + "/two.nnz"
        let imported = try runCommand("nnzconvert", [onnx, direct, "--weights", "int8", "--labels", "0,1,2,3,4,5,6,7,8,9"])
        XCTAssertEqual(imported.exitCode, 0, imported.stderr)
        XCTAssertTrue(imported.stderr.contains(" parameters, int8 weights, input [1, 8, 8], probabilities\n"), imported.stderr)
        XCTAssertEqual(try runCommand("nnzconvert", [onnx, float, "--labels", "0,1,2,3,4,5,6,7,8,9"]).exitCode, 0)
        XCTAssertEqual(try runCommand("nnzconvert", [float, twoStep, "--weights", "int8"]).exitCode, 0)
        XCTAssertEqual(try bytes(direct), try bytes(twoStep))
        XCTAssertEqual(try runCommand("nninfer", ["verify", direct]).exitCode, 0)
    }

    /// nntrain --weights int8 writes the trained model's int8 file: the same bytes as training
    /// in float32 and converting with nnzconvert, and it reports the stored model's test accuracy.
    func testTrainWithWeightsIsTrainThenConvert() throws {
        let data = repositoryRoot + "/Fixtures/data/moons.csv"
        let direct = temporary + "/m8.nnz", float = temporary + "/m.nnz", twoStep = temporary + "/m8b.nnz"
        let common = [data, "--epochs", "3", "--layers", "16,batchnorm,relu,2,softmax", "--seed", "4", "--name", "moons", "--test", data]
        let trained = try runCommand("nntrain", common + ["--weights", "int8", "-o", direct])
        XCTAssertEqual(trained.exitCode, 0, trained.stderr)
        let lines = trained.stdout.split(separator: "\n").map(String.init)
        let testLine = try XCTUnwrap(lines.first { $0.hasPrefix("test loss") })
        let storedLine = try XCTUnwrap(lines.first { $0.hasPrefix("test with int8 weights: accuracy ") })
        XCTAssertTrue(storedLine.hasSuffix(" (200 rows)"), storedLine)
        XCTAssertTrue(testLine.contains("accuracy "), testLine)
        XCTAssertTrue(lines.last!.hasPrefix("wrote \(direct) ("), lines.last!)
        XCTAssertTrue(lines.last!.hasSuffix(", int8 weights)"), lines.last!)
        XCTAssertEqual(try runCommand("nntrain", common + ["-o", float, "-q"]).exitCode, 0)
        XCTAssertEqual(try runCommand("nnzconvert", [float, twoStep, "--weights", "int8"]).exitCode, 0)
        XCTAssertEqual(try bytes(direct), try bytes(twoStep))
        let inspect = try runCommand("nninfer", ["inspect", direct])
        XCTAssertTrue(inspect.stdout.contains("layers.0.weight  [2, 16]  int8 (16 scales)"), inspect.stdout)
        XCTAssertFalse(inspect.stdout.contains("  batchnorm"), "the batch-norm is folded:\n" + inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("training.layers = \"16,batchnorm,relu,2,softmax\""), "the training summary keeps the trained layers")
        let bad = try runCommand("nntrain", common + ["--weights", "int4", "-o", float])
        XCTAssertEqual(bad.exitCode, 64)
        XCTAssertTrue(bad.stderr.contains("Please provide one of 'float32', 'float16' or 'int8'"), bad.stderr)
    }

    /// The Tensors table and its JSON: dtype, stored and float32 sizes, the total with its ratio.
    func testInspectShowsDTypesAndSizes() throws {
        let model = Self.models + "/tiny_int8.nnz"
        let text = try runCommand("nninfer", ["inspect", model])
        XCTAssertEqual(text.exitCode, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("""
            Tensors:
              Tensor           Shape   DType            Stored  As float32
              layers.0.weight  [2, 2]  int8 (2 scales)      12          16
            Total tensor bytes: 12 stored, 16 as float32 (0.75×)
            """), text.stdout)
        let json = try runCommand("nninfer", ["inspect", model, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let tensors = object["tensors"] as! [[String: Any]]
        XCTAssertEqual(tensors.map { $0["dtype"] as! String }, ["int8"])
        XCTAssertEqual(tensors.map { $0["stored_bytes"] as! Int }, [12])
        XCTAssertEqual(tensors.map { $0["float32_bytes"] as! Int }, [16])
        XCTAssertEqual(tensors[0]["scales"] as? Int, 2)
        XCTAssertEqual(object["tensor_bytes"] as? Int, 12)
        XCTAssertEqual(object["float32_tensor_bytes"] as? Int, 16)
        // A float16 file: 2 bytes a value, no scales.
        let half = try runCommand("nninfer", ["inspect", Self.models + "/mlp_f16.nnz", "--json"])
        let halfObject = try JSONSerialization.jsonObject(with: Data(half.stdout.utf8)) as! [String: Any]
        for t in halfObject["tensors"] as! [[String: Any]] {
            XCTAssertEqual(t["dtype"] as? String, "float16")
            XCTAssertEqual((t["stored_bytes"] as! Int) * 2, t["float32_bytes"] as! Int)
            XCTAssertNil(t["scales"])
        }
    }
}
