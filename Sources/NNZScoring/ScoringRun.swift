import NNZCSV
import NNZRuntime

/// The state of one ``CSVScorer`` run: the header, the column selection, the ordered writes.
struct ScoringRun {
    let scorer: CSVScorer
    let reader: CSVReader
    let output: CSVWriter
    let badRow: (CSVError) -> Void
    var summary = ScoringSummary()

    init(scorer: CSVScorer, reader: CSVReader, output: CSVWriter, badRow: @escaping (CSVError) -> Void) {
        self.scorer = scorer
        self.reader = reader
        self.output = output
        self.badRow = badRow
    }

    var model: Model { scorer.model }
    var options: ScoringOptions { scorer.options }

    mutating func run() throws(ScoringError) {
        let first: [String]?
        do throws(CSVError) {
            first = try reader.nextRecord() ? reader.strings() : nil
        } catch {
            throw ScoringError(error)
        }
        guard let first else {
            throw ScoringError(.badData, "\(reader.name): empty input, expected a header line or rows of \(model.inputWidth) numbers")
        }
        let hasHeader = options.header ?? ColumnSelection.looksLikeHeader(first)
        let columns = try ColumnSelection(model: model, keep: options.keep, fieldCount: first.count,
                                          header: hasHeader ? first : nil, inputName: reader.name, line: reader.line)
        let formatter = RowFormatter(model: model, format: options.format, topK: options.topK,
                                     precision: options.precision, keptNames: columns.keptNames)
        let pieces = PiecePool(count: options.resolvedThreads, model: model, batchSize: options.batchSize,
                               formatter: formatter, columns: columns, delimiter: options.delimiter)
        let head = pieces.pieces[0].output
        head.removeAll()
        do throws(CSVError) {
            try formatter.writeHeader(kept: columns.keptNames, to: head)
            if !hasHeader {
                // The first record is data, already read as one record: score it on its own.
                try scoreCurrentRecord(columns: columns, formatter: formatter, into: head)
            }
            try output.write(contentsOf: head)
        } catch {
            throw ScoringError(error)
        }
        try stream(pieces)
    }

    /// Scores the reader's current record (the first one, when there is no header).
    mutating func scoreCurrentRecord(columns: ColumnSelection, formatter: RowFormatter, into out: CSVWriter) throws(CSVError) {
        var row = [Float](repeating: 0, count: model.inputWidth)
        do throws(CSVError) {
            try row.withUnsafeMutableBufferPointer { (values) throws(CSVError) in
                try Self.parseCurrentRecord(reader, columns: columns, into: values.baseAddress!)
            }
            for column in columns.kept { _ = try reader.string(at: column) }  // UTF-8 check
        } catch {
            try report(error)
            return
        }
        let outputs = try! model.predict(row)  // the row has the model's width
        let kept = columns.kept.map { reader.field($0) }
        try outputs.withUnsafeBufferPointer { values throws(CSVError) in
            try formatter.writeRow(values, kept: kept, to: out)
        }
        summary.rowsScored += 1
    }

    /// Parses the reader's current record into one model input row at `row` (placed by the
    /// column map): it must have the header's field count, and every feature cell must be a
    /// finite number.
    static func parseCurrentRecord(_ reader: CSVReader, columns: ColumnSelection, into row: UnsafeMutablePointer<Float>) throws(CSVError) {
        let fieldCount = columns.features.fieldCount
        guard reader.fieldCount == fieldCount else {
            throw CSVError(kind: .raggedRow(expected: fieldCount, found: reader.fieldCount), path: reader.name,
                           line: reader.line, column: min(reader.fieldCount, fieldCount) + 1, byteOffset: reader.recordOffset,
                           message: "found \(reader.fieldCount) fields, expected \(fieldCount)")
        }
        for (column, destination) in columns.features.destinations.enumerated() where destination >= 0 {
            let value = try reader.floatValue(at: column)
            guard value.isFinite else {
                throw CSVError(kind: .invalidNumber, path: reader.name, line: reader.line, column: column + 1,
                               byteOffset: reader.recordOffset, message: "found \(value), expected a finite number")
            }
            row[Int(destination)] = value
        }
    }

    /// A bad row: reported and skipped with `skipBadRows`, otherwise the end of the run.
    mutating func report(_ error: CSVError) throws(CSVError) {
        guard options.skipBadRows, !error.isIOError else { throw error }
        summary.badRows += 1
        badRow(error)
    }

    /// The time of parsing, scoring and formatting one input byte, in the flop-equivalents of
    /// ``WorkPool/partCount(work:threads:items:)``. Measured on the 2-vCPU AMD EPYC (Zen 4,
    /// AVX-512 path): the digits MLP over a 1 M-row, 154 MB CSV takes ≈ 2.2 core-seconds, 14 ns
    /// a byte, and GEMM runs ≈ 108 flops a nanosecond, so ≈ 1,500; rounded down so that
    /// only blocks of several KiB are split.
    static let workPerInputByte = 1_000

    /// Every remaining record: blocks cut into pieces, processed in parallel, written in order.
    mutating func stream(_ pool: PiecePool) throws(ScoringError) {
        let threads = pool.pieces.count
        while true {
            let chunk: CSVReader.Chunk
            do throws(CSVError) {
                guard let next = try reader.nextChunk() else { break }
                chunk = next
            } catch {
                throw ScoringError(error)
            }
            // A round takes at most `roundBytes` of the block, so the formatted output it holds
            // in memory stays bounded however wide the model's output rows are.
            var bytes = chunk.bytes
            if bytes.count > pool.roundBytes {
                let cut = CSVChunkParser.recordBoundary(in: bytes, atOrAfter: pool.roundBytes, complete: true) ?? bytes.count
                bytes = UnsafeBufferPointer(rebasing: bytes[0..<cut])
            }
            let parts = WorkPool.partCount(work: bytes.count * Self.workPerInputByte, threads: threads, items: threads)
            let ends = parts == 1 ? [bytes.count] : CSVChunkParser.split(bytes, parts: parts)
            let block = Block(bytes: bytes, ends: ends, startOffset: chunk.startOffset, name: reader.name,
                              skipBadRows: options.skipBadRows)
            if ends.count == 1 {
                pool.pieces[0].process(block, piece: 0)
            } else {
                WorkPool.run(ends.count) { pool.pieces[$0].process(block, piece: $0) }
            }
            // Write in order; a piece's line numbers count from the line its piece starts on.
            var line = chunk.startLine
            var consumed = 0
            var lines = 0
            for piece in pool.pieces.prefix(ends.count) {
                do throws(CSVError) {
                    try output.write(contentsOf: piece.output)
                    summary.rowsScored += piece.rows
                    for var error in piece.errors {
                        error.line += line - 1
                        try report(error)
                    }
                } catch {
                    throw ScoringError(error)
                }
                line += piece.lines
                lines += piece.lines
                consumed += piece.consumed
                if piece.needMore { break }
            }
            reader.consume(bytes: consumed, lines: lines)
        }
    }
}
