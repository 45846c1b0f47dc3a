import Foundation

/// Runs `executable` with `arguments` and waits for it, collecting what it prints.
///
/// - `executable`: a path, or the bare name of a built product (`"nninfer"`), which is looked
///   up in ``productsDirectory``.
/// - `stdin`: bytes for standard input; without it the command reads an empty input (never
///   the test runner's own standard input).
/// - `workingDirectory`: where the command runs (default: the test process's directory).
/// - `environment`: variables added to the test process's environment. `COLUMNS=80` and
///   `LINES=25` are always set first, so help text wraps the same on every terminal.
///
/// Standard input is fed, and standard output and standard error are read, at the same time,
/// so a command that prints more than a pipe holds before it finishes reading cannot stall.
public func runCommand(_ executable: String, _ arguments: [String], stdin: String? = nil,
                       workingDirectory: String? = nil, environment: [String: String] = [:]) throws -> CommandResult {
    ignoreBrokenPipes
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : builtProduct(executable))
    process.arguments = arguments
    if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
    var variables = ProcessInfo.processInfo.environment
    variables["COLUMNS"] = "80"
    variables["LINES"] = "25"
    variables.merge(environment) { $1 }
    process.environment = variables
    let input = Pipe(), output = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()

    let group = DispatchGroup()
    let errorBytes = Collected()
    DispatchQueue.global().async(group: group) {
        errorBytes.data = errors.fileHandleForReading.readDataToEndOfFile()
    }
    let feed = stdin.map { Data($0.utf8) }
    DispatchQueue.global().async(group: group) {
        // A command that exits without reading its input makes this write fail (EPIPE);
        // that is the command's business, not a test error.
        if let feed { try? input.fileHandleForWriting.write(contentsOf: feed) }
        try? input.fileHandleForWriting.close()
    }
    let outputBytes = output.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return CommandResult(stdout: String(decoding: outputBytes, as: UTF8.self),
                         stderr: String(decoding: errorBytes.data, as: UTF8.self), exitCode: status)
}

/// Bytes one reader thread hands back to the caller after `DispatchGroup.wait()`.
private final class Collected: @unchecked Sendable {
    var data = Data()
}

/// Writing to a command that has exited must fail with EPIPE rather than kill the tests.
private let ignoreBrokenPipes: Void = {
    signal(SIGPIPE, SIG_IGN)
}()
