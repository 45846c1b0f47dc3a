import CZlib

/// Little-endian byte building for the writer.
struct ByteSink {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v & 0xFF)); bytes.append(UInt8(v >> 8)) }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
    mutating func u32(_ v: Int) { u32(UInt32(v)) }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func floats(_ values: [Float]) {
        bytes.reserveCapacity(bytes.count + values.count * 4)
        for v in values { f32(v) }
    }
    mutating func str(_ s: String) {
        let utf8 = Array(s.utf8)
        u32(utf8.count)
        bytes.append(contentsOf: utf8)
    }
    mutating func strlist(_ list: [String]) {
        u32(list.count)
        for s in list { str(s) }
    }
    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }
}

/// Bounds-checked little-endian reading of one region of the file. Every failure carries the
/// absolute byte offset and the chunk being read.
struct ByteSource {
    let bytes: UnsafeRawBufferPointer
    /// Absolute offset of the next byte to read.
    var position: Int
    /// Absolute offset one past the last readable byte of this region.
    let end: Int
    let chunk: String?

    init(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, chunk: String?) {
        self.bytes = bytes
        self.position = start
        self.end = end
        self.chunk = chunk
    }

    var remaining: Int { end - position }

    func error(_ code: FormatError.Code, _ message: String, at offset: Int? = nil) -> FormatError {
        FormatError(code, message, offset: offset ?? position, chunk: chunk)
    }

    mutating func need(_ count: Int, _ what: String) throws(FormatError) {
        guard count >= 0, count <= remaining else {
            throw error(chunk == nil ? .truncated : .malformed,
                        "\(what) needs \(count) bytes but only \(remaining) remain\(chunk == nil ? " in the file" : " in the chunk")")
        }
    }

    mutating func u8(_ what: String) throws(FormatError) -> UInt8 {
        try need(1, what)
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16(_ what: String) throws(FormatError) -> UInt16 {
        try need(2, what)
        defer { position += 2 }
        return UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
    }

    mutating func u32(_ what: String) throws(FormatError) -> UInt32 {
        try need(4, what)
        defer { position += 4 }
        return bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian
    }

    mutating func u64(_ what: String) throws(FormatError) -> UInt64 {
        try need(8, what)
        defer { position += 8 }
        return bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self).littleEndian
    }

    mutating func f32(_ what: String) throws(FormatError) -> Float {
        Float(bitPattern: try u32(what))
    }

    mutating func finiteF32(_ what: String) throws(FormatError) -> Float {
        let start = position
        let v = try f32(what)
        guard v.isFinite else { throw error(.malformed, "\(what) must be finite, found \(v)", at: start) }
        return v
    }

    mutating func f64(_ what: String) throws(FormatError) -> Double {
        Double(bitPattern: try u64(what))
    }

    /// A u32 that must lie in `range`.
    mutating func int(_ what: String, in range: ClosedRange<Int>) throws(FormatError) -> Int {
        let start = position
        let v = Int(try u32(what))
        guard range.contains(v) else {
            let code: FormatError.Code = v > range.upperBound ? .limitExceeded : .malformed
            throw error(code, "\(what) is \(v), expected \(range.lowerBound)...\(range.upperBound)", at: start)
        }
        return v
    }

    mutating func flag(_ what: String) throws(FormatError) -> Bool {
        let start = position
        switch try u8(what) {
        case 0: return false
        case 1: return true
        case let v: throw error(.malformed, "\(what) is \(v), expected 0 or 1", at: start)
        }
    }

    mutating func str(_ what: String) throws(FormatError) -> String {
        let start = position
        let count = Int(try u32("length of \(what)"))
        guard count <= Limits.maxStringBytes else {
            throw error(.limitExceeded, "\(what) is \(count) bytes long, the limit is \(Limits.maxStringBytes)", at: start)
        }
        try need(count, what)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
        guard !slice.contains(0) else { throw error(.malformed, "\(what) contains a NUL byte") }
        guard let s = String(validating: slice.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw error(.malformed, "\(what) is not valid UTF-8")
        }
        position += count
        return s
    }

    mutating func strlist(_ what: String) throws(FormatError) -> [String] {
        let start = position
        let count = Int(try u32("item count of \(what)"))
        guard count <= Limits.maxListItems else {
            throw error(.limitExceeded, "\(what) has \(count) items, the limit is \(Limits.maxListItems)", at: start)
        }
        // Each item takes at least 4 bytes: refuse a count the chunk cannot hold before allocating.
        try need(count * 4, "\(count) items of \(what)")
        var list: [String] = []
        list.reserveCapacity(count)
        for i in 0..<count { list.append(try str("item \(i) of \(what)")) }
        return list
    }

    /// `count` little-endian floats.
    mutating func floats(_ count: Int, _ what: String) throws(FormatError) -> [Float] {
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: 4)
        guard !overflow else { throw error(.limitExceeded, "\(what): \(count) floats overflow") }
        try need(byteCount, what)
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let source = UnsafeRawBufferPointer(rebasing: bytes[position..<position + byteCount])
            for i in 0..<count {
                buffer[i] = Float(bitPattern: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian)
            }
            initialized = count
        }
        position += byteCount
        return values
    }
}

/// CRC-32 (ISO-HDLC), as zlib computes it.
enum CZlibCRC {
    /// Continues `crc` over `count` bytes at `base`.
    static func update(_ crc: UInt32, _ base: UnsafeRawPointer, _ count: Int) -> UInt32 {
        var value = uLong(crc)
        var offset = 0
        while offset < count {
            let n = min(count - offset, 1 << 30)
            value = CZlib.crc32(value, base.advanced(by: offset).assumingMemoryBound(to: Bytef.self), uInt(n))
            offset += n
        }
        return UInt32(truncatingIfNeeded: value)
    }
}

func crc32Of(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
    return CZlibCRC.update(0, base, bytes.count)
}

func crc32Of(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBytes { crc32Of($0) }
}

/// Byte-shuffle: plane `j` holds byte `j` of every `elementSize`-byte element.
func shuffle(_ raw: [UInt8], elementSize: Int) -> [UInt8] {
    let n = raw.count / elementSize
    var out = [UInt8](repeating: 0, count: raw.count)
    for i in 0..<n {
        for j in 0..<elementSize { out[j * n + i] = raw[i * elementSize + j] }
    }
    return out
}

/// Inverse of ``shuffle(_:elementSize:)``.
func unshuffle(_ planes: [UInt8], elementSize: Int) -> [UInt8] {
    let n = planes.count / elementSize
    var out = [UInt8](repeating: 0, count: planes.count)
    for j in 0..<elementSize {
        for i in 0..<n { out[i * elementSize + j] = planes[j * n + i] }
    }
    return out
}

/// The writer policy's zlib stream (FORMAT.md §4): level 9, window bits 15, memory level 8,
/// strategy `Z_HUFFMAN_ONLY`, one `deflate(Z_FINISH)` call. Huffman coding alone is what pays
/// on byte-shuffled weights (the mantissa planes are noise; the exponent plane is a skewed
/// alphabet), and it is ~25× faster than level 9's match search: converting `mlp_wide` went from
/// 328 to well under 100 ms, for files within 1 % of the size (smaller on large tensors).
func zlibCompress(_ raw: [UInt8]) -> [UInt8]? {
    var stream = z_stream()
    guard deflateInit2_(&stream, 9, Z_DEFLATED, 15, 8, Z_HUFFMAN_ONLY,
                        ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
    defer { deflateEnd(&stream) }
    let bound = Int(deflateBound(&stream, uLong(raw.count)))
    var out = [UInt8](repeating: 0, count: bound)
    let (status, written) = raw.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst -> (Int32, Int) in
            stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress)   // deflate only reads it
            stream.avail_in = uInt(src.count)
            stream.next_out = dst.baseAddress
            stream.avail_out = uInt(dst.count)
            let status = deflate(&stream, Z_FINISH)
            return (status, dst.count - Int(stream.avail_out))
        }
    }
    guard status == Z_STREAM_END else { return nil }
    out.removeSubrange(written...)
    return out
}

/// Inflates one complete zlib stream to exactly `rawLength` bytes, refusing more, less, or
/// trailing bytes after the stream.
struct InflateFailure: Error { let reason: String }

func zlibInflate(_ stored: UnsafeRawBufferPointer, rawLength: Int) -> Result<[UInt8], InflateFailure> {
    var stream = z_stream()
    guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        return .failure(InflateFailure(reason: "zlib could not start inflating"))
    }
    defer { inflateEnd(&stream) }
    // One spare byte catches a stream that inflates past its declared length.
    var out = [UInt8](repeating: 0, count: rawLength + 1)
    let status: Int32 = out.withUnsafeMutableBufferPointer { dst in
        stream.next_in = UnsafeMutablePointer(mutating: stored.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(stored.count)
        stream.next_out = dst.baseAddress
        stream.avail_out = uInt(dst.count)
        return inflate(&stream, Z_FINISH)
    }
    let produced = Int(stream.total_out)
    switch status {
    case Z_STREAM_END:
        guard produced == rawLength else {
            return .failure(InflateFailure(reason: "zlib stream inflates to \(produced) bytes, expected raw_length \(rawLength)"))
        }
        guard stream.avail_in == 0 else {
            return .failure(InflateFailure(reason: "\(stream.avail_in) bytes follow the end of the zlib stream"))
        }
        out.removeLast()
        return .success(out)
    case Z_BUF_ERROR where produced > rawLength, Z_OK where produced > rawLength:
        return .failure(InflateFailure(reason: "zlib stream inflates past raw_length \(rawLength)"))
    case Z_BUF_ERROR where produced == rawLength:
        // Every byte arrived but the input ran out before the final block or the Adler-32.
        return .failure(InflateFailure(reason: "zlib stream ends before its end marker / Adler-32 checksum (all \(rawLength) bytes inflated)"))
    case Z_BUF_ERROR:
        return .failure(InflateFailure(reason: "zlib stream ends early after \(produced) of \(rawLength) bytes"))
    default:
        let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
        return .failure(InflateFailure(reason: "zlib stream is corrupt (\(reason)) after \(produced) bytes"))
    }
}
