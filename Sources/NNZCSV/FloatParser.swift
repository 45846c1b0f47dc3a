#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Decimal text → `Float`, correctly rounded (round-half-even), giving exactly what C `strtof`
/// gives in the default rounding mode for every input it accepts.
///
/// Accepted syntax (the *whole* input must match, ASCII only):
///
///     [spaces] [+|-] ( digits [. [digits]] | . digits ) [ (e|E) [+|-] digits ] [spaces]
///     [spaces] [+|-] ( inf | infinity | nan )                                  [spaces]
///
/// where *spaces* are ASCII space (0x20) or tab (0x09) and the special words are
/// case-insensitive. Everything else returns `nil`: the empty string, hexadecimal floats
/// (`0x1p3`), `nan(...)`, a lone sign or `.`, `1e`, `1e+`, `--1`, `1.2.3`, `1,5`, embedded NUL…
///
/// Out-of-range values behave like `strtof`: overflow gives ±infinity, underflow gives a
/// subnormal or ±0 (no error is reported; `errno` is never touched).
///
/// Algorithm: up to 19 significant digits are accumulated in a `UInt64`; then
/// * if the digits fit in 24 bits and |exponent| ≤ 10, one exact IEEE `Float` multiplication or
///   division (both operands exact, a single rounding);
/// * otherwise the Eisel–Lemire algorithm for binary32 with a 128-bit table of powers of five
///   (exact for every 19-digit input, including halfway cases);
/// * with more than 19 significant digits the value lies strictly between `w·10^q` and
///   `(w+1)·10^q`; if both round to the same float that is the answer, otherwise (essentially
///   never) `strtof` is called on a NUL-terminated copy.
public enum FloatParser {

    /// Parses the whole buffer; `nil` if it is not a number (see the type's documentation).
    @inlinable
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Float? {
        guard let base = bytes.baseAddress else { return nil }
        return parse(base, count: bytes.count)
    }

    /// Parses the whole buffer; `nil` if it is not a number.
    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Float? {
        guard let base = bytes.baseAddress else { return nil }
        return parse(base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
    }

    /// Parses the whole string; `nil` if it is not a number.
    public static func parse(_ text: String) -> Float? {
        var copy = text
        return copy.withUTF8 { parse($0) }
    }

    /// Parses `count` bytes at `start`; `nil` if they are not a number.
    public static func parse(_ start: UnsafePointer<UInt8>, count: Int) -> Float? {
        var p = start
        var end = start + count
        while p < end && (p.pointee == 0x20 || p.pointee == 0x09) { p += 1 }
        while end > p && (end[-1] == 0x20 || end[-1] == 0x09) { end -= 1 }
        if p == end { return nil }
        let textStart = p
        var negative = false
        if p.pointee == UInt8(ascii: "-") {
            negative = true
            p += 1
        } else if p.pointee == UInt8(ascii: "+") {
            p += 1
        }
        if p == end { return nil }
        let first = p.pointee | 0x20
        if first == UInt8(ascii: "i") || first == UInt8(ascii: "n") {
            return parseSpecial(p, end, negative)
        }

        var w: UInt64 = 0
        var digits = 0          // significant digits held in w
        var exp10 = 0
        var truncated = false   // a non-zero digit was dropped
        var sawDigit = false
        while p < end {
            let d = p.pointee &- 48
            if d > 9 { break }
            sawDigit = true
            if digits < 19 {
                if w != 0 || d != 0 {
                    w = w &* 10 &+ UInt64(d)
                    digits += 1
                }
            } else {
                exp10 += 1
                if d != 0 { truncated = true }
            }
            p += 1
        }
        if p < end && p.pointee == UInt8(ascii: ".") {
            p += 1
            while p < end {
                let d = p.pointee &- 48
                if d > 9 { break }
                sawDigit = true
                if digits < 19 {
                    if w != 0 || d != 0 {
                        w = w &* 10 &+ UInt64(d)
                        digits += 1
                    }
                    exp10 -= 1
                } else if d != 0 {
                    truncated = true
                }
                p += 1
            }
        }
        if !sawDigit { return nil }
        if p < end && (p.pointee | 0x20) == UInt8(ascii: "e") {
            p += 1
            var expNegative = false
            if p < end && (p.pointee == UInt8(ascii: "-") || p.pointee == UInt8(ascii: "+")) {
                expNegative = p.pointee == UInt8(ascii: "-")
                p += 1
            }
            var e = 0
            var sawExpDigit = false
            while p < end {
                let d = p.pointee &- 48
                if d > 9 { break }
                sawExpDigit = true
                if e < 1_000_000 { e = e * 10 + Int(d) }
                p += 1
            }
            if !sawExpDigit { return nil }
            exp10 += expNegative ? -e : e
        }
        if p != end { return nil }
        if w == 0 { return negative ? -0.0 : 0.0 }
        if !truncated { return compute(w, exp10, negative) }
        let a = eiselLemire(w, exp10)
        let b = eiselLemire(w + 1, exp10)
        if a == b {
            let f = Float(bitPattern: a)
            return negative ? -f : f
        }
        return strtofFallback(textStart, end - textStart)
    }

    // MARK: - Internals

    @usableFromInline
    static func parseSpecial(_ p: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, _ negative: Bool) -> Float? {
        let n = end - p
        @inline(__always) func matches(_ word: StaticString) -> Bool {
            if n != word.utf8CodeUnitCount { return false }
            let w = word.utf8Start
            for i in 0..<n where (p[i] | 0x20) != w[i] { return false }
            return true
        }
        if matches("inf") || matches("infinity") {
            return negative ? -Float.infinity : Float.infinity
        }
        if matches("nan") {
            return negative ? -Float.nan : Float.nan
        }
        return nil
    }

    @usableFromInline
    static func strtofFallback(_ start: UnsafePointer<UInt8>, _ count: Int) -> Float? {
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buf -> Float? in
            let b = buf.baseAddress!
            for i in 0..<count { b[i] = CChar(bitPattern: start[i]) }
            b[count] = 0
            var endp: UnsafeMutablePointer<CChar>? = nil
            let v = strtof(b, &endp)
            guard endp == b + count else { return nil }
            return v
        }
    }

    /// `±w·10^q` correctly rounded, for `w != 0` given exactly (not truncated).
    @inlinable @inline(__always)
    static func compute(_ w: UInt64, _ q: Int, _ negative: Bool) -> Float {
        if w <= 1 << 24 && q >= -10 && q <= 10 {
            // Both operands are exact floats: one correctly rounded operation.
            let f = Float(w)
            let r = q < 0 ? f / exactPow10(-q) : f * exactPow10(q)
            return negative ? -r : r
        }
        let f = Float(bitPattern: eiselLemire(w, q))
        return negative ? -f : f
    }

    @inlinable @inline(__always)
    static func exactPow10(_ i: Int) -> Float {
        switch i {
        case 0: return 1
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        default: return 1e10
        }
    }

    /// Eisel–Lemire for binary32: the bit pattern of `w·10^q` correctly rounded (w ≠ 0).
    @inlinable
    static func eiselLemire(_ w0: UInt64, _ q: Int) -> UInt32 {
        if q < -64 { return 0 }
        if q > 38 { return 0x7F80_0000 }
        let lz = w0.leadingZeroBitCount
        let w = w0 &<< UInt64(lz)
        let index = (q &+ 64) &* 2
        let (powHi, powLo) = pow5x128.withUnsafeBufferPointer { ($0[index], $0[index &+ 1]) }
        var (hi, lo) = w.multipliedFullWidth(by: powHi)
        let precisionMask: UInt64 = ~0 >> 26   // 23 explicit mantissa bits + 3
        if hi & precisionMask == precisionMask {
            let hi2 = w.multipliedFullWidth(by: powLo).high
            let newLo = lo &+ hi2
            if hi2 > newLo { hi &+= 1 }
            lo = newLo
        }
        let upper = Int(truncatingIfNeeded: hi >> 63)
        let shift = UInt64(truncatingIfNeeded: upper &+ 38)
        var mantissa = hi >> shift
        var power2 = (((152170 + 65536) &* q) >> 16) &+ 63 &+ upper &- lz &+ 127
        if power2 <= 0 {
            // Subnormal (or zero).
            if -power2 + 1 >= 64 { return 0 }
            mantissa >>= UInt64(truncatingIfNeeded: -power2 + 1)
            mantissa &+= mantissa & 1
            mantissa >>= 1
            // Rounding may have produced the smallest normal number: then bit 23 is set,
            // which is exactly its encoding.
            return UInt32(truncatingIfNeeded: mantissa)
        }
        // Exact halfway case: round to even.
        if lo <= 1 && q >= -17 && q <= 10 && mantissa & 3 == 1 && (mantissa &<< shift) == hi {
            mantissa &= ~1
        }
        mantissa &+= mantissa & 1
        mantissa >>= 1
        if mantissa >= (2 << 23) {
            mantissa = 1 << 23
            power2 &+= 1
        }
        mantissa &= ~(1 << 23)
        if power2 >= 255 { return 0x7F80_0000 }
        return UInt32(truncatingIfNeeded: power2) << 23 | UInt32(truncatingIfNeeded: mantissa)
    }

    /// Hot-path scanner used by the CSV reader: parses a number of the *simple* form
    /// `[+|-] digits [. digits] [(e|E) [+|-] digits]` (at most 19 mantissa digits in total, at
    /// least one) starting at `p`, stopping at the first byte that cannot continue it.
    /// Returns the value and the stop position, or `nil` when the text is not of the simple form
    /// (the caller then delimits the field and uses `parse(_:count:)`).
    ///
    /// Requirement: the bytes starting at `p` must contain a byte that is none of
    /// `0-9 . e E + -` within readable memory (a delimiter, a line end or a sentinel).
    /// (An eight-bytes-at-a-time digit scanner was measured: no faster on %.9g data.)
    @inlinable @inline(__always)
    static func scanSimple(_ start: UnsafePointer<UInt8>) -> (Float, UnsafePointer<UInt8>)? {
        var p = start
        let c0 = p.pointee
        let negative = c0 == UInt8(ascii: "-")
        if negative || c0 == UInt8(ascii: "+") { p += 1 }
        var w: UInt64 = 0
        let intStart = p
        while true {
            let d = p.pointee &- 48
            if d > 9 { break }
            w = w &* 10 &+ UInt64(d)
            p += 1
        }
        var digits = p - intStart
        var exp10 = 0
        if p.pointee == UInt8(ascii: ".") {
            p += 1
            let fracStart = p
            while true {
                let d = p.pointee &- 48
                if d > 9 { break }
                w = w &* 10 &+ UInt64(d)
                p += 1
            }
            exp10 = fracStart - p
            digits -= exp10
        }
        if digits == 0 || digits > 19 { return nil }
        if (p.pointee | 0x20) == UInt8(ascii: "e") {
            p += 1
            let s = p.pointee
            let expNegative = s == UInt8(ascii: "-")
            if expNegative || s == UInt8(ascii: "+") { p += 1 }
            let expStart = p
            var e = 0
            while true {
                let d = p.pointee &- 48
                if d > 9 { break }
                if e < 1_000_000 { e = e &* 10 &+ Int(d) }
                p += 1
            }
            if p == expStart { return nil }
            exp10 += expNegative ? -e : e
        }
        if w == 0 { return (negative ? -0.0 : 0.0, p) }
        return (compute(w, exp10, negative), p)
    }
}
