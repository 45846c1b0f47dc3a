#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// FloatParser's documented syntax checked one byte at a time, and the value C `strtof` gives
/// for it (on a NUL-terminated copy; the process never calls setlocale, so the C locale):
///
///     [spaces] [+|-] ( digits [. [digits]] | . digits ) [ (e|E) [+|-] digits ] [spaces]
///     [spaces] [+|-] ( inf | infinity | nan )                                  [spaces]
enum ReferenceFloat {
    static func parse(_ text: [UInt8]) -> Float? {
        var lo = 0, hi = text.count
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        while lo < hi && isSpace(text[lo]) { lo += 1 }
        while hi > lo && isSpace(text[hi - 1]) { hi -= 1 }
        let body = Array(text[lo..<hi])
        var i = 0
        if i < body.count && (body[i] == UInt8(ascii: "+") || body[i] == UInt8(ascii: "-")) { i += 1 }
        let word = String(decoding: body[i...], as: UTF8.self).lowercased()
        let special = ["inf", "infinity", "nan"].contains(word) && body[i...].allSatisfy { $0 < 0x80 }
        if !special {
            var mantissaDigits = 0
            while i < body.count && isDigit(body[i]) { i += 1; mantissaDigits += 1 }
            if i < body.count && body[i] == UInt8(ascii: ".") {
                i += 1
                while i < body.count && isDigit(body[i]) { i += 1; mantissaDigits += 1 }
            }
            if mantissaDigits == 0 { return nil }
            if i < body.count && (body[i] == UInt8(ascii: "e") || body[i] == UInt8(ascii: "E")) {
                i += 1
                if i < body.count && (body[i] == UInt8(ascii: "+") || body[i] == UInt8(ascii: "-")) { i += 1 }
                var exponentDigits = 0
                while i < body.count && isDigit(body[i]) { i += 1; exponentDigits += 1 }
                if exponentDigits == 0 { return nil }
            }
            if i != body.count { return nil }
        }
        let cString = body.map { CChar(bitPattern: $0) } + [0]
        return cString.withUnsafeBufferPointer { p -> Float? in
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtof(p.baseAddress!, &end)
            precondition(end.map { $0 - UnsafeMutablePointer(mutating: p.baseAddress!) } == body.count,
                         "strtof stopped early on text the reference syntax accepts: \(String(decoding: body, as: UTF8.self))")
            return v
        }
    }

    /// Same value: equal bits, or both NaN with the same sign.
    static func same(_ a: Float, _ b: Float) -> Bool {
        a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN && a.sign == b.sign)
    }
}
