import NNZCSV
import NNZRuntime

/// One block of whole records and where it is cut into pieces.
struct Block: @unchecked Sendable {
    let bytes: UnsafeBufferPointer<UInt8>
    /// End offset of each piece; piece k starts where piece k − 1 ends.
    let ends: [Int]
    let startOffset: Int64
    let name: String
    let skipBadRows: Bool

    func start(of piece: Int) -> Int { piece == 0 ? 0 : ends[piece - 1] }
}

/// Per-thread pieces, reused for every block.
final class PiecePool: @unchecked Sendable {
    let pieces: [Piece]
    /// Input bytes one round of pieces takes from a block at most: few enough records that
    /// their formatted output stays within ``outputBudget`` (a record of `fieldCount` fields
    /// is at least `fieldCount` bytes; kept fields add at most twice their own bytes).
    let roundBytes: Int

    /// Formatted output (bytes) all pieces of one round hold together, at most: 32 MiB.
    static let outputBudget = 32 << 20
    /// Values one piece's input or output batch buffer holds, at most: 4 M floats (16 MiB), so a
    /// model with very wide rows scores in smaller batches instead of allocating without bound.
    static let batchValueBudget = 1 << 22

    init(count: Int, model: Model, batchSize: Int, formatter: RowFormatter, columns: ColumnSelection, delimiter: UInt8) {
        let widest = max(1, model.inputWidth, model.outputWidth)
        let rows = max(1, min(batchSize, Self.batchValueBudget / widest))
        pieces = (0..<count).map { _ in
            Piece(model: model, batchSize: rows, formatter: formatter, columns: columns, delimiter: delimiter)
        }
        let labelBytes = formatter.encodedNames.map(\.count).max() ?? 0
        let outputBytesPerRow = model.outputWidth * (FloatFormatter.maxLength + 1) + 2 * labelBytes + 64
        let recordsPerRound = max(1, (Self.outputBudget / 3) / outputBytesPerRow)
        roundBytes = max(1, min(recordsPerRound * columns.features.fieldCount, Self.outputBudget / 3))
    }
}

/// Parses one piece of a block into floats, scores it batch by batch and formats its output
/// rows into its own in-memory writer. Everything is allocated once and reused.
final class Piece: @unchecked Sendable {
    let model: Model
    let formatter: RowFormatter
    let columns: ColumnSelection
    let batchSize: Int, delimiter: UInt8
    /// The model's scratch memory for one batch, and this piece's formatted output rows.
    let workspace: Workspace, output: CSVWriter
    /// One batch: parsed rows, their scores, and where each row's record starts.
    var inputs: [Float], outputs: [Float], recordStarts: [Int]
    /// Collapsed copies of kept fields that held doubled quotes, one per kept column.
    let keptScratch: [FieldScratch]

    // What the last `process` call did.
    var errors: [CSVError] = []
    var rows = 0
    var consumed = 0
    /// Physical lines consumed, counted from the piece's start.
    var lines = 0
    var needMore = false

    init(model: Model, batchSize: Int, formatter: RowFormatter, columns: ColumnSelection, delimiter: UInt8) {
        self.model = model
        self.batchSize = batchSize
        self.formatter = formatter
        self.columns = columns
        self.delimiter = delimiter
        workspace = model.makeWorkspace(rows: batchSize)
        output = CSVWriter.inMemory(delimiter: formatter.separator, capacity: 1 << 16)
        inputs = [Float](repeating: 0, count: batchSize * model.inputWidth)
        outputs = [Float](repeating: 0, count: batchSize * model.outputWidth)
        recordStarts = [Int](repeating: 0, count: batchSize)
        keptScratch = columns.kept.map { _ in FieldScratch() }
    }

    func process(_ block: Block, piece: Int) {
        output.removeAll()
        errors.removeAll()
        rows = 0
        consumed = 0
        lines = 0
        needMore = false
        let start = block.start(of: piece), end = block.ends[piece]
        let width = model.inputWidth
        var position = start
        parsing: while position < end {
            let records = UnsafeBufferPointer(rebasing: block.bytes[position..<end])
            let result = inputs.withUnsafeMutableBufferPointer { values in
                recordStarts.withUnsafeMutableBufferPointer { starts in
                    CSVChunkParser.parseFloats(records, complete: true, delimiter: delimiter, columns: columns.features,
                                               into: values.baseAddress!, rowStride: width, maxRows: batchSize,
                                               recordStarts: columns.kept.isEmpty ? nil : starts.baseAddress,
                                               startLine: lines + 1, startOffset: block.startOffset + Int64(position),
                                               name: block.name)
                }
            }
            if result.rows > 0,
               let (recordStart, error) = score(result.rows, records: records, firstLine: lines + 1, name: block.name,
                                                offset: block.startOffset + Int64(position)) {
                // A kept field that is not text: the rows before it stand; its record is bad.
                lines += lineFeeds(in: UnsafeBufferPointer(rebasing: records[0..<recordStart]))
                position += recordStart
                errors.append(error)
                guard skipBadRecord(block, at: &position, end: end) else { break parsing }
                continue
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
                guard skipBadRecord(block, at: &position, end: end) else { break parsing }
            }
        }
        consumed = position - start
    }

    /// With `skipBadRows`, moves `position` past the bad record starting there and returns
    /// true; otherwise leaves it and returns false (the run stops there).
    private func skipBadRecord(_ block: Block, at position: inout Int, end: Int) -> Bool {
        guard block.skipBadRows else { return false }
        let rest = UnsafeBufferPointer(rebasing: block.bytes[position..<end])
        let next = CSVChunkParser.recordBoundary(in: rest, atOrAfter: 1, complete: true) ?? rest.count
        lines += lineFeeds(in: UnsafeBufferPointer(rebasing: rest[0..<next]))
        position += next
        return true
    }

    /// Scores `count` parsed rows and formats them (with their kept fields from `records`).
    /// Stops at a kept field that is not UTF-8, returning its record's offset in `records`
    /// and the error (an in-memory writer cannot fail otherwise).
    private func score(_ count: Int, records: UnsafeBufferPointer<UInt8>, firstLine: Int, name: String,
                       offset: Int64) -> (recordStart: Int, error: CSVError)? {
        let width = model.inputWidth, outWidth = model.outputWidth
        inputs.withUnsafeBufferPointer { i in
            outputs.withUnsafeMutableBufferPointer { o in
                try! model.predict(UnsafeBufferPointer(rebasing: i[0..<(count * width)]), rows: count,
                                   into: UnsafeMutableBufferPointer(rebasing: o[0..<(count * outWidth)]),
                                   workspace: workspace)
            }
        }
        return outputs.withUnsafeBufferPointer { o -> (recordStart: Int, error: CSVError)? in
            var kept: [UnsafeBufferPointer<UInt8>] = []
            kept.reserveCapacity(columns.kept.count)
            for r in 0..<count {
                kept.removeAll(keepingCapacity: true)
                for (k, column) in columns.kept.enumerated() {
                    let recordStart = recordStarts[r]
                    // The parser checked the field count, so the field exists.
                    let (content, doubled) = CSVChunkParser.field(column, ofRecordAt: recordStart, in: records,
                                                                  delimiter: delimiter)!
                    if let bad = UTF8Validation.firstInvalidByte(content) {
                        let line = firstLine + lineFeeds(in: UnsafeBufferPointer(rebasing: records[0..<recordStart]))
                        let error = CSVError(kind: .invalidUTF8, path: name, line: line, column: column + 1,
                                             byteOffset: offset + Int64(recordStart),
                                             message: "found invalid UTF-8 (\(UTF8Validation.describe(content[bad])) at byte \(bad + 1) of the field), expected UTF-8 text")
                        return (recordStart, error)
                    }
                    kept.append(doubled ? keptScratch[k].collapsingDoubledQuotes(content) : content)
                }
                try! formatter.writeRow(UnsafeBufferPointer(rebasing: o[(r * outWidth)..<((r + 1) * outWidth)]),
                                        kept: kept, to: output)
                rows += 1
            }
            return nil
        }
    }
}

/// Line feeds in `bytes`: the physical lines a stretch of whole records spans.
func lineFeeds(in bytes: UnsafeBufferPointer<UInt8>) -> Int {
    bytes.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
}

/// A reusable buffer for one field's text with its doubled quotes collapsed.
final class FieldScratch {
    private var storage = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
    private var capacity = 64

    deinit { storage.deallocate() }

    /// `content` with each `""` turned into `"`; valid until the next call.
    func collapsingDoubledQuotes(_ content: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        if content.count > capacity {
            storage.deallocate()
            capacity = content.count
            storage = .allocate(capacity: capacity)
        }
        var count = 0
        var previousWasQuote = false
        for byte in content {
            if byte == 34 && previousWasQuote { previousWasQuote = false; continue }
            previousWasQuote = byte == 34
            storage[count] = byte
            count += 1
        }
        return UnsafeBufferPointer(start: storage, count: count)
    }
}
