@_exported import NNZSystem

/// Writes `line` and a newline to standard error. A failure is ignored: there is nowhere
/// left to report it.
public func printError(_ line: String) {
    writeAll(line + "\n", to: 2)
}
