import NNZFormat

/// An error that ends a command: the tool prints `message` on standard error and exits with
/// `code` (one of ``Exit``'s).
public struct Failure: Error, CustomStringConvertible {
    /// What went wrong, without the tool's name (the caller prefixes it).
    public let message: String
    /// The process exit code.
    public let code: Int32

    /// A failure with its message and exit code.
    public init(_ message: String, code: Int32) {
        self.message = message
        self.code = code
    }

    /// A model-file error with the exit code its cause calls for: a missing file is
    /// ``Exit/noInput``, a read or write error ``Exit/ioError``, anything else about the bytes
    /// ``Exit/dataError``.
    public init(_ error: FormatError) {
        switch error.code {
        case .fileNotFound: self.init(error.description, code: Exit.noInput)
        case .ioError, .writeFailed: self.init(error.description, code: Exit.ioError)
        default: self.init(error.description, code: Exit.dataError)
        }
    }

    /// The message.
    public var description: String { message }
}
