import Foundation
import NNZTestSupport
import XCTest

/// Runs the built `nnzconvert` (and `nninfer` on what it wrote) against the ONNX fixtures:
/// outputs must match ONNX Runtime's golden CSVs, refusals must print their exact message.
final class NNZConvertCLITests: XCTestCase {
    static let onnx = repositoryRoot + "/Fixtures/onnx"
    var temporary: String!

    override func setUpWithError() throws {
        temporary = NSTemporaryDirectory() + "nnzconvert-cli-\(getpid())-\(name.filter(\.isLetter))"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: temporary)
    }

    /// Tab-separated lines of a manifest, without comments.
    func rows(_ path: String) throws -> [[String]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") && !$0.isEmpty }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    func csv(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// PyTorch's dynamo exporter keeps the weights in `model.onnx.data` beside the model: given
    /// by a path from another directory, nnzconvert reads them from the model's directory, and
    /// the converted file's self-test passes.
    func testExternalDataIsReadFromTheModelsDirectory() throws {
        let model = temporary + "/digits_cnn.nnz"
        let converted = try runCommand("nnzconvert", [Self.onnx + "/readme/digits_cnn.onnx", model, "--labels", "0,1,2,3,4,5,6,7,8,9"])
        XCTAssertEqual(converted.exitCode, 0, converted.stderr)
        XCTAssertEqual(converted.stderr, "nnzconvert: \(Self.onnx)/readme/digits_cnn.onnx → \(model): 6 layers, 2730 parameters, input [1, 8, 8], probabilities\n")
        let verified = try runCommand("nninfer", ["verify", model])
        XCTAssertEqual(verified.exitCode, 0, verified.stderr)
        XCTAssertTrue(verified.stdout.contains(": ok (format 1.0"), verified.stdout)
    }

    /// Every accepted fixture converts, and `nninfer` on its inputs gives ONNX Runtime's outputs:
    /// ≤ 1e-5 absolute on probabilities, ≤ 1e-4 relative otherwise; predicted labels equal.
    func testEveryFixtureMatchesONNXRuntime() throws {
        let manifest = try rows(Self.onnx + "/manifest.tsv")
        XCTAssertGreaterThan(manifest.count, 40)
        for row in manifest {
            let name = row[0], extra = row[4], kind = row[5]
            let model = temporary + "/\(name).nnz"
            let args = [Self.onnx + "/\(name).onnx", model] + (extra == "-" ? [] : extra.split(separator: " ").map(String.init))
            let converted = try runCommand("nnzconvert", args)
            guard converted.exitCode == 0 else {
                XCTFail("\(name): nnzconvert exited \(converted.exitCode): \(converted.stderr)")
                continue
            }
            let scored = try runCommand("nninfer", [model, Self.onnx + "/\(name).input.csv", "--no-header"])
            guard scored.exitCode == 0 else {
                XCTFail("\(name): nninfer exited \(scored.exitCode): \(scored.stderr)")
                continue
            }
            let got = csv(scored.stdout)
            let want = csv(try String(contentsOfFile: Self.onnx + "/\(name).expected.csv", encoding: .utf8))
            XCTAssertEqual(got.count, want.count, "\(name): row count")
            let header = want[0], gotHeader = got[0]
            for (w, g) in zip(want.dropFirst(), got.dropFirst()) {
                for (j, column) in header.enumerated() {
                    if column == "label" {
                        if let p = gotHeader.firstIndex(of: "predicted") { XCTAssertEqual(g[p], w[j], "\(name): predicted label") }
                        continue
                    }
                    let gi = gotHeader.firstIndex(of: column) ?? j
                    guard let a = Double(g[gi]), let b = Double(w[j]) else {
                        XCTFail("\(name): column \(column): '\(g[gi])' vs '\(w[j])'")
                        continue
                    }
                    if kind == "probabilities" {
                        XCTAssertLessThanOrEqual(abs(a - b), 1e-5, "\(name) column \(column)")
                    } else {
                        XCTAssertLessThanOrEqual(abs(a - b), 1e-4 * max(abs(b), 1e-3), "\(name) column \(column): \(a) vs \(b)")
                    }
                }
            }
        }
    }

    /// Every refusal fixture exits with its code and prints exactly its message.
    func testRefusalsNameTheFileTheNodeAndWhatIsSupported() throws {
        let refuse = Self.onnx + "/refuse"
        let expected = try rows(refuse + "/expected.tsv")
        XCTAssertGreaterThan(expected.count, 15)
        for row in expected {
            let name = row[0], code = Int32(row[1])!, message = row[2]
            let out = temporary + "/\(name).nnz"
            try AssertExecuteCommand("nnzconvert", ["\(name).onnx", out], workingDirectory: refuse,
                                     stdout: "", stderr: "nnzconvert: \(message)\n", exitCode: code)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(name): no output file on a refusal")
        }
    }

    func testUsageErrorsAndMissingFiles() throws {
        let tiny = repositoryRoot + "/Fixtures/models/tiny.nnz"
        let direction = try runCommand("nnzconvert", ["a.txt", "b.nnz"])
        XCTAssertEqual(direction.exitCode, 64)
        XCTAssertTrue(direction.stderr.contains("cannot tell the direction from 'a.txt' → 'b.nnz'"), direction.stderr)
        let misplaced = try runCommand("nnzconvert", [tiny, temporary + "/t.onnx", "--labels", "a,b"])
        XCTAssertEqual(misplaced.exitCode, 64)
        XCTAssertTrue(misplaced.stderr.contains("--labels applies to import (.onnx → .nnz)"), misplaced.stderr)
        let opset = try runCommand("nnzconvert", [tiny, temporary + "/t.onnx", "--opset", "22"])
        XCTAssertEqual(opset.exitCode, 64)
        XCTAssertTrue(opset.stderr.contains("--opset 22 is outside 13–21"), opset.stderr)
        try AssertExecuteCommand("nnzconvert", [temporary + "/missing.onnx", temporary + "/m.nnz"], stdout: "",
                                 stderr: "nnzconvert: \(temporary!)/missing.onnx: no such file\n", exitCode: 66)
    }

    /// Export then import through the CLI: the .nnz written back scores the same bytes.
    func testExportThenImportScoresTheSameBytes() throws {
        let model = repositoryRoot + "/Fixtures/models/mlp_all_meta.nnz"
        let onnx = temporary + "/m.onnx", back = temporary + "/m.nnz"
        try AssertExecuteCommand("nnzconvert", [model, onnx, "--opset", "13"], stdout: "")
        try AssertExecuteCommand("nnzconvert", [onnx, back], stdout: "")
        let rows = "25,1025,55,4.3,410,15\n1,2,3,4,5,6\n"
        let a = try runCommand("nninfer", [model, "-", "--no-header"], stdin: rows)
        let b = try runCommand("nninfer", [back, "-", "--no-header"], stdin: rows)
        XCTAssertEqual(a.exitCode, 0, a.stderr)
        XCTAssertEqual(a.stdout, b.stdout)
        XCTAssertFalse(a.stdout.isEmpty)
    }
}
