import Foundation
import NNZTestSupport
import XCTest

/// Runs the built `nninfer` binary and checks stdout, stderr and the exit code exactly.
final class NNInferCLITests: XCTestCase {
    static let models = repositoryRoot + "/Fixtures/models"

    func run(_ arguments: [String], stdin: String? = nil) throws -> CommandResult {
        try runCommand("nninfer", arguments, stdin: stdin)
    }

    var temporary: String!

    override func setUpWithError() throws {
        temporary = NSTemporaryDirectory() + "nninfer-cli-\(getpid())-\(name.filter(\.isLetter))"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: temporary)
    }

    func file(_ name: String, _ contents: String) throws -> String {
        let path = temporary + "/" + name
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    // The tiny model: softmax([x0 + 0.5 x1, -x0 + 2 x1]) with classes "0" and "1".
    var tiny: String { Self.models + "/tiny.nnz" }

    func testQuotedFieldsCRLFAndByteOrderMark() throws {
        let csv = try file("in.csv", "\u{FEFF}x0,x1\r\n\"1\",\"0\"\r\n\r\n0,+1e0\r\n")
        try AssertExecuteCommand("nninfer", [tiny, csv, "--precision", "6"],
                                 stdout: "0,1,predicted\n0.880797,0.119203,0\n0.182426,0.817574,1\n", stderr: "")
    }

    func testNoHeaderStdinAndPrecision() throws {
        try AssertExecuteCommand("nninfer", [tiny, "-", "--precision", "3"], stdin: "1,0\n0,1\n",
                                 stdout: "0,1,predicted\n0.881,0.119,0\n0.182,0.818,1\n", stderr: "")
    }

    func testColumnsByNameInAnyOrderWithExtraColumnsAndKeep() throws {
        let model = Self.models + "/mlp_all_meta.nnz"
        let reference = try run([model, Self.models + "/mlp_all_meta.input.csv", "--precision", "6"])
        XCTAssertEqual(reference.exitCode, 0, reference.stderr)
        let firstOutput = reference.stdout.split(separator: "\n")[1]
        let csv = try file("shuffled.csv", """
            id,hour,altitude,note,wind_speed,humidity,pressure,temperature
            a-1,15.2462978,410.899872,"x, y",4.32484245,55.6748352,1025.23682,25.0206852

            """)
        let r = try run([model, csv, "--keep", "id", "--precision", "6"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertEqual(r.stdout, "id,clear,cloudy,rain,predicted\na-1,\(firstOutput)\n")
    }

    func testMissingFeatureColumnIsNamed() throws {
        let csv = try file("missing.csv", "hour,altitude,wind_speed,humidity,pressure\n1,2,3,4,5\n")
        try AssertExecuteCommand("nninfer", [Self.models + "/mlp_all_meta.nnz", csv], stdout: "",
                                 stderr: "nninfer: \(csv):1: missing column 'temperature' that the model needs (it expects 6 named features)\n",
                                 exitCode: 65)
    }

    func testRaggedRowStopsAfterWritingEveryEarlierRow() throws {
        let csv = try file("ragged.csv", "x0,x1\n1,0\n0,1\n1,2,3\n0,0\n")
        try AssertExecuteCommand("nninfer", [tiny, csv, "--precision", "6"],
                                 stdout: "0,1,predicted\n0.880797,0.119203,0\n0.182426,0.817574,1\n",
                                 stderr: "nninfer: \(csv):4:3: found 3 fields, expected 2 (as in the header)\n", exitCode: 65)
    }

    func testNonNumericCellAndNaN() throws {
        let csv = try file("text.csv", "x0,x1\n1,0\n1,abc\n")
        let r = try run([tiny, csv, "--precision", "6"])
        XCTAssertEqual(r.exitCode, 65)
        XCTAssertEqual(r.stdout, "0,1,predicted\n0.880797,0.119203,0\n")
        XCTAssertEqual(r.stderr, "nninfer: \(csv):3:2: found \"abc\", expected a number\n")

        let nan = try file("nan.csv", "x0,x1\nNaN,0\n")
        let n = try run([tiny, nan, "--precision", "6"])
        XCTAssertEqual(n.exitCode, 65)
        XCTAssertEqual(n.stderr, "nninfer: \(nan):2:1: found NaN, expected a finite number\n")
    }

    func testSkipBadRowsReportsEachAndGoesOn() throws {
        let csv = try file("bad.csv", "x0,x1\n1,0\nx,1\n1,2,3\n0,1\n")
        try AssertExecuteCommand("nninfer", [tiny, csv, "--skip-bad-rows", "--precision", "6"],
                                 stdout: "0,1,predicted\n0.880797,0.119203,0\n0.182426,0.817574,1\n", stderr: """
            nninfer: skipped: \(csv):3:1: found "x", expected a number
            nninfer: skipped: \(csv):4:3: found 3 fields, expected 2 (as in the header)
            nninfer: skipped 2 bad rows

            """)
    }

    func testEmptyFileAndHeaderOnly() throws {
        let empty = try file("empty.csv", "")
        let e = try run([tiny, empty, "--precision", "6"])
        XCTAssertEqual(e.exitCode, 65)
        XCTAssertEqual(e.stdout, "")
        XCTAssertEqual(e.stderr, "nninfer: \(empty): empty input, expected a header line or rows of 2 numbers\n")

        let headerOnly = try file("header.csv", "x0,x1\n")
        let h = try run([tiny, headerOnly, "--precision", "6"])
        XCTAssertEqual(h.exitCode, 0, h.stderr)
        XCTAssertEqual(h.stdout, "0,1,predicted\n")
    }

    func testMissingInputDirectoryAndBadModel() throws {
        let missing = try run([tiny, temporary + "/nope.csv", "--precision", "6"])
        XCTAssertEqual(missing.exitCode, 66)
        XCTAssertTrue(missing.stderr.hasPrefix("nninfer: \(temporary!)/nope.csv: "), missing.stderr)

        let directory = try run([tiny, temporary!, "--precision", "6"])
        XCTAssertEqual(directory.exitCode, 74)
        XCTAssertTrue(directory.stderr.hasPrefix("nninfer: \(temporary!): "), directory.stderr)

        let noModel = try run([temporary + "/none.nnz", "-"], stdin: "")
        XCTAssertEqual(noModel.exitCode, 66)
        XCTAssertEqual(noModel.stderr, "nninfer: \(temporary!)/none.nnz: cannot open: No such file or directory\n")

        let notModel = try file("fake.nnz", "x0,x1\n1,2\n")
        let bad = try run([notModel, "-"], stdin: "")
        XCTAssertEqual(bad.exitCode, 65)
        XCTAssertEqual(bad.stderr, "nninfer: \(notModel): byte 0: not an nnz model file: the first bytes are 78 30 2C 78 31 0A 31 2C, expected 89 4E 4E 5A 0D 0A 1A 0A\n")
    }

    func testWrongColumnCountWithoutFeatureNames() throws {
        let csv = try file("three.csv", "1,2,3\n")
        let r = try run([tiny, csv, "--precision", "6"])
        XCTAssertEqual(r.exitCode, 65)
        XCTAssertEqual(r.stderr, "nninfer: \(csv):1: found 3 feature columns, expected 2 (the model's input width)\n")
    }

    func testTopKAndJSONLinesAndTSV() throws {
        let csv = try file("in.csv", "x0,x1\n1,0\n")
        let top = try run([tiny, csv, "--top-k", "2", "--precision", "6"])
        XCTAssertEqual(top.stdout, "label_1,score_1,label_2,score_2\n0,0.880797,1,0.119203\n")
        let jsonl = try run([tiny, csv, "--format", "jsonl", "--precision", "6"])
        XCTAssertEqual(jsonl.stdout, "{\"0\":0.880797,\"1\":0.119203,\"predicted\":\"0\"}\n")
        let tsv = try run([tiny, csv, "--format", "tsv", "--precision", "6"])
        XCTAssertEqual(tsv.stdout, "0\t1\tpredicted\n0.880797\t0.119203\t0\n")
        let output = temporary + "/out.csv"
        let toFile = try run([tiny, csv, "--output", output, "--precision", "6"])
        XCTAssertEqual(toFile.stdout, "")
        XCTAssertEqual(try String(contentsOfFile: output, encoding: .utf8), "0,1,predicted\n0.880797,0.119203,0\n")
    }

    func testUsageErrorsExit64() throws {
        let r = try run([tiny, "-", "--top-k", "0"], stdin: "")
        XCTAssertEqual(r.exitCode, 64)
        XCTAssertTrue(r.stderr.contains("--top-k must be at least 1"), r.stderr)
        let regression = try run([Self.models + "/regression.nnz", "-", "--top-k", "1"], stdin: "")
        XCTAssertEqual(regression.exitCode, 64)
    }

    func testAMistypedFormatIsAUsageErrorThatNamesTheFormats() throws {
        try AssertExecuteCommand("nninfer", [tiny, "-", "--format", "json"], stdin: "1,0\n", stdout: "", stderr: """
            Error: The value 'json' is invalid for '--format <format>'. Please provide one of 'csv', 'tsv' or 'jsonl'.
            Help:  --format <format>  Output format: csv, tsv or jsonl.
            Usage: nninfer predict [<options>] <model> <input>
              See 'nninfer predict --help' for more information.

            """, exitCode: 64)
    }

    func testAMissingInputLeavesAnExistingOutputFileAlone() throws {
        let previous = try file("scores.csv", "earlier results\n")
        let r = try run([tiny, temporary + "/no-such-input.csv", "--output", previous])
        XCTAssertEqual(r.exitCode, 66, r.stderr)
        XCTAssertEqual(try String(contentsOfFile: previous, encoding: .utf8), "earlier results\n")
    }

    func testAMistypedDelimiterIsAUsageErrorAndARealTabWorks() throws {
        try AssertExecuteCommand("nninfer", [tiny, "-", "--delimiter", "|"], stdin: "1,0\n", stdout: "", stderr: """
            Error: The value '|' is invalid for '--delimiter <delimiter>'. Please provide one of ',', ';' or '\\t'.
            Help:  --delimiter <delimiter>  Input delimiter: a comma, a semicolon, or \\t (tab). Default: , (or tab for .tsv files).
            Usage: nninfer predict [<options>] <model> <input>
              See 'nninfer predict --help' for more information.

            """, exitCode: 64)
        let escaped = try run([tiny, "-", "--delimiter", "\\t", "--no-header"], stdin: "1\t0\n")
        let real = try run([tiny, "-", "--delimiter", "\t", "--no-header"], stdin: "1\t0\n")
        let semicolon = try run([tiny, "-", "--delimiter", ";", "--no-header"], stdin: "1;0\n")
        XCTAssertEqual(escaped.exitCode, 0, escaped.stderr)
        XCTAssertEqual(escaped, real)
        XCTAssertEqual(escaped, semicolon)
        XCTAssertEqual(escaped.stdout.split(separator: "\n").count, 2)
    }

    func testEveryFixtureMatchesItsGoldenOutputThroughTheCLI() throws {
        for name in ["cnn", "cnn_scores", "mlp_all_meta", "mlp_scale_dropout", "regression", "xor_nobias"] {
            let r = try run([Self.models + "/\(name).nnz", Self.models + "/\(name).input.csv", "--format", "csv"])
            XCTAssertEqual(r.exitCode, 0, r.stderr)
            let expected = try String(contentsOfFile: Self.models + "/\(name).expected.csv", encoding: .utf8)
                .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
            let got = r.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
            XCTAssertEqual(got.count, expected.count, name)
            for (row, want) in zip(got, expected) {
                for (i, value) in want.enumerated() { XCTAssertEqual(Double(row[i])!, value, accuracy: 1e-5, name) }
            }
        }
    }

    func testVerifyAndInspect() throws {
        let good = try run(["verify", Self.models + "/mlp_all_meta.nnz"])
        XCTAssertEqual(good.exitCode, 0)
        XCTAssertTrue(good.stdout.hasPrefix("\(Self.models)/mlp_all_meta.nnz: ok (format 1.0, "), good.stdout)
        let hostile = repositoryRoot + "/Fixtures/hostile/bad_chunk_crc.nnz"
        let bad = try run(["verify", hostile])
        XCTAssertEqual(bad.exitCode, 1)
        XCTAssertTrue(bad.stdout.hasPrefix("\(hostile): FAILED: byte "), bad.stdout)
        XCTAssertTrue(bad.stdout.contains("CRC-32 mismatch"), bad.stdout)

        let json = try run(["inspect", Self.models + "/mlp_all_meta.nnz", "--json"])
        XCTAssertEqual(json.exitCode, 0, json.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["total_parameters"] as? Int, 235)
        XCTAssertEqual((object["layers"] as! [[String: Any]]).map { $0["kind"] as! String },
                       ["dense", "relu", "dropout", "batchnorm", "dense", "sigmoid", "dense", "tanh", "dense", "softmax"])
        XCTAssertEqual((object["self_test"] as! [String: Any])["passed"] as? Bool, true)
    }

    /// The layer kinds of format 1.1 in `inspect` (their hyper-parameters in a few words) and
    /// `verify`; a file needing a newer reader is refused naming the version.
    func testInspectAndVerifyAFormat11File() throws {
        let path = Self.models + "/cnn_avgpool_leaky.nnz"
        let inspect = try run(["inspect", path])
        XCTAssertEqual(inspect.exitCode, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.hasPrefix("Model avgpool-leaky-cnn: format 1.1, 5,624 bytes\n"), inspect.stdout)
        for row in ["   1  leakyrelu alpha 0.1                         [4, 9, 9]          0\n",
                    "   2  avgpool 3x3 stride 2,2 pad 1,1 exclude-pad  [4, 5, 5]          0\n",
                    "   4  avgpool 2x3 stride 1,2 pad 1,1 include-pad  [6, 5, 2]          0\n",
                    "   6  globalavgpool                               [6, 1, 1]          0\n"] {
            XCTAssertTrue(inspect.stdout.contains(row), "missing \(row.debugDescription) in\n\(inspect.stdout)")
        }
        let verify = try run(["verify", path])
        XCTAssertEqual(verify.exitCode, 0, verify.stderr)
        XCTAssertTrue(verify.stdout.hasPrefix("\(path): ok (format 1.1, 13 chunks, CRC-32 checks passed, self-test 4 rows"), verify.stdout)
        let newer = repositoryRoot + "/Fixtures/hostile/needs_reader_1_2.nnz"
        let refused = try run(["verify", newer])
        XCTAssertEqual(refused.exitCode, 1)
        XCTAssertEqual(refused.stdout, "\(newer): FAILED: byte 12: the file is format 1.2 and needs reader 1.2; this reader implements format 1.1\n")
    }
}

/// The README's first command, run exactly as written there, from the repository root.
final class QuickStartTests: XCTestCase {
    static let command = "swift run nninfer Fixtures/trained/digits_mlp.nnz Fixtures/data/digits_test.csv --precision 3"

    func testSwiftRunNNInferDigitsMLPOnDigitsTestWithPrecision3() throws {
        // The command is taken from the README, so the test cannot drift from what it shows.
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let shown = readme.split(separator: "\n").first { $0.hasPrefix("swift run nninfer ") }.map(String.init)
        XCTAssertEqual(shown, Self.command, "the README's first command changed; update this test and its golden output")
        let arguments = Self.command.split(separator: " ").dropFirst(3).map(String.init)

        let result = try AssertExecuteCommand("nninfer", arguments, workingDirectory: repositoryRoot, stderr: "", exitCode: 0)
        AssertMatchesSnapshot(result.stdout, at: snapshotsDirectory + "/readme-quick-start.txt")

        // What the README says about it: ten class columns and `predicted` for the 360
        // held-out digits, 352 of them labelled as the file's `label` column says (97.8 %).
        var rows = result.stdout.split(separator: "\n")
        XCTAssertEqual(rows.removeFirst(), "0,1,2,3,4,5,6,7,8,9,predicted")
        let csv = try String(contentsOfFile: repositoryRoot + "/Fixtures/data/digits_test.csv", encoding: .utf8)
        var lines = csv.split(separator: "\n")
        let labelColumn = try XCTUnwrap(lines.removeFirst().split(separator: ",").firstIndex(of: "label"))
        let labels = lines.map { $0.split(separator: ",")[labelColumn] }
        XCTAssertEqual(rows.count, 360)
        XCTAssertEqual(labels.count, 360)
        XCTAssertEqual(zip(rows, labels).filter { row, label in row.split(separator: ",").last == label }.count, 352)
    }
}
