/// Why a model file could not be read or written.
///
/// Every error says what was wrong, where (the chunk and the byte offset from the start of the
/// file) and, where it applies, what was expected. `description` gives one line such as
/// `model.nnz: byte 1234, chunk TNSR: CRC-32 mismatch (stored 0x1c291ca3, computed 0x0e2a5f01)`.
public struct FormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure; stable across versions, so callers can switch on it.
    public enum Code: String, Equatable, Sendable {
        /// The file does not exist.
        case fileNotFound
        /// The path is a directory, unreadable, or an I/O call failed.
        case ioError
        /// The first 8 bytes are not the nnz signature (not a model, or damaged by text-mode transfer).
        case badSignature
        /// The file ends before a declared structure does.
        case truncated
        /// The file needs a newer reader.
        case unsupportedVersion
        /// A stored CRC-32 does not match the bytes.
        case checksumMismatch
        /// A critical chunk of a type this reader does not know.
        case unknownCriticalChunk
        /// A field has a value outside its allowed set, or a structure is ill-formed.
        case malformed
        /// A declared size or count exceeds a documented hard limit.
        case limitExceeded
        /// Fields that must agree do not (shapes, counts, layer chaining, tensor set).
        case inconsistent
        /// A compressed tensor could not be inflated to exactly its declared size.
        case decompressionFailed
        /// The model cannot be written (invalid in memory, or the write failed).
        case writeFailed
    }

    /// The kind of failure.
    public var code: Code
    /// What was wrong and what was expected.
    public var message: String
    /// Byte offset from the start of the file, when the failure has a place.
    public var offset: Int?
    /// The chunk type being read (e.g. `TNSR`), when there is one.
    public var chunk: String?
    /// The file path, when the bytes came from a file.
    public var path: String?

    public init(_ code: Code, _ message: String, offset: Int? = nil, chunk: String? = nil, path: String? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
        self.chunk = chunk
        self.path = path
    }

    /// `path: byte N, chunk TYPE: message`, leaving out the parts that are unknown.
    public var description: String {
        var place: [String] = []
        if let offset { place.append("byte \(offset)") }
        if let chunk { place.append("chunk \(chunk)") }
        var text = path.map { "\($0): " } ?? ""
        if !place.isEmpty { text += place.joined(separator: ", ") + ": " }
        return text + message
    }

    func at(path: String) -> FormatError {
        var copy = self
        copy.path = path
        return copy
    }
}
