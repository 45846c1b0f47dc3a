import NNZCSV
import NNZRuntime

/// Scores a CSV stream with a model and writes one output row per input row, in input order:
/// the pipeline behind `nninfer model.nnz input.csv`, for any Swift program.
///
/// ```swift
/// import NNZRuntime
/// import NNZScoring
///
/// let model = try Model(path: "digits_mlp.nnz")
/// var options = ScoringOptions()
/// options.keep = ["id"]
/// let scorer = try CSVScorer(model: model, options: options)
/// let summary = try scorer.score(inputPath: "rows.csv", outputPath: "scores.csv")
/// print(summary.rowsScored)
/// ```
///
/// How it runs: the input is read in 2 MiB blocks of whole records; each block is cut at record
/// boundaries into one piece per thread; every piece is parsed straight into floats (a cell that
/// is not a finite number is an error at its line and column), scored in batches of
/// ``ScoringOptions/batchSize`` rows and formatted into its own in-memory ``CSVWriter``; then
/// the pieces are written to the output in order. Memory stays flat: the block, one batch and
/// one piece of output per thread.
///
/// Columns: when the model stores feature names and the input has a header, columns are matched
/// by name (UTF-8 bytes, no Unicode normalization), in any order, extra columns ignored;
/// otherwise they are taken by position, leaving out the ``ScoringOptions/keep`` columns, and
/// their count must equal the model's input width. Messages use the CLI's option names.
///
/// Errors: a bad row stops the run with a ``ScoringError`` after every earlier row has been
/// written and flushed; with ``ScoringOptions/skipBadRows`` each bad row is handed to `badRow`
/// and the run goes on.
public struct CSVScorer: Sendable {
    /// The model rows are scored with.
    public let model: Model
    /// How rows are read, scored and written.
    public let options: ScoringOptions

    /// Checks the options (``ScoringOptions/problem``) and that `topK` is asked of a classifier
    /// only (both ``ScoringError/Kind/usage``).
    public init(model: Model, options: ScoringOptions = ScoringOptions()) throws(ScoringError) {
        if let problem = options.problem { throw ScoringError(.usage, problem) }
        if options.topK != nil, !model.isClassifier {
            throw ScoringError(.usage, "--top-k needs a classifier; the model outputs regression values")
        }
        self.model = model
        self.options = options
    }

    /// Opens `inputPath` (`-`: standard input), then `outputPath` (`-`: standard output; created
    /// or truncated only once the input is open, so a mistyped input never empties an existing
    /// output) and scores every row. See ``score(_:to:badRow:)``.
    @discardableResult
    public func score(inputPath: String, outputPath: String = "-",
                      badRow: (CSVError) -> Void = { _ in }) throws(ScoringError) -> ScoringSummary {
        let output: CSVWriter
        let input: CSVReader
        do throws(CSVError) {
            input = try CSVReader(path: inputPath, delimiter: options.delimiter, bufferSize: 1 << 21)
            output = try CSVWriter(path: outputPath, bufferSize: 1 << 20)
        } catch {
            throw ScoringError(error)
        }
        return try score(input, to: output, badRow: badRow)
    }

    /// Scores every row `input` holds and writes the output rows to `output`, flushing it at
    /// the end and before any error is thrown (so nothing already scored is lost).
    /// `input` must use ``ScoringOptions/delimiter``.
    @discardableResult
    public func score(_ input: CSVReader, to output: CSVWriter,
                      badRow: (CSVError) -> Void = { _ in }) throws(ScoringError) -> ScoringSummary {
        let outcome = withoutActuallyEscaping(badRow) { badRow -> Result<ScoringSummary, ScoringError> in
            var run = ScoringRun(scorer: self, reader: input, output: output, badRow: badRow)
            do throws(ScoringError) {
                try run.run()
                do throws(CSVError) { try output.flush() } catch { throw ScoringError(error) }
            } catch {
                try? output.flush()
                return .failure(error)
            }
            return .success(run.summary)
        }
        return try outcome.get()
    }
}
