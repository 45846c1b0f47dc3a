/// The knobs of a scoring run: the options of `nninfer predict`, with the same defaults.
///
/// ```swift
/// var options = ScoringOptions()
/// options.keep = ["id"]            // pass the id column through
/// options.topK = 3                 // three best labels instead of every class
/// options.precision = 6            // %.6g instead of shortest round-trip
/// ```
public struct ScoringOptions: Sendable, Equatable {
    /// Output layout (`--format`).
    public var format: OutputFormat = .csv
    /// For classifiers: write the K best `label_k,score_k` pairs instead of every class (`--top-k`).
    public var topK: Int?
    /// Rows per forward pass (`--batch-size`).
    public var batchSize = 256
    /// Cores for parsing, scoring and formatting (`--threads`); nil means every online core, at most 8.
    public var threads: Int?
    /// Input columns passed through to the output, by header name or 1-based number (`--keep`).
    public var keep: [String] = []
    /// Whether the first record is a header; nil detects it (a header is a first record that
    /// is not all numbers) (`--header` / `--no-header`).
    public var header: Bool?
    /// Significant digits (1–9) for numbers, like printf's `%.Ng`; nil writes the shortest form
    /// that reads back to the same float (`--precision`).
    public var precision: Int?
    /// The input field separator (`--delimiter`): `,`, `;` or tab.
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// Report each bad row through the `badRow` callback and go on, instead of stopping at the
    /// first (`--skip-bad-rows`).
    public var skipBadRows = false

    /// The defaults of `nninfer predict`.
    public init() {}

    /// Why these options are out of range, named as `nninfer`'s flags (`topK`, `batchSize`,
    /// `threads` at least 1, `precision` in 1…9), or nil when they are fine.
    public var problem: String? {
        if let topK, topK < 1 { return "--top-k must be at least 1" }
        if batchSize < 1 { return "--batch-size must be at least 1" }
        if let threads, threads < 1 { return "--threads must be at least 1" }
        if let precision, !(1...9).contains(precision) { return "--precision must be between 1 and 9" }
        return nil
    }

    /// The number of worker pieces a run uses: `threads`, or the online cores (at most 8).
    var resolvedThreads: Int {
        max(1, min(threads ?? min(8, max(1, onlineProcessorCount())), 64))
    }
}
