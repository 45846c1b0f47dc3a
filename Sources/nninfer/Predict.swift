import ArgumentParser
import NNZCommandLine
import NNZFormat
import NNZCSV
import NNZRuntime
import NNZScoring
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `nninfer model.nnz input.csv`: stream CSV rows through a model.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score CSV rows with a model (the default subcommand).",
        discussion: """
        Reads INPUT (a CSV file, or - for standard input) and writes one output row
        per input row. Input follows RFC 4180: quoted fields, CRLF or LF, a UTF-8
        byte-order mark, blank lines, numbers like 1e-3 or +2.5.

        Columns: when the model stores feature names and the CSV has a header, columns
        are matched by name in any order and extra columns are ignored; otherwise they
        are taken by position (leaving out --keep columns) and their count must equal
        the model's input width. A header is detected when the first row is not all
        numbers (force with --header or --no-header).

        Output: for a classifier, one column per class (named by the model's class
        labels) and a `predicted` column with the winning label; with --top-k K,
        columns label_1, score_1, …, label_K, score_K instead. For regression, one
        column per output (y0, y1, …). Numbers are written in the shortest form that
        reads back to the same float, or with --precision N significant digits (like
        printf's %.Ng).

        Errors name the file, line and column. A bad row stops the run (exit 65) after
        every row before it has been written; --skip-bad-rows reports each bad row on
        stderr instead and goes on.

        Examples:
          nninfer Fixtures/trained/digits_mlp.nnz Fixtures/data/digits_test.csv
          cat rows.csv | nninfer model.nnz - --format jsonl --keep id
          nninfer model.nnz big.csv --output scores.csv --threads 2 --precision 6
        """
    )

    @Argument(help: "The .nnz model file.")
    var model: String

    @Argument(help: "The input CSV file, or - for standard input.")
    var input: String

    @Option(name: [.short, .long], help: "Write to this file instead of standard output (written in place as rows stream).")
    var output: String?

    @Option(help: "Output format: csv, tsv or jsonl.")
    var format: OutputFormat = .csv

    @Option(name: .customLong("top-k"), help: "For classifiers: write the K best labels and scores instead of every class.")
    var topK: Int?

    @Option(name: .customLong("batch-size"), help: "Rows per forward pass.")
    var batchSize = 256

    @Option(help: "Cores for parsing and inference (default: all online cores, at most 8).")
    var threads: Int?

    @Option(help: "Pass this input column through to the output (repeatable). A header name, or a 1-based column number.")
    var keep: [String] = []

    @Flag(inversion: .prefixedNo, help: "Whether the first row is a header (default: detected).")
    var header: Bool?

    @Option(help: "Significant digits for numbers (1–9); default: shortest round-trip form.")
    var precision: Int?

    @Option(help: "Input delimiter: a comma, a semicolon, or \\t (tab). Default: , (or tab for .tsv files).")
    var delimiter: InputDelimiter?

    @Flag(name: .customLong("skip-bad-rows"), help: "Report bad rows on stderr and go on instead of stopping.")
    var skipBadRows = false

    func validate() throws {
        // The library's own checks, as usage errors before the model is loaded.
        if let problem = scoringOptions.problem { throw ValidationError(problem) }
    }

    func run() throws {
        try reportingFailures {
            let loaded: Model
            do throws(FormatError) { loaded = try Model(path: model) } catch { throw Failure(error) }
            if topK != nil, !loaded.isClassifier {
                throw Failure("--top-k needs a classifier; \(model) outputs regression values", code: Exit.usage)
            }
            signal(SIGPIPE, SIG_IGN)
            let sink: CSVWriter
            let reader: CSVReader
            do throws(CSVError) {
                // The input first: a missing input must not truncate an existing --output file.
                reader = try CSVReader(path: input, delimiter: inputDelimiter, bufferSize: 1 << 21)
                sink = try CSVWriter(path: output ?? "-", bufferSize: 1 << 20)
            } catch {
                throw Failure(error.description, code: error.sysexitsCode)
            }
            do throws(ScoringError) {
                let scorer = try CSVScorer(model: loaded, options: scoringOptions)
                let summary = try scorer.score(reader, to: sink) { printError("nninfer: skipped: \($0.description)") }
                if summary.badRows > 0 {
                    printError("nninfer: skipped \(summary.badRows) bad row\(summary.badRows == 1 ? "" : "s")")
                }
            } catch {
                throw Failure(error.description, code: error.sysexitsCode)
            }
        }
    }

    /// The command line as library options.
    var scoringOptions: ScoringOptions {
        var options = ScoringOptions()
        options.format = format
        options.topK = topK
        options.batchSize = batchSize
        options.threads = threads
        options.keep = keep
        options.header = header
        options.precision = precision
        options.delimiter = inputDelimiter
        options.skipBadRows = skipBadRows
        return options
    }

    var inputDelimiter: UInt8 {
        delimiter?.byte ?? (input.hasSuffix(".tsv") ? 9 : UInt8(ascii: ","))
    }
}

/// The field separators `--delimiter` accepts; `\t` may also be given as a real tab.
enum InputDelimiter: String, ExpressibleByArgument, CaseIterable {
    case comma = ","
    case semicolon = ";"
    case tab = "\\t"

    init?(argument: String) {
        if argument == "\t" { self = .tab } else { self.init(rawValue: argument) }
    }

    var byte: UInt8 {
        switch self {
        case .comma: return UInt8(ascii: ",")
        case .semicolon: return UInt8(ascii: ";")
        case .tab: return 9
        }
    }
}

extension OutputFormat: ExpressibleByArgument {}
