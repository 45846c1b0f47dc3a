/// What a finished command printed and how it ended.
public struct CommandResult: Sendable, Equatable {
    /// Everything written to standard output, decoded as UTF-8.
    public var stdout: String
    /// Everything written to standard error, decoded as UTF-8.
    public var stderr: String
    /// The exit status; 128 + N when signal N killed the process, as a shell reports it.
    public var exitCode: Int32

    /// A result with these parts.
    public init(stdout: String, stderr: String, exitCode: Int32) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitCode = exitCode
    }
}
