#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NNZSystem


/// Buffered output to a file descriptor (1 MiB buffer by default) with CSV helpers.
///
/// * Bytes accumulate in the buffer and go out with `write(2)` when it fills or on `flush()`;
///   partial writes and `EINTR` are retried, `EAGAIN` (non-blocking descriptor) waits with
///   `poll`. Failures throw `CSVError` with `.brokenPipe` (`EPIPE` — ignore `SIGPIPE` in the
///   process to get it instead of being killed), `.noSpace` (`ENOSPC`, `EDQUOT`) or
///   `.writeFailed(errno:)`. After a failure every later call rethrows the same error.
/// * Call `flush()` before exiting: `deinit` flushes too but has to ignore errors.
/// * Floats: shortest round-trip or `%.Ng` form, see `FloatFormatter`.
/// * Text fields are quoted (RFC 4180) when they contain the delimiter, `"`, CR or LF.
/// * ``CSVWriter/inMemory(delimiter:capacity:)`` makes a writer whose buffer grows instead of
///   going to a descriptor: threads format rows into their own in-memory writers, and the
///   results go out in order through one descriptor writer (``write(contentsOf:)``).
public final class CSVWriter {
    /// Name used in error messages (the path, or `<stdout>`).
    public let name: String
    /// The field separator written by `writeDelimiter()` and the row helpers.
    public let delimiter: UInt8
    /// The descriptor written to; nil for an in-memory writer.
    private let fd: Int32?
    private let ownsDescriptor: Bool
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    private var failure: CSVError?
    /// Bytes handed to the kernel so far.
    public private(set) var bytesWritten: Int64 = 0

    /// Writes to an open descriptor (standard output by default); closed on deinit only if
    /// `closeWhenDone`.
    public init(fileDescriptor: Int32 = 1, name: String = "<stdout>", delimiter: UInt8 = UInt8(ascii: ","),
                bufferSize: Int = 1 << 20, closeWhenDone: Bool = false) {
        self.fd = fileDescriptor
        self.name = name
        self.delimiter = delimiter
        self.ownsDescriptor = closeWhenDone
        self.capacity = max(bufferSize, 256)
        self.buffer = .allocate(capacity: capacity)
    }

    private init(memoryName: String, delimiter: UInt8, capacity: Int) {
        self.fd = nil
        self.name = memoryName
        self.delimiter = delimiter
        self.ownsDescriptor = false
        self.capacity = max(capacity, 256)
        self.buffer = .allocate(capacity: self.capacity)
    }

    /// A writer whose bytes stay in memory (``bufferedBytes``); its buffer doubles as needed
    /// and ``flush()`` does nothing. Reuse it with ``removeAll()``.
    public static func inMemory(delimiter: UInt8 = UInt8(ascii: ","), capacity: Int = 1 << 16) -> CSVWriter {
        CSVWriter(memoryName: "<memory>", delimiter: delimiter, capacity: capacity)
    }

    /// The bytes buffered and not yet written (for an in-memory writer: everything written
    /// since the last ``removeAll()``). Valid until the next call on the writer.
    public var bufferedBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: buffer, count: count) }

    /// Drops the buffered bytes without writing them (an in-memory writer's reset).
    public func removeAll() { count = 0 }

    /// Appends everything `other` has buffered (typically an in-memory writer's rows).
    public func write(contentsOf other: CSVWriter) throws(CSVError) {
        try write(other.bufferedBytes)
    }

    /// Creates or truncates `path` (mode 0644); `"-"` means standard output.
    public convenience init(path: String, delimiter: UInt8 = UInt8(ascii: ","), bufferSize: Int = 1 << 20) throws(CSVError) {
        if path == "-" {
            self.init(fileDescriptor: 1, name: "<stdout>", delimiter: delimiter, bufferSize: bufferSize)
            return
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw CSVError.fromOpen(errno: errno, path: path) }
        self.init(fileDescriptor: fd, name: path, delimiter: delimiter, bufferSize: bufferSize, closeWhenDone: true)
    }

    deinit {
        if failure == nil && count > 0 { try? flush() }
        buffer.deallocate()
        if ownsDescriptor, let fd { close(fd) }
    }

    /// Bytes currently buffered.
    public var bufferedCount: Int { count }

    /// Writes the buffered bytes to the descriptor.
    public func flush() throws(CSVError) {
        if let f = failure { throw f }
        if count == 0 || fd == nil { return }
        let n = count
        count = 0
        try writeAll(UnsafeRawPointer(buffer), n)
    }

    /// Makes room for `n` more bytes: grows an in-memory buffer, flushes a descriptor's.
    private func makeRoom(_ n: Int) throws(CSVError) {
        guard capacity - count < n else { return }
        if fd != nil, n <= capacity {
            try flush()
            return
        }
        var newCapacity = capacity * 2
        while newCapacity - count < n { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = grown
        capacity = newCapacity
    }

    private func writeAll(_ p: UnsafeRawPointer, _ n: Int) throws(CSVError) {
        guard let fd else { return }
        let status = NNZSystem.writeAll(UnsafeRawBufferPointer(start: p, count: n), to: fd)
        guard status == 0 else {
            let error = CSVError.fromWrite(errno: status, path: name)
            failure = error
            throw error
        }
        bytesWritten += Int64(n)
    }

    /// Makes room for `n` contiguous bytes (for a descriptor writer, n ≤ its buffer size) and
    /// returns where to write them; call `commit(_:)` with the number actually written.
    @inline(__always)
    public func reserve(_ n: Int) throws(CSVError) -> UnsafeMutablePointer<UInt8> {
        precondition(fd == nil || n <= capacity, "reservation larger than the buffer")
        if capacity - count < n { try makeRoom(n) }
        return buffer + count
    }

    /// Publishes `n` bytes written at the pointer returned by `reserve`.
    @inline(__always)
    public func commit(_ n: Int) {
        count += n
    }

    // MARK: Raw bytes

    /// Appends one byte.
    public func write(byte: UInt8) throws(CSVError) {
        if count == capacity { try makeRoom(1) }
        buffer[count] = byte
        count += 1
    }

    /// Appends raw bytes as they are (large runs bypass the buffer).
    public func write(_ bytes: UnsafeRawBufferPointer) throws(CSVError) {
        let n = bytes.count
        guard n > 0, let src = bytes.baseAddress else { return }
        if n > capacity - count {
            if fd != nil {
                try flush()
                if n >= capacity / 2 {
                    try writeAll(src, n)
                    return
                }
            } else {
                try makeRoom(n)
            }
        }
        UnsafeMutableRawPointer(buffer + count).copyMemory(from: src, byteCount: n)
        count += n
    }

    /// Appends bytes as they are.
    public func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(CSVError) {
        try write(UnsafeRawBufferPointer(bytes))
    }

    /// Writes the UTF-8 bytes of `s` as they are (no quoting).
    public func write(_ s: String) throws(CSVError) {
        var s = s
        let r: CSVError? = s.withUTF8 { u -> CSVError? in
            do throws(CSVError) { try write(UnsafeRawBufferPointer(u)) } catch { return error }
            return nil
        }
        if let e = r { throw e }
    }

    /// Appends the delimiter.
    public func writeDelimiter() throws(CSVError) { try write(byte: delimiter) }

    /// Ends the line with LF.
    public func writeNewline() throws(CSVError) { try write(byte: ASCII.lineFeed) }

    // MARK: Numbers

    /// Shortest round-trip form (see `FloatFormatter.writeShortest`).
    public func write(_ x: Float) throws(CSVError) {
        let p = try reserve(FloatFormatter.maxLength)
        count += FloatFormatter.writeShortest(x, to: p)
    }

    /// `%.Ng` form (see `FloatFormatter.write(_:precision:to:)`).
    public func write(_ x: Float, precision: Int) throws(CSVError) {
        let p = try reserve(FloatFormatter.maxLength)
        count += FloatFormatter.write(x, precision: precision, to: p)
    }

    /// Writes `count` floats separated by the delimiter and ends the line. `precision` nil means
    /// shortest round-trip, otherwise `%.Ng` with N = precision (1...9).
    public func writeRow(_ values: UnsafePointer<Float>, count n: Int, precision: Int? = nil) throws(CSVError) {
        let perValue = FloatFormatter.maxLength + 1
        var i = 0
        while i < n {
            let batch = min(n - i, (capacity - 1) / perValue)
            var p = try reserve(batch * perValue + 1)
            let start = p
            for k in i..<(i + batch) {
                if let prec = precision {
                    p += FloatFormatter.write(values[k], precision: prec, to: p)
                } else {
                    p += FloatFormatter.writeShortest(values[k], to: p)
                }
                p.pointee = delimiter
                p += 1
            }
            i += batch
            if i == n { p[-1] = ASCII.lineFeed }
            count += p - start
        }
        if n == 0 { try writeNewline() }
    }

    // MARK: Text fields

    /// Whether `field` needs quoting with this delimiter.
    public func needsQuoting(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in field where c == delimiter || c == ASCII.quote || c == ASCII.lineFeed || c == ASCII.carriageReturn { return true }
        return false
    }

    /// Writes one field, quoting it (and doubling inner quotes) when needed.
    public func writeField(_ field: UnsafeBufferPointer<UInt8>) throws(CSVError) {
        if !needsQuoting(field) {
            try write(field)
            return
        }
        try write(byte: ASCII.quote)
        var runStart = 0
        for i in 0..<field.count where field[i] == ASCII.quote {
            try write(UnsafeBufferPointer(rebasing: field[runStart...i]))  // includes the quote
            try write(byte: ASCII.quote)                                       // doubled
            runStart = i + 1
        }
        try write(UnsafeBufferPointer(rebasing: field[runStart...]))
        try write(byte: ASCII.quote)
    }

    /// Writes one text field, quoting it when needed.
    public func writeField(_ s: String) throws(CSVError) {
        var s = s
        let r: CSVError? = s.withUTF8 { u -> CSVError? in
            do throws(CSVError) { try writeField(u) } catch { return error }
            return nil
        }
        if let e = r { throw e }
    }

    /// Writes text fields separated by the delimiter, then a line feed.
    public func writeRow(_ fields: [String]) throws(CSVError) {
        for (i, f) in fields.enumerated() {
            if i > 0 { try writeDelimiter() }
            try writeField(f)
        }
        try writeNewline()
    }
}
