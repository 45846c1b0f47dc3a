import NNZCSV

/// Why a scoring run stopped. Every row before the failing one has been written and flushed.
public struct ScoringError: Error, CustomStringConvertible, Sendable {
    /// The class of failure, which decides the exit code a CLI should use.
    public enum Kind: Sendable, Equatable {
        /// The options do not fit the input or the model (a `keep` column that does not exist,
        /// `topK` on a regression model): sysexits 64.
        case usage
        /// The input's content is bad (a cell that is not a finite number, a ragged row, a missing
        /// feature column, empty input): sysexits 65.
        case badData
        /// The input cannot be opened: sysexits 66.
        case noInput
        /// Reading or writing failed: sysexits 74.
        case io
    }

    /// The class of failure.
    public var kind: Kind
    /// The message, naming the file, line and column where there is one.
    public var description: String
    /// The CSV error behind this one, when there is one (with line, column and byte offset).
    public var csvError: CSVError?

    /// A failure of the given kind.
    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    /// Wraps a CSV reading or writing error, keeping its class.
    public init(_ error: CSVError) {
        switch error.sysexitsCode {
        case 66: kind = .noInput
        case 74: kind = .io
        default: kind = .badData
        }
        description = error.description
        csvError = error
    }

    /// The sysexits(3) code for this failure: 64, 65, 66 or 74.
    public var sysexitsCode: Int32 {
        switch kind {
        case .usage: return 64
        case .badData: return 65
        case .noInput: return 66
        case .io: return 74
        }
    }
}
