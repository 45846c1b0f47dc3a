import NNZCSV

/// A request body that cannot be scored: the message names the place (JSON path such as
/// `rows[2][5]` or `instances[1].p3`, the byte offset of malformed JSON, or the CSV line and
/// column) and what was expected.
public struct RequestError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Input rows parsed from a request, flat: `rows × width` floats in request order.
public struct ParsedRows: Sendable {
    public var values: [Float]
    public var rows: Int
}

/// Parses `{"rows": [[…], …]}` or `{"instances": [{"name": value, …}, …]}` straight into floats,
/// without building a JSON tree. Numbers follow RFC 8259's grammar and are rounded to the nearest
/// float by the same parser `nninfer` uses for CSV cells; every value must be finite.
/// Other top-level keys are skipped (any JSON value).
struct JSONRowsParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    let width: Int
    /// Feature name → input position, for `instances`; nil when the model names no features.
    let featureIndex: [String: Int]?
    let featureNames: [String]
    let maxRows: Int
    /// How deep skipped values may nest.
    static let maxDepth = 64

    init(bytes: UnsafeBufferPointer<UInt8>, width: Int, featureIndex: [String: Int]?, featureNames: [String], maxRows: Int) {
        self.featureNames = featureNames
        self.bytes = bytes
        self.width = width
        self.featureIndex = featureIndex
        self.maxRows = maxRows
    }

    /// Feature name → input position (the first of duplicate names).
    static func index(_ featureNames: [String]?) -> [String: Int]? {
        guard let featureNames else { return nil }
        var map: [String: Int] = [:]
        for (i, name) in featureNames.enumerated() where map[name] == nil { map[name] = i }
        return map
    }

    static func parse(_ body: [UInt8], width: Int, featureNames: [String]?, featureIndex: [String: Int]? = nil,
                      maxRows: Int = .max) throws(RequestError) -> ParsedRows {
        let index = featureIndex ?? Self.index(featureNames)
        return try body.withUnsafeBufferPointer { (buffer) throws(RequestError) in
            var parser = JSONRowsParser(bytes: buffer, width: width, featureIndex: index, featureNames: featureNames ?? [], maxRows: maxRows)
            return try parser.parseDocument()
        }
    }

    // MARK: - Errors

    func malformed(_ expected: String) -> RequestError {
        var line = 1, column = 1
        for i in 0..<min(position, bytes.count) {
            if bytes[i] == 10 { line += 1; column = 1 } else { column += 1 }
        }
        let found: String
        if position >= bytes.count {
            found = "the end of the body"
        } else {
            let b = bytes[position]
            found = b >= 0x20 && b < 0x7f ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
        }
        return RequestError("malformed JSON at byte \(position) (line \(line), column \(column)): expected \(expected), found \(found)")
    }

    // MARK: - Lexing

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0a, 0x0d: position += 1
            default: return
            }
        }
    }

    mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(RequestError) {
        guard peek() == byte else { throw malformed(what) }
        position += 1
    }

    /// A JSON string (its quotes included at `position`), unescaped.
    mutating func parseString() throws(RequestError) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw malformed("a string") }
        position += 1
        let start = position
        var simple = true
        while position < bytes.count {
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                if simple {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                    position += 1
                    return text
                }
                break
            }
            if b == UInt8(ascii: "\\") { simple = false; break }
            if b < 0x20 { throw malformed("a character or '\"' (control characters must be escaped)") }
            position += 1
        }
        // Slow path: escapes.
        position = start
        var out: [UInt8] = []
        while true {
            guard position < bytes.count else { throw malformed("'\"' closing the string") }
            let b = bytes[position]
            if b == UInt8(ascii: "\"") { position += 1; break }
            if b < 0x20 { throw malformed("a character or '\"' (control characters must be escaped)") }
            if b != UInt8(ascii: "\\") { out.append(b); position += 1; continue }
            position += 1
            guard position < bytes.count else { throw malformed("an escape") }
            let e = bytes[position]
            position += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5c)
            case UInt8(ascii: "/"): out.append(0x2f)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xd800..<0xdc00).contains(scalar), position + 1 < bytes.count,
                   bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                    position += 2
                    let low = try hex4()
                    guard (0xdc00..<0xe000).contains(low) else { throw malformed("a low surrogate") }
                    scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
                }
                let s = Unicode.Scalar(scalar) ?? "\u{fffd}"
                out.append(contentsOf: Array(String(Character(s)).utf8))
            default:
                position -= 1
                throw malformed("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func hex4() throws(RequestError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard position < bytes.count, let d = hexDigit(bytes[position]) else { throw malformed("four hex digits after \\u") }
            value = value << 4 | d
            position += 1
        }
        return value
    }

    func hexDigit(_ b: UInt8) -> UInt32? {
        switch b {
        case 0x30...0x39: return UInt32(b - 0x30)
        case 0x41...0x46: return UInt32(b - 0x41 + 10)
        case 0x61...0x66: return UInt32(b - 0x61 + 10)
        default: return nil
        }
    }

    /// Scans a JSON number at `position` (RFC 8259 grammar); returns its byte range or nil
    /// when there is none.
    mutating func scanNumber() -> Range<Int>? {
        let start = position
        var p = position
        func digit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        if p < bytes.count, bytes[p] == UInt8(ascii: "-") { p += 1 }
        guard digit(p) else { return nil }
        if bytes[p] == 0x30 { p += 1 } else { while digit(p) { p += 1 } }
        if p < bytes.count, bytes[p] == UInt8(ascii: ".") {
            p += 1
            guard digit(p) else { position = p; return nil }
            while digit(p) { p += 1 }
        }
        if p < bytes.count, bytes[p] == UInt8(ascii: "e") || bytes[p] == UInt8(ascii: "E") {
            p += 1
            if p < bytes.count, bytes[p] == UInt8(ascii: "+") || bytes[p] == UInt8(ascii: "-") { p += 1 }
            guard digit(p) else { position = p; return nil }
            while digit(p) { p += 1 }
        }
        position = p
        return start..<p
    }

    /// What the value at `position` is, for messages ("a string", "null", …).
    mutating func describeValue() -> String {
        switch peek() {
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        case UInt8(ascii: "n"): return matches("null") ? "null" : "an invalid token"
        case UInt8(ascii: "N"): return matches("NaN") ? "NaN (not valid JSON; values must be finite numbers)" : "an invalid token"
        case UInt8(ascii: "I"), UInt8(ascii: "-"):
            return matches("Infinity") || matches("-Infinity") ? "Infinity (not valid JSON; values must be finite numbers)" : "an invalid token"
        case nil: return "the end of the body"
        default: return "an invalid token"
        }
    }

    func matches(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard position + w.count <= bytes.count else { return false }
        for i in 0..<w.count where bytes[position + i] != w[i] { return false }
        return true
    }

    /// One finite number at `path`.
    mutating func parseValue(at path: @autoclosure () -> String) throws(RequestError) -> Float {
        _ = peek()
        let start = position
        guard let range = scanNumber() else {
            position = start
            throw RequestError("\(path()): expected a finite number, found \(describeValue())")
        }
        guard let value = FloatParser.parse(bytes.baseAddress! + range.lowerBound, count: range.count) else {
            throw RequestError("\(path()): expected a finite number, found an unreadable number")
        }
        guard value.isFinite else {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            throw RequestError("\(path()): \(text) is out of the float range (values must be finite)")
        }
        return value
    }

    /// Skips any JSON value.
    mutating func skipValue(depth: Int = 0) throws(RequestError) {
        guard depth < Self.maxDepth else { throw malformed("a value nested at most \(Self.maxDepth) deep") }
        switch peek() {
        case UInt8(ascii: "\""): _ = try parseString()
        case UInt8(ascii: "{"):
            position += 1
            if peek() == UInt8(ascii: "}") { position += 1; return }
            while true {
                _ = try parseString()
                try expect(UInt8(ascii: ":"), "':'")
                try skipValue(depth: depth + 1)
                if peek() == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"), "',' or '}'")
                return
            }
        case UInt8(ascii: "["):
            position += 1
            if peek() == UInt8(ascii: "]") { position += 1; return }
            while true {
                try skipValue(depth: depth + 1)
                if peek() == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "]"), "',' or ']'")
                return
            }
        case UInt8(ascii: "t"): try word("true")
        case UInt8(ascii: "f"): try word("false")
        case UInt8(ascii: "n"): try word("null")
        default:
            guard scanNumber() != nil else { throw malformed("a JSON value") }
        }
    }

    mutating func word(_ w: String) throws(RequestError) {
        guard matches(w) else { throw malformed("'\(w)'") }
        position += w.utf8.count
    }

    // MARK: - Documents

    mutating func parseDocument() throws(RequestError) -> ParsedRows {
        guard peek() == UInt8(ascii: "{") else {
            throw malformed("a JSON object: {\"rows\": [[…], …]} or {\"instances\": [{…}, …]}")
        }
        position += 1
        var result: ParsedRows?
        if peek() != UInt8(ascii: "}") {
            while true {
                let key = try parseString()
                try expect(UInt8(ascii: ":"), "':'")
                if key == "rows" || key == "instances" {
                    guard result == nil else { throw RequestError("give either \"rows\" or \"instances\", once") }
                    result = key == "rows" ? try parseRows() : try parseInstances()
                } else {
                    try skipValue()
                }
                if peek() == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"), "',' or '}'")
                break
            }
        } else {
            position += 1
        }
        guard peek() == nil else { throw malformed("the end of the body after the JSON object") }
        guard let result else {
            throw RequestError("the JSON object has no \"rows\" (arrays of \(width) numbers) or \"instances\" (objects keyed by feature name)")
        }
        guard result.rows > 0 else { throw RequestError("no rows to score: the array is empty") }
        return result
    }

    mutating func parseRows() throws(RequestError) -> ParsedRows {
        guard peek() == UInt8(ascii: "[") else { throw RequestError("rows: expected an array of rows, found \(describeValue())") }
        position += 1
        var values: [Float] = []
        var rows = 0
        if peek() == UInt8(ascii: "]") { position += 1; return ParsedRows(values: values, rows: 0) }
        while true {
            guard rows < maxRows else { throw RequestError("rows: more than \(maxRows) rows in one request") }
            guard peek() == UInt8(ascii: "[") else {
                throw RequestError("rows[\(rows)]: expected an array of \(width) numbers, found \(describeValue())")
            }
            position += 1
            var count = 0
            if peek() == UInt8(ascii: "]") {
                position += 1
            } else {
                while true {
                    let row = rows, column = count
                    let v = try parseValue(at: "rows[\(row)][\(column)]")
                    count += 1
                    if count <= width { values.append(v) }
                    if peek() == UInt8(ascii: ",") { position += 1; continue }
                    try expect(UInt8(ascii: "]"), "',' or ']' in rows[\(rows)]")
                    break
                }
            }
            guard count == width else {
                throw RequestError("rows[\(rows)]: has \(count) value\(count == 1 ? "" : "s"), the model takes \(width)")
            }
            rows += 1
            if peek() == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "]"), "',' or ']' after rows[\(rows - 1)]")
            break
        }
        return ParsedRows(values: values, rows: rows)
    }

    mutating func parseInstances() throws(RequestError) -> ParsedRows {
        guard let featureIndex else {
            throw RequestError("instances: the model stores no feature names; send \"rows\" (arrays of \(width) numbers in input order)")
        }
        guard peek() == UInt8(ascii: "[") else { throw RequestError("instances: expected an array of objects, found \(describeValue())") }
        position += 1
        var values: [Float] = []
        var rows = 0
        if peek() == UInt8(ascii: "]") { position += 1; return ParsedRows(values: values, rows: 0) }
        var seen = [Bool](repeating: false, count: width)
        while true {
            guard rows < maxRows else { throw RequestError("instances: more than \(maxRows) rows in one request") }
            guard peek() == UInt8(ascii: "{") else {
                throw RequestError("instances[\(rows)]: expected an object of feature name → number, found \(describeValue())")
            }
            position += 1
            let base = values.count
            values.append(contentsOf: repeatElement(0, count: width))
            for i in seen.indices { seen[i] = false }
            if peek() == UInt8(ascii: "}") {
                position += 1
            } else {
                while true {
                    let key = try parseString()
                    try expect(UInt8(ascii: ":"), "':'")
                    if let index = featureIndex[key] {
                        guard !seen[index] else { throw RequestError("instances[\(rows)].\(key): given twice") }
                        let row = rows
                        values[base + index] = try parseValue(at: "instances[\(row)].\(key)")
                        seen[index] = true
                    } else {
                        try skipValue()  // extra keys are ignored
                    }
                    if peek() == UInt8(ascii: ",") { position += 1; continue }
                    try expect(UInt8(ascii: "}"), "',' or '}' in instances[\(rows)]")
                    break
                }
            }
            if let missing = seen.firstIndex(of: false) {
                let names = featureNames
                let absent = (missing..<width).filter { !seen[$0] }
                let listed = absent.prefix(5).map { "'\(names[$0])'" }.joined(separator: ", ") + (absent.count > 5 ? ", …" : "")
                throw RequestError("instances[\(rows)]: missing feature\(absent.count == 1 ? "" : "s") \(listed) (the model takes \(width) named features)")
            }
            rows += 1
            if peek() == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "]"), "',' or ']' after instances[\(rows - 1)]")
            break
        }
        return ParsedRows(values: values, rows: rows)
    }
}
