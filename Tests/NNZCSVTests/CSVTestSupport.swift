#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
@testable import NNZCSV

/// Deterministic SplitMix64.
struct CSVTestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ oneIn: Int) -> Bool { below(oneIn) == 0 }
    mutating func finiteFloat() -> Float {
        while true {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: next()))
            if f.isFinite { return f }
        }
    }
}

/// Whether the opt-in large sweeps are enabled (`NNZCSV_BIG_SWEEP=1`).
var csvBigSweep: Bool {
    if let v = getenv("NNZCSV_BIG_SWEEP") { return String(cString: v) == "1" }
    return false
}

/// `snprintf` with a C format (one numeric argument).
func csvCFormat(_ fmt: String, _ args: CVarArg...) -> [UInt8] {
    var buf = [CChar](repeating: 0, count: 512)
    let n = withVaList(args) { va in vsnprintf(&buf, 512, fmt, va) }
    return buf[0..<Int(n)].map { UInt8(bitPattern: $0) }
}

/// `strtof` on the whole string (nil if it does not consume everything).
func csvStrtof(_ s: [UInt8]) -> Float? {
    var c = s.map { CChar(bitPattern: $0) }
    c.append(0)
    return c.withUnsafeMutableBufferPointer { b -> Float? in
        var end: UnsafeMutablePointer<CChar>? = nil
        let v = strtof(b.baseAddress!, &end)
        if end != b.baseAddress! + s.count { return nil }
        return v
    }
}

func csvParse(_ s: [UInt8]) -> Float? {
    s.withUnsafeBufferPointer { FloatParser.parse($0) }
}

func csvShortest(_ x: Float) -> String { FloatFormatter.shortest(x) }

func csvBytes(_ s: String) -> [UInt8] { Array(s.utf8) }

func csvText(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

/// Writes `bytes` to a fresh temporary file and returns its path (removed by `csvRemove`).
func csvTempFile(_ bytes: [UInt8]) -> String {
    var template = Array("/tmp/nnzcsv-test-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    precondition(fd >= 0)
    var off = 0
    while off < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, bytes.count - off) }
        precondition(n > 0)
        off += n
    }
    close(fd)
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

func csvRemove(_ path: String) { unlink(path) }

func csvTempPath() -> String {
    let p = csvTempFile([])
    return p
}

func csvReadFile(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    precondition(fd >= 0)
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 65536) }
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return out
}

/// Opens a reader over in-memory bytes through a temporary file.
func csvWithReader(_ text: [UInt8], delimiter: UInt8 = UInt8(ascii: ","), bufferSize: Int = 1 << 20,
                   _ body: (CSVReader) throws -> Void) throws {
    let path = csvTempFile(text)
    defer { csvRemove(path) }
    let r = try CSVReader(path: path, delimiter: delimiter, bufferSize: bufferSize)
    try body(r)
}

/// Straightforward reference implementation of the reader's grammar.
struct CSVReferenceRecord: Equatable {
    var line: Int
    var fields: [[UInt8]]
}

enum CSVReferenceError: Error, Equatable {
    case unterminatedQuote(line: Int, column: Int)
    case quoteInUnquoted(line: Int, column: Int)
    case garbageAfterQuote(line: Int, column: Int)
}

func csvReferenceParse(_ data: [UInt8], delimiter: UInt8 = UInt8(ascii: ",")) -> Result<[CSVReferenceRecord], CSVReferenceError> {
    let LF: UInt8 = 10, CR: UInt8 = 13, Q: UInt8 = 34
    var pos = 0
    let n = data.count
    if n >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF { pos = 3 }
    var line = 1
    var records: [CSVReferenceRecord] = []
    while pos < n {
        if data[pos] == LF { line += 1; pos += 1; continue }
        if data[pos] == CR { pos += (pos + 1 < n && data[pos + 1] == LF) ? 2 : 1; line += 1; continue }
        let recordLine = line
        var fields: [[UInt8]] = []
        var extra = 0
        recordLoop: while true {
            var f: [UInt8] = []
            let fieldLine = line + extra
            if pos < n && data[pos] == Q {
                pos += 1
                while true {
                    if pos >= n { return .failure(.unterminatedQuote(line: fieldLine, column: fields.count + 1)) }
                    let c = data[pos]
                    if c == Q {
                        if pos + 1 < n && data[pos + 1] == Q { f.append(Q); pos += 2; continue }
                        pos += 1
                        break
                    }
                    if c == LF { extra += 1 }
                    if c == CR && !(pos + 1 < n && data[pos + 1] == LF) { extra += 1 }
                    f.append(c)
                    pos += 1
                }
                if pos < n {
                    let c = data[pos]
                    if c != delimiter && c != LF && c != CR {
                        return .failure(.garbageAfterQuote(line: fieldLine, column: fields.count + 1))
                    }
                }
            } else {
                while pos < n {
                    let c = data[pos]
                    if c == delimiter || c == LF || c == CR { break }
                    if c == Q { return .failure(.quoteInUnquoted(line: fieldLine, column: fields.count + 1)) }
                    f.append(c)
                    pos += 1
                }
            }
            fields.append(f)
            if pos >= n { break recordLoop }
            let c = data[pos]
            if c == delimiter { pos += 1; continue }
            if c == LF { pos += 1 } else { pos += (pos + 1 < n && data[pos + 1] == LF) ? 2 : 1 }
            break
        }
        records.append(CSVReferenceRecord(line: recordLine, fields: fields))
        line += 1 + extra
    }
    return .success(records)
}

/// Random CSV text exercising quoting, line endings, blank lines and UTF-8.
func csvRandomText(_ r: inout CSVTestRNG, records: Int, delimiter: UInt8 = UInt8(ascii: ","),
                   numeric: Bool = false, fieldsPerRecord: Int? = nil) -> [UInt8] {
    var out: [UInt8] = []
    if r.chance(4) { out += [0xEF, 0xBB, 0xBF] }
    let words: [[UInt8]] = ["abc", "x", "héllo", "日本", "a b", " lead", "trail ", "42", "-1.5e3", "0"].map { Array($0.utf8) }
    for k in 0..<records {
        if r.chance(8) { out += r.chance(2) ? [10] : [13, 10] }
        let nf = fieldsPerRecord ?? (1 + r.below(6))
        for i in 0..<nf {
            if i > 0 { out.append(delimiter) }
            if numeric {
                let x = r.finiteFloat()
                let s: [UInt8] = r.chance(2) ? csvCFormat("%.9g", Double(x)) : Array(FloatFormatter.shortest(x).utf8)
                if r.chance(10) { out.append(34); out += s; out.append(34) } else { out += s }
                continue
            }
            switch r.below(6) {
            case 0: break // empty
            case 1, 2: out += words[r.below(words.count)]
            default:
                out.append(34)
                for _ in 0..<r.below(5) {
                    switch r.below(7) {
                    case 0: out += [34, 34]
                    case 1: out.append(delimiter)
                    case 2: out.append(10)
                    case 3: out += [13, 10]
                    case 4: out.append(13)
                    default: out += words[r.below(words.count)]
                    }
                }
                out.append(34)
            }
        }
        if k == records - 1 && r.chance(3) { break }  // last line without newline
        switch r.below(6) {
        case 0: out += [13, 10]
        case 1: out.append(13)
        default: out.append(10)
        }
    }
    return out
}
