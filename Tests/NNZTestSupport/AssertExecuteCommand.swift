import XCTest

/// Runs a command (see ``runCommand(_:_:stdin:workingDirectory:environment:)``) and checks
/// its standard output, standard error and exit code exactly, in the manner of
/// swift-argument-parser's `AssertExecuteCommand`.
///
/// `stdout` and `stderr` are compared when given (nil: not checked); a mismatch fails with a
/// line diff. The result is returned for further checks.
///
/// ```swift
/// try AssertExecuteCommand("nninfer", [model, "-", "--precision", "3"], stdin: "1,0\n",
///                          stdout: "0,1,predicted\n0.881,0.119,0\n", stderr: "")
/// ```
@discardableResult
public func AssertExecuteCommand(_ executable: String, _ arguments: [String], stdin: String? = nil,
                                 workingDirectory: String? = nil, environment: [String: String] = [:],
                                 stdout expectedStdout: String? = nil, stderr expectedStderr: String? = nil,
                                 exitCode expectedExitCode: Int32 = 0,
                                 file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
    let result = try runCommand(executable, arguments, stdin: stdin, workingDirectory: workingDirectory, environment: environment)
    let command = ([executable.split(separator: "/").last.map(String.init) ?? executable] + arguments).joined(separator: " ")
    if let expectedStdout, result.stdout != expectedStdout {
        XCTFail("standard output of `\(command)` differs (- expected, + actual):\n" + lineDiff(expected: expectedStdout, actual: result.stdout),
                file: file, line: line)
    }
    if let expectedStderr, result.stderr != expectedStderr {
        XCTFail("standard error of `\(command)` differs (- expected, + actual):\n" + lineDiff(expected: expectedStderr, actual: result.stderr),
                file: file, line: line)
    }
    if result.exitCode != expectedExitCode {
        XCTFail("`\(command)` exited with \(result.exitCode), expected \(expectedExitCode); its standard error:\n\(result.stderr)",
                file: file, line: line)
    }
    return result
}
