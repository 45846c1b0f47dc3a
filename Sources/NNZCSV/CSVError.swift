#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Every failure of the CSV reader, the chunk parser and the output writer.
///
/// `description` is a one-line human message: `path:line:column: message` (line/column left out
/// when not applicable), e.g.
/// `data.csv:12:3: unterminated quoted field: found end of file, expected a closing '"'`.
public struct CSVError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong; I/O kinds map to sysexits 66/74, content kinds to 65 (`sysexitsCode`).
    public enum Kind: Equatable, Sendable {
        // Opening / reading input
        /// The path does not exist (`ENOENT`, or `ENOTDIR` for a missing directory component).
        case fileNotFound
        /// `EACCES` / `EPERM` while opening.
        case permissionDenied
        /// The path names a directory (`EISDIR`).
        case isDirectory
        /// Any other `open(2)` failure.
        case openFailed(errno: Int32)
        /// `read(2)` failed.
        case readFailed(errno: Int32)

        // Writing output (ByteWriter / CSVWriter)
        /// `EPIPE`: the reader of our output went away (ignore `SIGPIPE` to get this).
        case brokenPipe
        /// `ENOSPC` / `EDQUOT`.
        case noSpace
        /// Any other `write(2)` failure.
        case writeFailed(errno: Int32)

        // Syntax
        /// End of file inside a quoted field.
        case unterminatedQuote
        /// A `"` inside a field that does not start with `"`.
        case quoteInUnquotedField
        /// Something other than a delimiter or a line end right after a closing quote.
        case garbageAfterQuote
        /// A field that must be text (header names, `CSVReader.string(at:)`) is not valid UTF-8.
        case invalidUTF8
        /// A single record larger than `CSVReader.maxRecordBytes` (usually a stray quote).
        case recordTooLarge(limit: Int)

        // Content
        /// A record whose field count differs from the expected one.
        case raggedRow(expected: Int, found: Int)
        /// A numeric cell that is not a number (the text is in `CSVError.field`).
        case invalidNumber
    }

    /// What went wrong.
    public var kind: Kind
    /// Input or output name (the path, `<stdin>`, `<stdout>`…).
    public var path: String
    /// 1-based physical line the offending field (or record) starts on; 0 when not applicable.
    public var line: Int
    /// 1-based field index; 0 when not applicable.
    public var column: Int
    /// Byte offset in the input of the offending byte / field start; -1 when not applicable.
    public var byteOffset: Int64
    /// What was found and what was expected.
    public var message: String
    /// The offending cell's text when relevant (invalid numbers), truncated to 64 bytes.
    public var field: String?

    public init(kind: Kind, path: String, line: Int = 0, column: Int = 0, byteOffset: Int64 = -1,
                message: String, field: String? = nil) {
        self.kind = kind
        self.path = path
        self.line = line
        self.column = column
        self.byteOffset = byteOffset
        self.message = message
        self.field = field
    }

    /// `path:line:column: message`, e.g. `data.csv:12:3: found "abc", expected a number`.
    public var description: String {
        var s = path
        if line > 0 {
            s += ":\(line)"
            if column > 0 { s += ":\(column)" }
        }
        return s + ": " + message
    }

    /// The `errno` behind an I/O error, if any.
    public var errno: Int32? {
        switch kind {
        case .fileNotFound: return ENOENT
        case .permissionDenied: return EACCES
        case .isDirectory: return EISDIR
        case .openFailed(let e), .readFailed(let e), .writeFailed(let e): return e
        case .brokenPipe: return EPIPE
        case .noSpace: return ENOSPC
        default: return nil
        }
    }

    /// Suggested BSD `sysexits.h` code: 66 (`EX_NOINPUT`) when the input cannot be opened
    /// (missing, permission), 74 (`EX_IOERR`) for a directory or a read/write failure,
    /// 65 (`EX_DATAERR`) for malformed content.
    public var sysexitsCode: Int32 {
        switch kind {
        case .fileNotFound, .permissionDenied, .openFailed: return 66
        case .isDirectory, .readFailed, .brokenPipe, .noSpace, .writeFailed: return 74
        default: return 65
        }
    }

    /// Whether this is an I/O problem rather than a content problem.
    public var isIOError: Bool {
        switch kind {
        case .fileNotFound, .permissionDenied, .isDirectory, .openFailed, .readFailed,
             .brokenPipe, .noSpace, .writeFailed: return true
        default: return false
        }
    }

    static func strerrorText(_ e: Int32) -> String {
        if let s = strerror(e) { return String(cString: s) }
        return "errno \(e)"
    }

    static func fromOpen(errno e: Int32, path: String) -> CSVError {
        let kind: Kind
        switch e {
        case ENOENT, ENOTDIR: kind = .fileNotFound
        case EACCES, EPERM: kind = .permissionDenied
        case EISDIR: kind = .isDirectory
        default: kind = .openFailed(errno: e)
        }
        let what: String
        switch kind {
        case .fileNotFound: what = "no such file"
        case .isDirectory: what = "is a directory, expected a regular file"
        default: what = strerrorText(e)
        }
        return CSVError(kind: kind, path: path, message: "cannot open: \(what)")
    }

    static func fromRead(errno e: Int32, path: String, offset: Int64) -> CSVError {
        if e == EISDIR {
            return CSVError(kind: .isDirectory, path: path, byteOffset: offset,
                            message: "cannot read: is a directory, expected a regular file")
        }
        return CSVError(kind: .readFailed(errno: e), path: path, byteOffset: offset,
                        message: "read error: \(strerrorText(e))")
    }

    static func fromWrite(errno e: Int32, path: String) -> CSVError {
        let kind: Kind
        switch e {
        case EPIPE: kind = .brokenPipe
        case ENOSPC, EDQUOT: kind = .noSpace
        default: kind = .writeFailed(errno: e)
        }
        return CSVError(kind: kind, path: path, message: "write error: \(strerrorText(e))")
    }
}

/// Describes a byte for error messages: `'x'`, `'"'`, `byte 0xC3`.
@usableFromInline
func describeByte(_ b: UInt8) -> String {
    if b >= 0x20 && b < 0x7F { return "'" + String(UnicodeScalar(b)) + "'" }
    switch b {
    case 0x0A: return "a line feed"
    case 0x0D: return "a carriage return"
    case 0x09: return "a tab"
    default:
        let hex = "0123456789ABCDEF".utf8.map { $0 }
        return "byte 0x" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 15)]], as: UTF8.self)
    }
}

/// Short printable rendering of a cell for error messages (at most 64 bytes, lossy UTF-8).
@usableFromInline
func cellText(_ p: UnsafePointer<UInt8>, _ n: Int) -> String {
    let m = min(n, 64)
    var s = String(decoding: UnsafeBufferPointer(start: p, count: m), as: UTF8.self)
    if n > m { s += "…" }
    return s
}
