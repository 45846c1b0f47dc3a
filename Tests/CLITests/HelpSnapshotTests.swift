import NNZTestSupport
import XCTest

/// The full `--help` of every command and subcommand, compared byte for byte with
/// `Tests/CLITests/Snapshots/<tool>-<subcommand>-help.txt`.
///
/// After an intended change to an option or a help text, record the new pages with
/// `NNZ_UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshotTests` (each test then fails once,
/// saying what it recorded), review them with `git diff Tests/CLITests/Snapshots`, and run the
/// tests again without the variable. Help wraps at `COLUMNS`, which the runner sets to 80.
final class HelpSnapshotTests: XCTestCase {
    func assertHelp(_ tool: String, _ arguments: [String], snapshot: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try AssertExecuteCommand(tool, arguments, stderr: "", exitCode: 0, file: file, line: line)
        AssertMatchesSnapshot(result.stdout, at: snapshotsDirectory + "/\(snapshot).txt", file: file, line: line)
    }

    func testNNInferHelp() throws { try assertHelp("nninfer", ["--help"], snapshot: "nninfer-help") }
    func testNNInferPredictHelp() throws { try assertHelp("nninfer", ["predict", "--help"], snapshot: "nninfer-predict-help") }
    func testNNInferInspectHelp() throws { try assertHelp("nninfer", ["inspect", "--help"], snapshot: "nninfer-inspect-help") }
    func testNNInferVerifyHelp() throws { try assertHelp("nninfer", ["verify", "--help"], snapshot: "nninfer-verify-help") }
    func testNNInferBenchHelp() throws { try assertHelp("nninfer", ["bench", "--help"], snapshot: "nninfer-bench-help") }

    func testNNZConvertHelp() throws { try assertHelp("nnzconvert", ["--help"], snapshot: "nnzconvert-help") }

    func testNNTrainHelp() throws { try assertHelp("nntrain", ["--help"], snapshot: "nntrain-help") }
    func testNNTrainTrainHelp() throws { try assertHelp("nntrain", ["train", "--help"], snapshot: "nntrain-train-help") }
    func testNNTrainExampleHelp() throws { try assertHelp("nntrain", ["example", "--help"], snapshot: "nntrain-example-help") }

    /// `help SUBCOMMAND` and `SUBCOMMAND --help` print the same page.
    func testHelpSubcommandMatchesTheFlag() throws {
        for (tool, subcommand) in [("nninfer", "predict"), ("nninfer", "inspect"), ("nninfer", "verify"), ("nninfer", "bench"),
                                   ("nntrain", "train"), ("nntrain", "example")] {
            let flag = try runCommand(tool, [subcommand, "--help"])
            try AssertExecuteCommand(tool, ["help", subcommand], stdout: flag.stdout, stderr: "")
        }
    }

    func testVersion() throws {
        try AssertExecuteCommand("nninfer", ["--version"], stdout: "0.1.0\n", stderr: "")
        try AssertExecuteCommand("nntrain", ["--version"], stdout: "0.1.0\n", stderr: "")
        try AssertExecuteCommand("nnzconvert", ["--version"], stdout: "0.2.0\n", stderr: "")
    }
}
