/// How scored rows are written: comma- or tab-separated values with a header line, or one JSON
/// object per line (JSON Lines).
public enum OutputFormat: String, CaseIterable, Sendable {
    /// Comma-separated values with a header line.
    case csv
    /// Tab-separated values with a header line.
    case tsv
    /// One JSON object per line, keys named like the CSV header.
    case jsonl
}
