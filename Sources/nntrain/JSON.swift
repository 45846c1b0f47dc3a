/// A small JSON reader that remembers where every value starts, so configuration errors can
/// say `model.json:4:12: expected a number for "epochs", found a string`.
struct JSONValue {
    enum Kind {
        case null
        case bool(Bool)
        case number(Double, text: String)
        case string(String)
        case array([JSONValue])
        case object([(key: String, value: JSONValue)])
    }

    var kind: Kind
    var line: Int
    var column: Int

    var typeName: String {
        switch kind {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The member `key` of an object.
    subscript(key: String) -> JSONValue? {
        if case .object(let members) = kind { return members.last { $0.key == key }?.value }
        return nil
    }
}

struct JSONSyntaxError: Error {
    var line: Int
    var column: Int
    var message: String
}

/// Parses RFC 8259 JSON (UTF-8).
struct JSONParser {
    private let bytes: [UInt8]
    private var position = 0
    private var line = 1
    private var lineStart = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3; lineStart = 3 }
    }

    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.position == bytes.count else { throw parser.error("expected the end of the file after the top-level value") }
        return value
    }

    private var column: Int {
        var count = 1
        var i = lineStart
        while i < position {
            if bytes[i] & 0xC0 != 0x80 { count += 1 }
            i += 1
        }
        return count
    }

    private func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(line: line, column: column, message: message)
    }

    private func describeHere() -> String {
        guard position < bytes.count else { return "the end of the file" }
        let b = bytes[position]
        if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x\(String(b, radix: 16))"
    }

    private mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0D: position += 1
            case 0x0A:
                position += 1
                line += 1
                lineStart = position
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < 64 else { throw error("the JSON nests deeper than 64 levels") }
        let startLine = line, startColumn = column
        guard position < bytes.count else { throw error("expected a value, found the end of the file") }
        func make(_ kind: JSONValue.Kind) -> JSONValue { JSONValue(kind: kind, line: startLine, column: startColumn) }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var members: [(key: String, value: JSONValue)] = []
            skipSpace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "}") { position += 1; return make(.object(members)) }
            while true {
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw error("expected a member name in double quotes, found \(describeHere())")
                }
                let key = try string()
                skipSpace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':' after the member name \"\(key)\", found \(describeHere())") }
                position += 1
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard position < bytes.count else { throw error("expected ',' or '}', found the end of the file") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return make(.object(members)) }
                throw error("expected ',' or '}' after a member, found \(describeHere())")
            }
        case UInt8(ascii: "["):
            position += 1
            var items: [JSONValue] = []
            skipSpace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "]") { position += 1; return make(.array(items)) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard position < bytes.count else { throw error("expected ',' or ']', found the end of the file") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return make(.array(items)) }
                throw error("expected ',' or ']' after an array item, found \(describeHere())")
            }
        case UInt8(ascii: "\""):
            return make(.string(try string()))
        case UInt8(ascii: "t"):
            try literal("true")
            return make(.bool(true))
        case UInt8(ascii: "f"):
            try literal("false")
            return make(.bool(false))
        case UInt8(ascii: "n"):
            try literal("null")
            return make(.null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = position
            while position < bytes.count, "+-0123456789.eE".utf8.contains(bytes[position]) { position += 1 }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            guard let number = Double(text), number.isFinite, isJSONNumber(text) else {
                position = start
                throw error("expected a number, found \"\(text)\"")
            }
            return make(.number(number, text: text))
        default:
            throw error("expected a value (object, array, string, number, true, false or null), found \(describeHere())")
        }
    }

    private func isJSONNumber(_ text: String) -> Bool {
        let b = Array(text.utf8)
        var i = 0
        if i < b.count && b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: "0") { i += 1 } else {
            guard (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(b[i]) else { return false }
            while i < b.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) { i += 1 }
        }
        if i < b.count && b[i] == UInt8(ascii: ".") {
            i += 1
            let digits = i
            while i < b.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) { i += 1 }
            guard i > digits else { return false }
        }
        if i < b.count && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
            i += 1
            if i < b.count && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
            let digits = i
            while i < b.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) { i += 1 }
            guard i > digits else { return false }
        }
        return i == b.count
    }

    private mutating func literal(_ word: String) throws(JSONSyntaxError) {
        let w = Array(word.utf8)
        guard position + w.count <= bytes.count, Array(bytes[position..<(position + w.count)]) == w else {
            throw error("expected a value, found \(describeHere())")
        }
        position += w.count
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        position += 1 // opening quote
        var out: [UInt8] = []
        while true {
            guard position < bytes.count else { throw error("a string is never closed; expected '\"'") }
            let b = bytes[position]
            if b == UInt8(ascii: "\"") { position += 1; break }
            if b < 0x20 { throw error("control characters must be escaped inside strings") }
            if b == UInt8(ascii: "\\") {
                guard position + 1 < bytes.count else { throw error("a string is never closed; expected '\"'") }
                let e = bytes[position + 1]
                position += 2
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                            throw error("expected the second half of a UTF-16 surrogate pair")
                        }
                        position += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("invalid UTF-16 surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    position -= 1
                    throw error("unknown escape '\\\(Character(Unicode.Scalar(e)))' in a string")
                }
                continue
            }
            out.append(b)
            position += 1
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw error("the string is not valid UTF-8") }
        return s
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard position + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16) else {
            throw error("expected four hexadecimal digits after \\u")
        }
        position += 4
        return v
    }
}
