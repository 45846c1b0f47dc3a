/// What a finished scoring run did.
public struct ScoringSummary: Sendable, Equatable {
    /// Rows scored and written.
    public var rowsScored = 0
    /// Bad rows reported and skipped (only with ``ScoringOptions/skipBadRows``).
    public var badRows = 0

    /// A summary with these counts.
    public init(rowsScored: Int = 0, badRows: Int = 0) {
        self.rowsScored = rowsScored
        self.badRows = badRows
    }
}
