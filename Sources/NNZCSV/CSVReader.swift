#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Streaming RFC 4180 CSV reader over a file descriptor, with flat memory use.
///
/// * Reads with `read(2)` into one buffer (1 MiB by default) that only grows when a single
///   record is larger than it (up to `maxRecordBytes`).
/// * Records end at LF, CR LF, a lone CR, or the end of the input (last line without newline).
///   Empty lines are skipped. A UTF-8 byte order mark at the very start is skipped.
/// * Fields may be quoted with `"`; inside quotes, `""` is a quote and delimiters / line
///   breaks are literal. A quote inside an unquoted field, anything but a delimiter or a line end
///   after a closing quote, and end of file inside quotes are errors.
/// * `line` is the 1-based physical line on which the current record starts (line breaks inside
///   quoted fields count); errors carry line, 1-based column (field index) and byte offset.
///
/// Field views (`field(_:)`) point into the buffer and stay valid until the next call that
/// reads (`nextRecord`, `readFloatRows`, `nextChunk`, `consume`).
public final class CSVReader {
    /// Name used in error messages (the path, or `<stdin>`).
    public let name: String
    /// The field separator byte (`,` or tab).
    public let delimiter: UInt8
    /// Largest record accepted before failing with `.recordTooLarge` (default 64 MiB).
    public var maxRecordBytes: Int = 64 << 20

    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buf: UnsafeMutablePointer<UInt8>
    private var cap: Int
    private var start = 0            // first unconsumed byte
    private var filled = 0           // end of valid bytes
    private var eof = false
    private var bufferOffset: Int64 = 0   // input offset of buf[0]
    private var nextLine = 1         // physical line number at `start`
    private var primed = false

    private var fieldPos: UnsafeMutablePointer<Int>   // start, end per field
    private var fieldCap = 64

    /// Number of fields in the current record.
    public private(set) var fieldCount = 0
    /// 1-based physical line on which the current record starts (0 before the first record).
    public private(set) var line = 0
    /// Byte offset of the current record in the input.
    public private(set) var recordOffset: Int64 = 0

    /// Opens `path` for reading (`"-"` means standard input).
    /// Throws `.fileNotFound`, `.permissionDenied`, `.isDirectory` or `.openFailed`.
    public convenience init(path: String, delimiter: UInt8 = UInt8(ascii: ","), bufferSize: Int = 1 << 20) throws(CSVError) {
        if path == "-" {
            try self.init(fileDescriptor: 0, name: "<stdin>", delimiter: delimiter, bufferSize: bufferSize)
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw CSVError.fromOpen(errno: errno, path: path) }
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw CSVError.fromOpen(errno: EISDIR, path: path)
        }
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        #endif
        self.init(owned: fd, name: path, delimiter: delimiter, bufferSize: bufferSize)
    }

    /// Reads from an already open descriptor (not closed unless `closeWhenDone`).
    public convenience init(fileDescriptor: Int32, name: String, delimiter: UInt8 = UInt8(ascii: ","),
                            bufferSize: Int = 1 << 20, closeWhenDone: Bool = false) throws(CSVError) {
        var st = stat()
        if fstat(fileDescriptor, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            throw CSVError.fromOpen(errno: EISDIR, path: name)
        }
        self.init(descriptor: fileDescriptor, owns: closeWhenDone, name: name, delimiter: delimiter,
                  bufferSize: bufferSize)
    }

    private convenience init(owned fd: Int32, name: String, delimiter: UInt8, bufferSize: Int) {
        self.init(descriptor: fd, owns: true, name: name, delimiter: delimiter, bufferSize: bufferSize)
    }

    private init(descriptor: Int32, owns: Bool, name: String, delimiter: UInt8, bufferSize: Int) {
        precondition(delimiter != ASCII.quote && delimiter != ASCII.lineFeed && delimiter != ASCII.carriageReturn,
                     "the delimiter cannot be a quote or a line break")
        self.fd = descriptor
        self.ownsDescriptor = owns
        self.name = name
        self.delimiter = delimiter
        self.cap = max(bufferSize, 64)
        self.buf = .allocate(capacity: cap + 16)
        self.fieldPos = .allocate(capacity: 2 * fieldCap)
    }

    deinit {
        buf.deallocate()
        fieldPos.deallocate()
        if ownsDescriptor { close(fd) }
    }

    // MARK: - Buffer management

    /// Compacts, grows if full, and reads once. Returns false at end of input.
    @discardableResult
    private func fill() throws(CSVError) -> Bool {
        if eof { return false }
        if start > 0 {
            let n = filled - start
            if n > 0 { memmove(buf, buf + start, n) }
            bufferOffset += Int64(start)
            filled = n
            start = 0
        }
        if filled == cap {
            if cap >= maxRecordBytes {
                throw CSVError(kind: .recordTooLarge(limit: maxRecordBytes), path: name, line: nextLine,
                               column: 0, byteOffset: bufferOffset,
                               message: "record larger than \(maxRecordBytes) bytes (unbalanced quote?), expected records to fit in memory")
            }
            let newCap = min(cap * 2, max(maxRecordBytes, cap))
            let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: newCap + 16)
            nb.update(from: buf, count: filled)
            buf.deallocate()
            buf = nb
            cap = newCap
        }
        while true {
            let n = read(fd, buf + filled, cap - filled)
            if n > 0 {
                filled += n
                return true
            }
            if n == 0 {
                eof = true
                return false
            }
            let e = errno
            if e == EINTR { continue }
            throw CSVError.fromRead(errno: e, path: name, offset: bufferOffset + Int64(filled))
        }
    }

    /// Reads until the buffer is full or the input ends.
    private func fillUp() throws(CSVError) {
        try fill()
        while !eof && filled < cap {
            if !(try fill()) { break }
        }
    }

    private func prime() throws(CSVError) {
        primed = true
        while filled < 3 && !eof { try fill() }
        if filled >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF {
            start = 3
        }
    }

    // MARK: - Record API

    /// Advances to the next record; false at the end of the input (blank lines are skipped).
    public func nextRecord() throws(CSVError) -> Bool {
        if !primed { try prime() }
        fieldCount = 0
        while true {
            // Skip blank lines.
            var pos = start
            var needMore = false
            while pos < filled {
                let c = buf[pos]
                if c == ASCII.lineFeed {
                    pos += 1
                } else if c == ASCII.carriageReturn {
                    if pos + 1 < filled {
                        pos += buf[pos + 1] == ASCII.lineFeed ? 2 : 1
                    } else if eof {
                        pos += 1
                    } else {
                        needMore = true
                        break
                    }
                } else {
                    break
                }
                nextLine += 1
            }
            start = pos
            if needMore || pos == filled {
                if eof && pos == filled { return false }
                try fill()
                continue
            }
            // Scan the record.
            var p = pos
            var extraLines = 0
            var n = 0
            var complete = false
            while true {
                let fs = CSVScan.scanField(buf, p, filled, eof, delimiter)
                if fs.stop == .needMore { break }
                if fs.stop == .error {
                    throw CSVError(kind: fs.errorKind, path: name, line: nextLine + extraLines, column: n + 1,
                                   byteOffset: bufferOffset + Int64(fs.errorPos), message: fs.errorMessage)
                }
                if n == fieldCap { growFields() }
                fieldPos[2 * n] = fs.contentStart
                // Negative end marks a field whose "" pairs must be collapsed.
                fieldPos[2 * n + 1] = fs.escaped ? -fs.contentEnd - 1 : fs.contentEnd
                n += 1
                extraLines += fs.newlines
                p = fs.next
                if fs.stop == .recordEnd {
                    complete = true
                    break
                }
            }
            if !complete {
                try fill()   // compacts: the record restarts at `start`
                continue
            }
            for i in 0..<n where fieldPos[2 * i + 1] < 0 {
                fieldPos[2 * i + 1] = unescape(fieldPos[2 * i], -fieldPos[2 * i + 1] - 1)
            }
            fieldCount = n
            line = nextLine
            recordOffset = bufferOffset + Int64(pos)
            nextLine += 1 + extraLines
            start = p
            return true
        }
    }

    private func growFields() {
        let nc = fieldCap * 2
        let np = UnsafeMutablePointer<Int>.allocate(capacity: 2 * nc)
        np.update(from: fieldPos, count: 2 * fieldCap)
        fieldPos.deallocate()
        fieldPos = np
        fieldCap = nc
    }

    /// Collapses `""` pairs in place; returns the new end.
    private func unescape(_ from: Int, _ to: Int) -> Int {
        var r = from
        var w = from
        while r < to {
            let c = buf[r]
            buf[w] = c
            w += 1
            r += c == ASCII.quote ? 2 : 1
        }
        return w
    }

    /// Raw bytes of field `i` of the current record (quotes removed, `""` collapsed).
    /// Valid until the next reading call.
    @inlinable
    public func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let (s, e) = fieldRange(i)
        return UnsafeBufferPointer(start: fieldBase + s, count: e - s)
    }

    @usableFromInline var fieldBase: UnsafePointer<UInt8> { UnsafePointer(buf) }

    @usableFromInline func fieldRange(_ i: Int) -> (Int, Int) {
        precondition(i >= 0 && i < fieldCount, "field index out of range")
        return (fieldPos[2 * i], fieldPos[2 * i + 1])
    }

    /// Field `i` as a `String`; throws `.invalidUTF8` (with line and column) if it is not UTF-8.
    public func string(at i: Int) throws(CSVError) -> String {
        let f = field(i)
        if let bad = firstInvalidUTF8(f) {
            throw CSVError(kind: .invalidUTF8, path: name, line: line, column: i + 1,
                           byteOffset: -1,
                           message: "found invalid UTF-8 (\(describeByte(f[bad])) at byte \(bad + 1) of the field), expected UTF-8 text")
        }
        return String(decoding: f, as: UTF8.self)
    }

    /// All fields of the current record as strings (validated UTF-8).
    public func strings() throws(CSVError) -> [String] {
        var r: [String] = []
        r.reserveCapacity(fieldCount)
        for i in 0..<fieldCount { r.append(try string(at: i)) }
        return r
    }

    /// Field `i` parsed as a number (`FloatParser` syntax), or nil.
    public func float(at i: Int) -> Float? {
        FloatParser.parse(field(i))
    }

    /// Field `i` as a number, or an `.invalidNumber` error with line and column.
    public func floatValue(at i: Int) throws(CSVError) -> Float {
        let f = field(i)
        if let v = FloatParser.parse(f) { return v }
        let text = cellText(f.baseAddress ?? fieldBase, f.count)
        throw CSVError(kind: .invalidNumber, path: name, line: line, column: i + 1,
                       byteOffset: -1,
                       message: f.isEmpty ? "found an empty field, expected a number"
                                          : "found \"\(text)\", expected a number",
                       field: text)
    }

    /// Reads the first record as header names; nil for an empty input (no records).
    public func readHeader() throws(CSVError) -> [String]? {
        guard try nextRecord() else { return nil }
        return try strings()
    }

    // MARK: - Bulk numeric rows

    /// Parses up to `maxRows` records into `out` (row `r` at `out + r * rowStride`, values
    /// placed by `columns`), returning the number of rows; 0 means end of input.
    /// Every record must have `columns.fieldCount` fields (`.raggedRow` otherwise); mapped
    /// cells must be finite numbers (`.invalidNumber`; `allowNonFinite` accepts NaN and ±inf),
    /// unmapped ones are skipped unparsed.
    public func readFloatRows(columns: CSVColumnMap, into out: UnsafeMutablePointer<Float>,
                              rowStride: Int, maxRows: Int, allowNonFinite: Bool = false) throws(CSVError) -> Int {
        precondition(columns.outputCount <= rowStride, "rowStride too small for the column map")
        if !primed { try prime() }
        fieldCount = 0
        var rows = 0
        while rows < maxRows {
            if start == filled {
                if eof { break }
                try fill()
                continue
            }
            let block = UnsafeBufferPointer(start: UnsafePointer(buf + start), count: filled - start)
            let r = CSVChunkParser.parseFloats(block, complete: eof, delimiter: delimiter, columns: columns,
                                               into: out + rows * rowStride, rowStride: rowStride,
                                               maxRows: maxRows - rows, allowNonFinite: allowNonFinite, startLine: nextLine,
                                               startOffset: bufferOffset + Int64(start), name: name)
            rows += r.rows
            start += r.consumed
            nextLine += r.lines
            switch r.status {
            case .failed:
                throw r.error!
            case .full:
                return rows
            case .needMore:
                try fill()
            case .complete:
                if eof { return rows }
                try fill()
            }
        }
        return rows
    }

    // MARK: - Chunks (for parallel parsing)

    /// A block of whole records in the reader's buffer (it starts and ends on record
    /// boundaries), valid until the next reading call. Parse it, or the pieces given by
    /// `CSVChunkParser.split`, with `complete: true`.
    public struct Chunk {
        /// Whole records, valid until the next reading call.
        public let bytes: UnsafeBufferPointer<UInt8>
        /// The input ends with this block.
        public let isLast: Bool
        /// Former name of `isLast`.
        /// Physical line number of the block's first byte (exact if every previous block was
        /// consumed with its line count).
        public let startLine: Int
        /// Input byte offset of the block's first byte.
        public let startOffset: Int64
    }

    /// Returns the largest block of complete records available (filling the buffer first), or
    /// nil at the end of the input. The block stays in place until `consume(bytes:lines:)`;
    /// calling `nextChunk()` again without consuming returns the same bytes (possibly more).
    public func nextChunk() throws(CSVError) -> Chunk? {
        if !primed { try prime() }
        fieldCount = 0
        while true {
            if filled - start < cap / 2 && !eof {
                try fillUp()
            }
            if start == filled { return nil }
            if eof {
                return Chunk(bytes: UnsafeBufferPointer(start: buf + start, count: filled - start),
                             isLast: true, startLine: nextLine, startOffset: bufferOffset + Int64(start))
            }
            if let end = CSVScan.lastBoundary(buf, start, filled, false), end > start {
                return Chunk(bytes: UnsafeBufferPointer(start: buf + start, count: end - start),
                             isLast: false, startLine: nextLine, startOffset: bufferOffset + Int64(start))
            }
            // No complete record in the buffer: read more (growing if needed).
            try fill()
        }
    }

    /// Marks `bytes` of the current chunk (a record boundary, e.g. `CSVChunkResult.consumed`
    /// summed over its pieces) as processed, and advances the line count by `lines`.
    public func consume(bytes: Int, lines: Int) {
        precondition(bytes >= 0 && bytes <= filled - start, "consume beyond the chunk")
        start += bytes
        nextLine += lines
    }
}

/// Index of the first byte that makes `bytes` invalid UTF-8, or nil if valid.
@usableFromInline
func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    var i = 0
    let n = bytes.count
    while i < n {
        let c = bytes[i]
        if c < 0x80 { i += 1; continue }
        var need = 0
        var minCode: UInt32 = 0
        var code: UInt32 = 0
        if c & 0xE0 == 0xC0 { need = 1; minCode = 0x80; code = UInt32(c & 0x1F) }
        else if c & 0xF0 == 0xE0 { need = 2; minCode = 0x800; code = UInt32(c & 0x0F) }
        else if c & 0xF8 == 0xF0 { need = 3; minCode = 0x10000; code = UInt32(c & 0x07) }
        else { return i }
        if i + need >= n { return i }
        for k in 1...need {
            let cc = bytes[i + k]
            if cc & 0xC0 != 0x80 { return i }
            code = code << 6 | UInt32(cc & 0x3F)
        }
        if code < minCode || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF) { return i }
        i += need + 1
    }
    return nil
}
