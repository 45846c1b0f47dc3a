import ArgumentParser
import NNZCommandLine
import Dispatch
import NNZFormat
import NNZRuntime
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
        Reads INPUT (a CSV file, or - for standard input) and writes one output row per input
        row. Input follows RFC 4180: quoted fields, CRLF or LF, a UTF-8 byte-order mark, blank
        lines, numbers like 1e-3 or +2.5.

        Columns: when the model stores feature names and the CSV has a header, columns are
        matched by name in any order and extra columns are ignored; otherwise they are taken by
        position (leaving out --keep columns) and their count must equal the model's input width.
        A header is detected when the first row is not all numbers (force with --header or
        --no-header).

        Output: for a classifier, one column per class (named by the model's class labels) and
        a `predicted` column with the winning label; with --top-k K, columns label_1, score_1,
        …, label_K, score_K instead. For regression, one column per output (y0, y1, …).
        Numbers are written in the shortest form that reads back to the same float, or with
        --precision N significant digits (like printf's %.Ng).

        Errors name the file, line and column. A bad row stops the run (exit 65) after every
        row before it has been written; --skip-bad-rows reports each bad row on stderr instead
        and goes on.

        Examples:
          nninfer Fixtures/models/digits_mlp.nnz Fixtures/data/digits_test.csv
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

    @Option(help: "Input delimiter: , or \\t (tab). Default: , (or tab for .tsv files).")
    var delimiter: String?

    @Flag(name: .customLong("skip-bad-rows"), help: "Report bad rows on stderr and go on instead of stopping.")
    var skipBadRows = false

    func validate() throws {
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let precision, !(1...9).contains(precision) { throw ValidationError("--precision must be between 1 and 9") }
        if let delimiter, delimiter != ",", delimiter != "\\t", delimiter != "\t", delimiter != ";" {
            throw ValidationError("--delimiter must be , or ; or \\t")
        }
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
            do throws(CSVError) { sink = try CSVWriter(path: output ?? "-", bufferSize: 1 << 20) } catch { throw Failure(error.description, code: error.sysexitsCode) }
            var job = try ScoringJob(command: self, model: loaded, sink: sink)
            do {
                try job.run()
                do throws(CSVError) { try sink.flush() } catch { throw Failure(error.description, code: error.sysexitsCode) }
            } catch let failure as Failure {
                try? sink.flush()
                throw failure
            }
            if job.badRows > 0 {
                printError("nninfer: skipped \(job.badRows) bad row\(job.badRows == 1 ? "" : "s")")
            }
        }
    }

    var inputDelimiter: UInt8 {
        switch delimiter {
        case "\\t", "\t": return 9
        case ";": return UInt8(ascii: ";")
        case ",": return UInt8(ascii: ",")
        default: return input.hasSuffix(".tsv") ? 9 : UInt8(ascii: ",")
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case csv, tsv, jsonl
}

/// The state of one `predict` run: column mapping, buffers, and the output layout.
struct ScoringJob {
    let command: Predict
    let model: Model
    let sink: CSVWriter
    let reader: CSVReader
    let threads: Int
    var columns: CSVColumnMap!
    var keptColumns: [Int] = []
    var badRows = 0
    var formatter: RowFormatter

    init(command: Predict, model: Model, sink: CSVWriter) throws {
        self.command = command
        self.model = model
        self.sink = sink
        do {
            reader = try CSVReader(path: command.input, delimiter: command.inputDelimiter, bufferSize: 1 << 21)
        } catch {
            throw Failure(error.description, code: error.sysexitsCode)
        }
        let online = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        threads = max(1, min(command.threads ?? min(8, max(1, online)), 64))
        formatter = RowFormatter(model: model, format: command.format, topK: command.topK, precision: command.precision)
    }

    mutating func run() throws {
        let first: [String]
        do {
            guard try reader.nextRecord() else {
                throw Failure("\(reader.name): empty input, expected a header line or rows of \(model.inputWidth) numbers", code: Exit.dataError)
            }
            first = try reader.strings()
        } catch let error as CSVError {
            throw Failure(error.description, code: error.sysexitsCode)
        }
        let firstIsNumeric = first.allSatisfy { FloatParser.parse($0) != nil }
        let hasHeader = command.header ?? !firstIsNumeric
        let headerNames = hasHeader ? first : nil
        try mapColumns(fieldCount: first.count, header: headerNames)
        let keptNames = keptColumns.map { headerNames?[$0] ?? "column\($0 + 1)" }
        formatter.keptNames = keptNames
        try write(formatter.header(kept: keptNames))

        if !hasHeader {
            // The first record is data: score it on its own before streaming the rest.
            try scoreCurrentRecord()
        }
        if keptColumns.isEmpty {
            try streamFast()
        } else {
            while try nextRecordOrFail() { try scoreCurrentRecord() }
        }
    }

    /// Decides which CSV column feeds which model input.
    mutating func mapColumns(fieldCount: Int, header: [String]?) throws {
        let line = reader.line
        for spec in command.keep {
            if let header, let index = header.firstIndex(of: spec) {
                keptColumns.append(index)
            } else if let number = Int(spec), (1...fieldCount).contains(number) {
                keptColumns.append(number - 1)
            } else {
                let available = header.map { ": the header has " + $0.joined(separator: ", ") } ?? " (no header: give a column number 1–\(fieldCount))"
                throw Failure("\(reader.name):\(line): --keep \(spec): no such column\(available)", code: Exit.usage)
            }
        }
        if let header, let names = model.featureNames {
            let (map, missing, ambiguous) = CSVColumnMap.byName(header: header, names: names)
            if !missing.isEmpty {
                throw Failure("\(reader.name):\(line): missing column\(missing.count == 1 ? "" : "s") \(missing.map { "'\($0)'" }.joined(separator: ", ")) that the model needs (it expects \(names.count) named features)", code: Exit.dataError)
            }
            if !ambiguous.isEmpty {
                throw Failure("\(reader.name):\(line): column\(ambiguous.count == 1 ? "" : "s") \(ambiguous.map { "'\($0)'" }.joined(separator: ", ")) appear more than once in the header", code: Exit.dataError)
            }
            columns = map!
            return
        }
        let featureColumns = (0..<fieldCount).filter { !keptColumns.contains($0) }
        guard featureColumns.count == model.inputWidth else {
            throw Failure("\(reader.name):\(line): found \(featureColumns.count) feature column\(featureColumns.count == 1 ? "" : "s")\(keptColumns.isEmpty ? "" : " (besides --keep)"), expected \(model.inputWidth) (the model's input width)", code: Exit.dataError)
        }
        var destinations = [Int32](repeating: -1, count: fieldCount)
        for (k, column) in featureColumns.enumerated() { destinations[column] = Int32(k) }
        columns = CSVColumnMap(fieldCount: fieldCount, destinations: destinations)
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        do { try sink.write(bytes) } catch { throw Failure(error.description, code: error.sysexitsCode) }
    }

    func nextRecordOrFail() throws -> Bool {
        do { return try reader.nextRecord() } catch { throw Failure(error.description, code: error.sysexitsCode) }
    }

    /// Slow path, one record at a time: used for the first row and when columns are kept.
    mutating func scoreCurrentRecord() throws {
        var row = [Float](repeating: 0, count: model.inputWidth)
        do {
            guard reader.fieldCount == columns.fieldCount else {
                throw CSVError(kind: .raggedRow(expected: columns.fieldCount, found: reader.fieldCount), path: reader.name,
                               line: reader.line, column: min(reader.fieldCount, columns.fieldCount) + 1, byteOffset: reader.recordOffset,
                               message: "found \(reader.fieldCount) fields, expected \(columns.fieldCount)")
            }
            for (column, destination) in columns.destinations.enumerated() where destination >= 0 {
                let value = try reader.floatValue(at: column)
                guard value.isFinite else {
                    throw CSVError(kind: .invalidNumber, path: reader.name, line: reader.line, column: column + 1,
                                   byteOffset: reader.recordOffset, message: "found \(value), expected a finite number")
                }
                row[Int(destination)] = value
            }
        } catch let error as CSVError {
            try badRow(error)
            return
        }
        let output = try model.predict(row)
        let kept = try keptColumns.map { try reader.string(at: $0) }
        try write(formatter.row(output, kept: kept))
    }

    mutating func badRow(_ error: CSVError) throws {
        guard command.skipBadRows, !error.isIOError else {
            throw Failure(error.description, code: error.sysexitsCode)
        }
        badRows += 1
        printError("nninfer: skipped: \(error.description)")
    }

    /// Fast path: whole blocks of records, split across cores, parsed, scored and formatted in
    /// parallel, then written in order.
    mutating func streamFast() throws {
        let parts = PartPool(count: threads, model: model, batchSize: command.batchSize, formatter: formatter)
        while true {
            let chunk: CSVReader.Chunk
            do {
                guard let next = try reader.nextChunk() else { break }
                chunk = next
            } catch {
                throw Failure(error.description, code: error.sysexitsCode)
            }
            let ends = threads == 1 || chunk.bytes.count < 64 << 10
                ? [chunk.bytes.count] : CSVChunkParser.split(chunk.bytes, parts: threads)
            var starts = [0]
            starts.append(contentsOf: ends.dropLast())
            let context = ChunkContext(bytes: chunk.bytes, starts: starts, ends: ends,
                                       startOffset: chunk.startOffset, columns: columns, delimiter: command.inputDelimiter,
                                       name: reader.name)
            if ends.count == 1 {
                parts.parts[0].process(context, piece: 0, skipBadRows: command.skipBadRows)
            } else {
                let skip = command.skipBadRows
                DispatchQueue.concurrentPerform(iterations: ends.count) { piece in
                    parts.parts[piece].process(context, piece: piece, skipBadRows: skip)
                }
            }
            // Write in order; line numbers accumulate across pieces.
            var line = chunk.startLine
            var consumed = 0
            var lines = 0
            for piece in 0..<ends.count {
                let part = parts.parts[piece]
                try write(part.output.bytes)
                for var error in part.errors {
                    error.line += line - 1
                    badRows += 1
                    if command.skipBadRows && !error.isIOError {
                        printError("nninfer: skipped: \(error.description)")
                    } else {
                        throw Failure(error.description, code: error.sysexitsCode)
                    }
                }
                line += part.lines
                lines += part.lines
                consumed += part.consumed
                if part.needMore { break }
            }
            reader.consume(bytes: consumed, lines: lines)
        }
    }
}

/// One block of records and how it is cut into pieces.
struct ChunkContext: @unchecked Sendable {
    let bytes: UnsafeBufferPointer<UInt8>
    let starts: [Int]
    let ends: [Int]
    let startOffset: Int64
    let columns: CSVColumnMap
    let delimiter: UInt8
    let name: String
}

/// Per-core buffers, reused for every block.
final class PartPool: @unchecked Sendable {
    let parts: [Part]
    init(count: Int, model: Model, batchSize: Int, formatter: RowFormatter) {
        parts = (0..<count).map { _ in Part(model: model, batchSize: batchSize, formatter: formatter) }
    }
}

/// Parses one piece of a block into floats, scores it batch by batch and formats the output.
final class Part: @unchecked Sendable {
    let model: Model
    let batchSize: Int
    let formatter: RowFormatter
    let workspace: Workspace
    var inputs: [Float]
    var outputs: [Float]
    var output = ByteBuffer()
    var errors: [CSVError] = []
    var consumed = 0
    var lines = 0
    var needMore = false

    init(model: Model, batchSize: Int, formatter: RowFormatter) {
        self.model = model
        self.batchSize = batchSize
        self.formatter = formatter
        workspace = model.makeWorkspace(rows: batchSize)
        inputs = [Float](repeating: 0, count: batchSize * model.inputWidth)
        outputs = [Float](repeating: 0, count: batchSize * model.outputWidth)
    }

    func process(_ context: ChunkContext, piece: Int, skipBadRows: Bool) {
        output.removeAll()
        errors.removeAll()
        consumed = 0
        lines = 0
        needMore = false
        let start = context.starts[piece], end = context.ends[piece]
        let width = model.inputWidth, outWidth = model.outputWidth
        var position = start
        while position < end {
            let block = UnsafeBufferPointer(rebasing: context.bytes[position..<end])
            var result = inputs.withUnsafeMutableBufferPointer { buffer in
                CSVChunkParser.parseFloats(block, complete: true, delimiter: context.delimiter,
                                           columns: context.columns, into: buffer.baseAddress!, rowStride: width,
                                           maxRows: batchSize, startLine: lines + 1,
                                           startOffset: context.startOffset + Int64(position), name: context.name)
            }
            if let bad = inputs[0..<(result.rows * width)].firstIndex(where: { !$0.isFinite }) {
                result = nonFinite(at: bad, in: block, result: result, context: context, blockOffset: position)
            }
            if result.rows > 0 {
                inputs.withUnsafeBufferPointer { i in
                    outputs.withUnsafeMutableBufferPointer { o in
                        try! model.predict(UnsafeBufferPointer(rebasing: i[0..<(result.rows * width)]), rows: result.rows,
                                           into: UnsafeMutableBufferPointer(rebasing: o[0..<(result.rows * outWidth)]),
                                           workspace: workspace)
                    }
                }
                outputs.withUnsafeBufferPointer { o in
                    for r in 0..<result.rows {
                        formatter.append(UnsafeBufferPointer(rebasing: o[(r * outWidth)..<((r + 1) * outWidth)]), to: &output)
                    }
                }
            }
            position += result.consumed
            lines += result.lines
            switch result.status {
            case .complete, .full:
                continue
            case .needMore:
                needMore = true
                consumed = position - start
                return
            case .failed:
                errors.append(result.error!)
                guard skipBadRows else {
                    consumed = position - start
                    return
                }
                // Skip the bad record: resume after its end.
                let rest = UnsafeBufferPointer(rebasing: context.bytes[position..<end])
                let next = CSVChunkParser.recordBoundary(in: rest, atOrAfter: 1, complete: true) ?? rest.count
                lines += rest[0..<next].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
                position += next
            }
        }
        consumed = position - start
    }

    /// Turns a parsed NaN or infinity into a row error: the rows before it stand, the run
    /// stops (or skips) at its record, as for any other bad cell.
    func nonFinite(at flatIndex: Int, in block: UnsafeBufferPointer<UInt8>, result: CSVChunkResult,
                   context: ChunkContext, blockOffset: Int) -> CSVChunkResult {
        let width = model.inputWidth
        let row = flatIndex / width, feature = flatIndex % width
        var offset = 0
        for _ in 0..<row {
            offset = CSVChunkParser.recordBoundary(in: block, atOrAfter: offset + 1, complete: true) ?? block.count
        }
        while offset < block.count, block[offset] == 10 || block[offset] == 13 { offset += 1 }
        let newlines = block[0..<offset].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        let column = (context.columns.destinations.firstIndex(of: Int32(feature)) ?? feature) + 1
        let value = inputs[flatIndex]
        let error = CSVError(kind: .invalidNumber, path: context.name, line: lines + 1 + newlines, column: column,
                             byteOffset: context.startOffset + Int64(blockOffset + offset),
                             message: "found \(value.isNaN ? "NaN" : value > 0 ? "infinity" : "-infinity"), expected a finite number")
        return CSVChunkResult(status: .failed, rows: row, consumed: offset, lines: newlines, error: error)
    }
}
