#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Byte-level RFC 4180 scanning shared by `CSVReader` and `CSVChunkParser`.
//
// Conventions: a record ends at LF, CR LF or a lone CR (outside quotes), or at the end of the
// input. Positions are byte offsets from a base pointer; `limit` is the end of the valid bytes
// and `final` says whether the input ends there (otherwise hitting `limit` means "need more").


/// Result of scanning one field.
@usableFromInline
struct CSVFieldScan {
    @usableFromInline enum Stop { case delimiter, recordEnd, needMore, error }
    @usableFromInline var stop: Stop = .needMore
    /// Content (without the surrounding quotes; `""` pairs still doubled when `escaped`).
    @usableFromInline var contentStart = 0
    @usableFromInline var contentEnd = 0
    /// First byte after the delimiter / record terminator.
    @usableFromInline var next = 0
    @usableFromInline var quoted = false
    @usableFromInline var escaped = false
    /// Physical line breaks inside the quoted content.
    @usableFromInline var newlines = 0
    // error details
    @usableFromInline var errorKind: CSVError.Kind = .unterminatedQuote
    @usableFromInline var errorPos = 0
    @usableFromInline var errorMessage = ""

    @inlinable init() {}
}

@usableFromInline
enum CSVScan {
    /// Scans the field starting at `pos`.
    @usableFromInline
    static func scanField(_ b: UnsafePointer<UInt8>, _ pos: Int, _ limit: Int, _ final: Bool,
                          _ delim: UInt8) -> CSVFieldScan {
        var r = CSVFieldScan()
        let maxSpecial = max(delim, ASCII.quote)
        var i = pos
        if i < limit && b[i] == ASCII.quote {
            return scanQuoted(b, pos, limit, final, delim)
        }
        while i < limit {
            let c = b[i]
            if c > maxSpecial { i &+= 1; continue }
            if c == delim {
                r.contentStart = pos; r.contentEnd = i; r.next = i + 1; r.stop = .delimiter
                return r
            }
            if c == ASCII.lineFeed {
                r.contentStart = pos; r.contentEnd = i; r.next = i + 1; r.stop = .recordEnd
                return r
            }
            if c == ASCII.carriageReturn {
                r.contentStart = pos; r.contentEnd = i
                return finishCR(&r, b, i, limit, final)
            }
            if c == ASCII.quote {
                r.stop = .error
                r.errorKind = .quoteInUnquotedField
                r.errorPos = i
                r.errorMessage = "found '\"' inside an unquoted field, expected a delimiter or a line end (quote the whole field and double inner quotes)"
                return r
            }
            i &+= 1
        }
        if final {
            r.contentStart = pos; r.contentEnd = limit; r.next = limit; r.stop = .recordEnd
        }
        return r   // .needMore
    }

    /// Sets the record end after a CR at `i` (CR LF or lone CR).
    @inline(__always) @usableFromInline
    static func finishCR(_ r: inout CSVFieldScan, _ b: UnsafePointer<UInt8>, _ i: Int, _ limit: Int,
                         _ final: Bool) -> CSVFieldScan {
        if i + 1 < limit {
            r.next = b[i + 1] == ASCII.lineFeed ? i + 2 : i + 1
            r.stop = .recordEnd
        } else if final {
            r.next = i + 1
            r.stop = .recordEnd
        } else {
            r.stop = .needMore
        }
        return r
    }

    @usableFromInline
    static func scanQuoted(_ b: UnsafePointer<UInt8>, _ pos: Int, _ limit: Int, _ final: Bool,
                           _ delim: UInt8) -> CSVFieldScan {
        var r = CSVFieldScan()
        r.quoted = true
        r.contentStart = pos + 1
        var i = pos + 1
        while true {
            guard let q = findByte(ASCII.quote, b, i, limit) else {
                if final {
                    r.stop = .error
                    r.errorKind = .unterminatedQuote
                    r.errorPos = pos
                    r.errorMessage = "unterminated quoted field: found end of file, expected a closing '\"'"
                }
                return r
            }
            if q + 1 >= limit {
                if !final { return r }
                r.contentEnd = q
                r.next = limit
                r.stop = .recordEnd
                break
            }
            let c = b[q + 1]
            if c == ASCII.quote {
                r.escaped = true
                i = q + 2
                continue
            }
            r.contentEnd = q
            if c == delim {
                r.next = q + 2
                r.stop = .delimiter
            } else if c == ASCII.lineFeed {
                r.next = q + 2
                r.stop = .recordEnd
            } else if c == ASCII.carriageReturn {
                _ = finishCR(&r, b, q + 1, limit, final)
                if r.stop == .needMore { return r }
            } else {
                r.stop = .error
                r.errorKind = .garbageAfterQuote
                r.errorPos = q + 1
                r.errorMessage = "found \(describeByte(c)) after a closing quote, expected a delimiter or a line end"
                return r
            }
            break
        }
        r.newlines = countLineBreaks(b, r.contentStart, r.contentEnd)
        return r
    }

    /// LF, CR LF and lone CR each count as one line break.
    @usableFromInline
    static func countLineBreaks(_ b: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Int {
        var n = 0
        var i = from
        while i < to {
            let c = b[i]
            if c == ASCII.lineFeed {
                n += 1
            } else if c == ASCII.carriageReturn {
                if !(i + 1 < to && b[i + 1] == ASCII.lineFeed) { n += 1 }
            }
            i += 1
        }
        return n
    }

    @inline(__always) @usableFromInline
    static func findByte(_ c: UInt8, _ b: UnsafePointer<UInt8>, _ from: Int, _ limit: Int) -> Int? {
        if from >= limit { return nil }
        guard let p = memchr(b + from, Int32(c), limit - from) else { return nil }
        return UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self) - b
    }

    @inline(__always) @usableFromInline
    static func findByteBackward(_ c: UInt8, _ b: UnsafePointer<UInt8>, _ from: Int, _ limit: Int) -> Int? {
        var i = limit - 1
        while i >= from {
            if b[i] == c { return i }
            i -= 1
        }
        return nil
    }

    /// Last record boundary (position just after a terminator outside quotes) in `from..<to`,
    /// where `from` is itself a record boundary. A CR as the last byte is not a boundary unless
    /// `final` (an LF might follow).
    @usableFromInline
    static func lastBoundary(_ b: UnsafePointer<UInt8>, _ from: Int, _ to: Int, _ final: Bool) -> Int? {
        var best: Int? = nil
        var pos = from
        while pos < to {
            // Outside quotes from `pos`: the stretch up to the next quote (or `to`).
            let q = findByte(ASCII.quote, b, pos, to)
            let stretchEnd = q ?? to
            if let t = lastTerminator(b, pos, stretchEnd, to, final) { best = t }
            guard let open = q else { break }
            // Inside quotes: find the closing quote ("" pairs re-open immediately).
            guard let close = findByte(ASCII.quote, b, open + 1, to) else { break }
            pos = close + 1
        }
        return best
    }

    /// Position after the last terminator in `from..<to` (no quotes in this range).
    @inline(__always) @usableFromInline
    static func lastTerminator(_ b: UnsafePointer<UInt8>, _ from: Int, _ to: Int, _ dataEnd: Int,
                               _ final: Bool) -> Int? {
        let lf = findByteBackward(ASCII.lineFeed, b, from, to)
        var cr = findByteBackward(ASCII.carriageReturn, b, lf.map { $0 + 1 } ?? from, to)
        if let c = cr, c + 1 >= dataEnd, !final {
            // A trailing CR might be the first half of CR LF: not a boundary yet.
            cr = findByteBackward(ASCII.carriageReturn, b, lf.map { $0 + 1 } ?? from, c)
        }
        if let c = cr { return c + 1 }
        if let l = lf { return l + 1 }
        return nil
    }

    /// First record boundary at or after `target`, scanning quote state from `from` (a record
    /// boundary). Returns nil when there is none before `to`.
    @usableFromInline
    static func boundary(atOrAfter target: Int, _ b: UnsafePointer<UInt8>, _ from: Int, _ to: Int,
                         _ final: Bool) -> Int? {
        if target <= from { return from }
        // Establish the quote state at `target`.
        var pos = from
        var inQuote = false
        while true {
            guard let q = findByte(ASCII.quote, b, pos, target) else { break }
            inQuote.toggle()
            pos = q + 1
        }
        var i = target
        // Is `target` itself a boundary (previous byte a terminator outside quotes)?
        if !inQuote {
            let prev = b[target - 1]
            if prev == ASCII.lineFeed { return target }
            if prev == ASCII.carriageReturn && b[target] != ASCII.lineFeed { return target }
        }
        while i < to {
            let c = b[i]
            if c == ASCII.quote {
                inQuote.toggle()
            } else if !inQuote {
                if c == ASCII.lineFeed { return i + 1 }
                if c == ASCII.carriageReturn {
                    if i + 1 < to { return b[i + 1] == ASCII.lineFeed ? i + 2 : i + 1 }
                    return final ? i + 1 : nil
                }
            }
            i += 1
        }
        return nil
    }
}

/// Maps CSV columns to positions in an output row of floats.
public struct CSVColumnMap: Sendable, Equatable {
    /// Number of fields every record must have.
    public let fieldCount: Int
    /// For each CSV column, the index in the output row, or -1 to ignore the column (ignored
    /// columns are skipped without being parsed, so they may hold text).
    public let destinations: [Int32]
    /// Number of output values per row (`max(destinations) + 1`).
    public let outputCount: Int

    public init(fieldCount: Int, destinations: [Int32]) {
        precondition(destinations.count == fieldCount, "one destination per field")
        self.fieldCount = fieldCount
        self.destinations = destinations
        self.outputCount = Int(destinations.max() ?? -1) + 1
    }

    /// Every column, in order.
    public init(identity n: Int) {
        self.init(fieldCount: n, destinations: (0..<n).map { Int32($0) })
    }

    /// Output value `k` comes from the header column named `names[k]`; other columns ignored.
    /// Names are compared as UTF-8 bytes, with no Unicode normalization (`é` written as one
    /// code point and as `e` + combining accent are different names), as the model format
    /// compares them. Returns the names not found in the header and those present more than
    /// once (both must be empty for `map` to be non-nil).
    public static func byName(header: [String], names: [String])
        -> (map: CSVColumnMap?, missing: [String], ambiguous: [String])
    {
        var positions: [[UInt8]: [Int]] = [:]
        for (i, h) in header.enumerated() { positions[Array(h.utf8), default: []].append(i) }
        var dest = [Int32](repeating: -1, count: header.count)
        var missing: [String] = []
        var ambiguous: [String] = []
        for (k, name) in names.enumerated() {
            guard let p = positions[Array(name.utf8)] else { missing.append(name); continue }
            if p.count > 1 { ambiguous.append(name); continue }
            if dest[p[0]] != -1 { ambiguous.append(name); continue }
            dest[p[0]] = Int32(k)
        }
        if !missing.isEmpty || !ambiguous.isEmpty { return (nil, missing, ambiguous) }
        return (CSVColumnMap(fieldCount: header.count, destinations: dest), [], [])
    }
}

/// Outcome of parsing a block of records into floats.
public struct CSVChunkResult: Sendable {
    /// Why parsing stopped.
    public enum Status: Sendable, Equatable {
        /// Every byte of the block was consumed.
        case complete
        /// `maxRows` rows were produced; `consumed` says where to resume.
        case full
        /// The block ends inside a record (only when not `complete`); `consumed` is that record's start.
        case needMore
        /// A syntax or content error; see `error`. Rows before it are valid.
        case failed
    }
    /// Why parsing stopped.
    public var status: Status
    /// Rows written to the output.
    public var rows: Int
    /// Bytes consumed from the block start (whole records and blank lines only).
    public var consumed: Int
    /// Physical lines consumed (records, blank lines, line breaks inside quoted fields).
    public var lines: Int
    /// The failure, when `status` is `.failed`; rows before it are valid.
    public var error: CSVError?

    public init(status: Status, rows: Int, consumed: Int, lines: Int, error: CSVError? = nil) {
        self.status = status
        self.rows = rows
        self.consumed = consumed
        self.lines = lines
        self.error = error
    }
}

/// Bulk parsing of numeric CSV records straight into a row-major float matrix.
///
/// Designed for splitting work across cores: take a block of whole records
/// (`CSVReader.nextChunk()`), cut it with `split(_:parts:)`, and parse the pieces
/// independently (each with its own output rows); line numbers in errors are relative to the
/// `startLine` passed in, so add the lines of the preceding pieces.
public enum CSVChunkParser {

    /// Parses every record of `block` (which must start on a record boundary).
    ///
    /// - Parameters:
    ///   - complete: the block ends on a record boundary — the end of the input, or a boundary
    ///     found by `recordBoundary`, `split` or `CSVReader.nextChunk()` — so its last record
    ///     may lack a terminator. When false, more bytes may follow the block and a trailing
    ///     partial record is left unconsumed (`status == .needMore`).
    ///   - columns: field count check and column → output mapping.
    ///   - out: row `r` is written at `out + r * rowStride` (only mapped positions are written).
    ///   - maxRows: stop (`.full`) after this many rows.
    ///   - allowNonFinite: accept `nan`, `inf` and overflowing numbers (`1e999`) as NaN and
    ///     ±infinity; by default such a cell is an `.invalidNumber` error at its line and column
    ///   ("found NaN, expected a finite number").
    ///   - recordStarts: when given, `recordStarts[r]` receives the offset in `block` where the
    ///     record of row `r` starts (room for `maxRows`), e.g. to read pass-through columns with
    ///     ``field(_:ofRecordAt:in:delimiter:)``.
    ///   - startLine / startOffset / name: used only to build error values.
    /// - Returns: the outcome; on `.failed`, `error` has the line (of the offending field's
    ///   start), the 1-based column and the byte offset.
    public static func parseFloats(
        _ block: UnsafeBufferPointer<UInt8>, complete: Bool, delimiter: UInt8 = UInt8(ascii: ","),
        columns: CSVColumnMap, into out: UnsafeMutablePointer<Float>, rowStride: Int, maxRows: Int,
        allowNonFinite: Bool = false, recordStarts: UnsafeMutablePointer<Int>? = nil,
        startLine: Int = 1, startOffset: Int64 = 0, name: String = "<input>"
    ) -> CSVChunkResult {
        guard let b = block.baseAddress, block.count > 0 else {
            return CSVChunkResult(status: .complete, rows: 0, consumed: 0, lines: 0, error: nil)
        }
        return columns.destinations.withUnsafeBufferPointer { map in
            parseFloatsImpl(b, block.count, complete, delimiter, map.baseAddress!, columns.fieldCount,
                            out, rowStride, maxRows, allowNonFinite, recordStarts, startLine, startOffset, name)
        }
    }

    /// Field `column` (0-based) of the record starting at `offset` in `block` (a block of whole
    /// records, as given to ``parseFloats(_:complete:delimiter:columns:into:rowStride:maxRows:allowNonFinite:recordStarts:startLine:startOffset:name:)``):
    /// its content without the surrounding quotes, and whether it still holds doubled quotes
    /// (`""`) to collapse. Nil when the record has fewer fields.
    public static func field(_ column: Int, ofRecordAt offset: Int, in block: UnsafeBufferPointer<UInt8>,
                             delimiter: UInt8 = UInt8(ascii: ",")) -> (content: UnsafeBufferPointer<UInt8>, hasDoubledQuotes: Bool)? {
        guard let b = block.baseAddress else { return nil }
        var position = offset
        var index = 0
        while position <= block.count {
            let scan = CSVScan.scanField(b, position, block.count, true, delimiter)
            guard scan.stop == .delimiter || scan.stop == .recordEnd else { return nil }
            if index == column {
                return (UnsafeBufferPointer(start: b + scan.contentStart, count: scan.contentEnd - scan.contentStart), scan.escaped)
            }
            if scan.stop == .recordEnd { return nil }
            index += 1
            position = scan.next
        }
        return nil
    }

    /// The first record boundary at or after `offset` in a block starting on a record boundary
    /// (quote-aware), or `nil` if there is none (then the rest is one partial record; with
    /// `complete` the block's end counts as a boundary).
    public static func recordBoundary(in block: UnsafeBufferPointer<UInt8>, atOrAfter offset: Int,
                                      complete: Bool) -> Int? {
        guard let b = block.baseAddress else { return nil }
        if offset >= block.count { return complete ? block.count : nil }
        // A last record without a terminator ends at the block's end when the block is complete.
        return CSVScan.boundary(atOrAfter: offset, b, 0, block.count, complete) ?? (complete ? block.count : nil)
    }

    /// Splits a block of complete records (ending on a record boundary) into at most `parts`
    /// pieces of similar size, each starting and ending on a record boundary. Returns the piece
    /// end offsets (the last is `block.count`); parse every piece with `complete: true`.
    public static func split(_ block: UnsafeBufferPointer<UInt8>, parts: Int) -> [Int] {
        var ends: [Int] = []
        var last = 0
        if parts > 1, let b = block.baseAddress {
            for k in 1..<parts {
                let target = block.count * k / parts
                if target <= last { continue }
                guard let cut = CSVScan.boundary(atOrAfter: target, b, 0, block.count, true),
                      cut > last, cut < block.count else { continue }
                ends.append(cut)
                last = cut
            }
        }
        ends.append(block.count)
        return ends
    }

    @usableFromInline
    static func parseFloatsImpl(
        _ b: UnsafePointer<UInt8>, _ limit: Int, _ isFinal: Bool, _ delim: UInt8,
        _ map: UnsafePointer<Int32>, _ nf: Int, _ out: UnsafeMutablePointer<Float>, _ stride: Int,
        _ maxRows: Int, _ allowNonFinite: Bool, _ recordStarts: UnsafeMutablePointer<Int>?,
        _ startLine: Int, _ startOffset: Int64, _ name: String
    ) -> CSVChunkResult {
        let end = b + limit
        // The fast number scanner reads until a non-number byte without bounds checks; it is
        // only used for fields starting before the last line terminator, which stops it.
        var hotLimit = 0
        let lastByte = b[limit - 1]
        if lastByte == ASCII.lineFeed || lastByte == ASCII.carriageReturn {
            hotLimit = limit
        } else {
            let lf = CSVScan.findByteBackward(ASCII.lineFeed, b, 0, limit) ?? -1
            let cr = CSVScan.findByteBackward(ASCII.carriageReturn, b, max(lf, 0), limit) ?? -1
            hotLimit = max(lf, cr) + 1
        }
        let hotEnd = b + hotLimit

        var p = b
        var rows = 0
        var lines = 0

        @inline(never)
        func failure(_ kind: CSVError.Kind, _ message: String, lineOffset: Int, column: Int, at pos: Int,
                     field: String? = nil, consumed: Int) -> CSVChunkResult {
            let e = CSVError(kind: kind, path: name, line: startLine + lineOffset, column: column,
                             byteOffset: startOffset + Int64(pos), message: message, field: field)
            return CSVChunkResult(status: .failed, rows: rows, consumed: consumed, lines: lines, error: e)
        }

        while true {
            // Blank lines.
            while p < end {
                let c = p.pointee
                if c == ASCII.lineFeed {
                    p += 1
                    lines += 1
                } else if c == ASCII.carriageReturn {
                    if p + 1 < end {
                        p += p[1] == ASCII.lineFeed ? 2 : 1
                    } else if isFinal {
                        p += 1
                    } else {
                        return CSVChunkResult(status: .needMore, rows: rows, consumed: p - b, lines: lines, error: nil)
                    }
                    lines += 1
                } else {
                    break
                }
            }
            if p >= end {
                return CSVChunkResult(status: .complete, rows: rows, consumed: limit, lines: lines, error: nil)
            }
            if rows == maxRows {
                return CSVChunkResult(status: .full, rows: rows, consumed: p - b, lines: lines, error: nil)
            }
            let record = p
            recordStarts?[rows] = record - b
            let row = out + rows &* stride
            var col = 0
            var extraLines = 0
            while true {
                let d = col < nf ? Int(map[col]) : -1
                var endsRecord = false
                if d >= 0 {
                    // Hot path: unquoted simple number followed by a delimiter or a line end.
                    if p < hotEnd, let (v, q) = FloatParser.scanSimple(p), allowNonFinite || v.isFinite {
                        let c = q.pointee
                        if c == delim {
                            row[d] = v
                            p = q + 1
                            col &+= 1
                            continue
                        }
                        if c == ASCII.lineFeed {
                            row[d] = v
                            p = q + 1
                            col &+= 1
                            break
                        }
                        if c == ASCII.carriageReturn && q + 1 < end {
                            row[d] = v
                            p = q + (q[1] == ASCII.lineFeed ? 2 : 1)
                            col &+= 1
                            break
                        }
                    }
                    // Slow path: delimit the field, then the general parser.
                    let fs = CSVScan.scanField(b, p - b, limit, isFinal, delim)
                    switch fs.stop {
                    case .needMore:
                        return CSVChunkResult(status: .needMore, rows: rows, consumed: record - b, lines: lines, error: nil)
                    case .error:
                        return failure(fs.errorKind, fs.errorMessage, lineOffset: lines + extraLines,
                                       column: col + 1, at: fs.errorPos, consumed: record - b)
                    case .delimiter, .recordEnd:
                        break
                    }
                    let n = fs.contentEnd - fs.contentStart
                    guard let v = FloatParser.parse(b + fs.contentStart, count: n) else {
                        let text = cellText(b + fs.contentStart, n)
                        let msg = n == 0 && !fs.quoted
                            ? "found an empty field, expected a number"
                            : "found \"\(text)\", expected a number"
                        return failure(.invalidNumber, msg, lineOffset: lines + extraLines, column: col + 1,
                                       at: p - b, field: text, consumed: record - b)
                    }
                    if !allowNonFinite && !v.isFinite {
                        let found = v.isNaN ? "NaN" : v > 0 ? "infinity" : "-infinity"
                        return failure(.invalidNumber, "found \(found), expected a finite number",
                                       lineOffset: lines + extraLines, column: col + 1, at: p - b,
                                       field: cellText(b + fs.contentStart, n), consumed: record - b)
                    }
                    row[d] = v
                    extraLines += fs.newlines
                    p = b + fs.next
                    endsRecord = fs.stop == .recordEnd
                } else {
                    let fs = CSVScan.scanField(b, p - b, limit, isFinal, delim)
                    switch fs.stop {
                    case .needMore:
                        return CSVChunkResult(status: .needMore, rows: rows, consumed: record - b, lines: lines, error: nil)
                    case .error:
                        return failure(fs.errorKind, fs.errorMessage, lineOffset: lines + extraLines,
                                       column: col + 1, at: fs.errorPos, consumed: record - b)
                    case .delimiter, .recordEnd:
                        break
                    }
                    extraLines += fs.newlines
                    p = b + fs.next
                    endsRecord = fs.stop == .recordEnd
                }
                col &+= 1
                if endsRecord { break }
            }
            if col != nf {
                return failure(.raggedRow(expected: nf, found: col),
                               "found \(col) field\(col == 1 ? "" : "s"), expected \(nf) (as in the header)",
                               lineOffset: lines, column: min(col, nf) + 1, at: record - b,
                               consumed: record - b)
            }
            lines &+= 1 &+ extraLines
            rows &+= 1
        }
    }
}
