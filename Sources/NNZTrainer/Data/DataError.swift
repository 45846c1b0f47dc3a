/// Why data could not be loaded: the place (file, line, field) and what was found and expected.
///
/// `description` reads like nninfer's CSV errors: `data.csv:12:3: found "abc" in column "x2",
/// expected a finite number` (line 12, third field).
public struct DataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of failure, which decides the exit code.
    public enum Kind: Sendable, Equatable {
        /// The input file does not exist or cannot be opened (sysexits 66, EX_NOINPUT).
        case missingInput
        /// The content is wrong (sysexits 65, EX_DATAERR).
        case badData
        /// Reading failed midway (sysexits 74, EX_IOERR).
        case io
    }

    /// Missing input, bad data or I/O.
    public var kind: Kind
    /// The file, when the data came from one.
    public var path: String?
    /// 1-based line number, when the problem has one.
    public var line: Int?
    /// 1-based field number (the CSV column), when the problem has one.
    public var column: Int?
    /// What was wrong and what was expected.
    public var message: String

    public init(_ kind: Kind, _ message: String, path: String? = nil, line: Int? = nil, column: Int? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
        self.line = line
        self.column = column
    }

    public var description: String {
        var place = path ?? "<data>"
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return "\(place): \(message)"
    }

    /// The sysexits code for this error.
    public var exitCode: Int32 {
        switch kind {
        case .missingInput: return 66
        case .badData: return 65
        case .io: return 74
        }
    }
}
