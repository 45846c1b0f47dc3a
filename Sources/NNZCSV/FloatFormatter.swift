/// `Float` → decimal text, written into caller-provided memory (no allocation).
///
/// Two modes:
///
/// **Shortest** (`writeShortest`): the shortest decimal that parses back (with a correctly
/// rounded parser such as `FloatParser` or `strtof`) to exactly the same `Float`; among the
/// shortest candidates the one closest to the exact binary value (ties: even last digit). These
/// are the same significant digits as Swift's `Float.description`. Layout, with `X` the decimal
/// exponent of the first significant digit (`d.ddd × 10^X`):
/// * `-5 ≤ X ≤ 7`: plain decimal, no exponent, no trailing zeros after the point and no point
///   when there is no fraction: `0.1`, `-2.5`, `0.00001`, `12345678`, `100`, `0.000123`.
/// * otherwise scientific like C: one digit, optional `.digits`, `e`, a sign and at least two
///   exponent digits: `1e-06`, `1.5e-07`, `3e+10`, `3.4028235e+38`, `1e-45`.
/// * specials: `nan` (any NaN, sign ignored, as Swift prints it), `inf`, `-inf`, `0`, `-0`.
///
/// **Fixed precision** (`write(_:precision:to:)`): byte-for-byte what C's `%.Ng` prints
/// (glibc) for `N` in 1...9 — the exact binary value rounded half-to-even to `N` significant
/// digits, `%e` style when the exponent is < -4 or ≥ N, else `%f` style, trailing zeros and a
/// bare point removed. Specials as glibc: `nan`, `-nan` (sign bit set), `inf`, `-inf`, `-0`.
///
/// Output never exceeds `FloatFormatter.maxLength` bytes.
public enum FloatFormatter {
    /// Upper bound on the bytes written by any call (actual maximum is 16).
    public static let maxLength = 24

    // MARK: Public entry points

    /// Writes the shortest round-trip form of `x` at `out`; returns the number of bytes written
    /// (at most `maxLength`).
    @inlinable
    public static func writeShortest(_ x: Float, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let bits = x.bitPattern
        let ieeeExponent = (bits >> 23) & 0xFF
        let ieeeMantissa = bits & 0x7F_FFFF
        var p = out
        if ieeeExponent == 0xFF {
            if ieeeMantissa != 0 { return writeASCII("nan", to: out) }
            return writeASCII(bits >> 31 != 0 ? "-inf" : "inf", to: out)
        }
        if bits >> 31 != 0 {
            p.pointee = UInt8(ascii: "-")
            p += 1
        }
        if ieeeExponent == 0 && ieeeMantissa == 0 {
            p.pointee = UInt8(ascii: "0")
            return p + 1 - out
        }
        let (digits, exponent) = shortestDigits(ieeeMantissa, ieeeExponent)
        let n = decimalLength(digits)
        return p - out + emit(UInt64(digits), n, exponent + n - 1, -5, 7, to: p)
    }

    /// Writes `x` exactly as C `snprintf("%.*g", precision, x)` would (precision clamped to
    /// 1...9); returns the number of bytes written (at most `maxLength`).
    @inlinable
    public static func write(_ x: Float, precision: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let P = precision < 1 ? 1 : (precision > 9 ? 9 : precision)
        let bits = x.bitPattern
        let ieeeExponent = (bits >> 23) & 0xFF
        let ieeeMantissa = bits & 0x7F_FFFF
        var p = out
        if bits >> 31 != 0 {
            p.pointee = UInt8(ascii: "-")
            p += 1
        }
        if ieeeExponent == 0xFF {
            return p - out + writeASCII(ieeeMantissa != 0 ? "nan" : "inf", to: p)
        }
        if ieeeExponent == 0 && ieeeMantissa == 0 {
            p.pointee = UInt8(ascii: "0")
            return p + 1 - out
        }
        var (digits, X) = fixedDigits(ieeeMantissa, ieeeExponent, P)
        var n = P
        while n > 1 && digits % 10 == 0 {
            digits /= 10
            n -= 1
        }
        return p - out + emit(digits, n, X, -4, P - 1, to: p)
    }

    /// The shortest round-trip form as a `String` (convenience; allocates).
    public static func shortest(_ x: Float) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { buf in
            let n = writeShortest(x, to: buf.baseAddress!)
            return String(decoding: UnsafeBufferPointer(start: buf.baseAddress!, count: n), as: UTF8.self)
        }
    }

    /// The `%.Ng` form as a `String` (convenience; allocates).
    public static func format(_ x: Float, precision: Int) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { buf in
            let n = write(x, precision: precision, to: buf.baseAddress!)
            return String(decoding: UnsafeBufferPointer(start: buf.baseAddress!, count: n), as: UTF8.self)
        }
    }

    // MARK: Layout

    @usableFromInline
    static func writeASCII(_ s: StaticString, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let n = s.utf8CodeUnitCount
        out.update(from: s.utf8Start, count: n)
        return n
    }

    @inlinable @inline(__always)
    static func decimalLength(_ v: UInt32) -> Int {
        if v >= 100_000_000 { return 9 }
        if v >= 10_000_000 { return 8 }
        if v >= 1_000_000 { return 7 }
        if v >= 100_000 { return 6 }
        if v >= 10_000 { return 5 }
        if v >= 1_000 { return 4 }
        if v >= 100 { return 3 }
        if v >= 10 { return 2 }
        return 1
    }

    /// Writes exactly `n` decimal digits of `v` (which must be < 10^n) ending at `out + n`.
    @inlinable @inline(__always)
    static func writeDigits(_ v: UInt64, _ n: Int, to out: UnsafeMutablePointer<UInt8>) {
        let table = digitPairs.utf8Start
        var v = v
        var i = n
        while i >= 2 {
            let r = Int(truncatingIfNeeded: v % 100)
            v /= 100
            i -= 2
            out[i] = table[2 &* r]
            out[i &+ 1] = table[2 &* r &+ 1]
        }
        if i == 1 {
            out.pointee = UInt8(truncatingIfNeeded: v) &+ 48
        }
    }

    /// Lays out `n` significant digits `digits` (no trailing zeros unless n == 1) with decimal
    /// exponent `X`; plain notation when `plainMin ≤ X ≤ plainMax`, else C-style scientific.
    @inlinable @inline(__always)
    static func emit(_ digits: UInt64, _ n: Int, _ X: Int, _ plainMin: Int, _ plainMax: Int,
                     to out: UnsafeMutablePointer<UInt8>) -> Int {
        if X >= plainMin && X <= plainMax {
            if X < 0 {
                // 0.000ddd
                out[0] = UInt8(ascii: "0")
                out[1] = UInt8(ascii: ".")
                let zeros = -X - 1
                var i = 2
                while i < 2 + zeros {
                    out[i] = UInt8(ascii: "0")
                    i += 1
                }
                writeDigits(digits, n, to: out + i)
                return i + n
            }
            if n <= X + 1 {
                // ddd000
                writeDigits(digits, n, to: out)
                var i = n
                while i <= X {
                    out[i] = UInt8(ascii: "0")
                    i += 1
                }
                return i
            }
            // dd.ddd : write the digits one position right, then pull the integer part left.
            writeDigits(digits, n, to: out + 1)
            var i = 0
            while i <= X {
                out[i] = out[i + 1]
                i += 1
            }
            out[X + 1] = UInt8(ascii: ".")
            return n + 1
        }
        // d.ddde±XX
        var len: Int
        if n == 1 {
            out[0] = UInt8(truncatingIfNeeded: digits) &+ 48
            len = 1
        } else {
            writeDigits(digits, n, to: out + 1)
            out[0] = out[1]
            out[1] = UInt8(ascii: ".")
            len = n + 1
        }
        out[len] = UInt8(ascii: "e")
        out[len + 1] = X < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")
        let a = X < 0 ? -X : X
        if a >= 100 {
            writeDigits(UInt64(a), 3, to: out + len + 2)
            return len + 5
        }
        writeDigits(UInt64(a), 2, to: out + len + 2)
        return len + 4
    }

    @usableFromInline
    static let digitPairs: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    // MARK: Shortest digits (Ryū algorithm for binary32)

    @inlinable @inline(__always)
    static func pow5bits(_ e: Int) -> Int { ((e &* 1_217_359) >> 19) &+ 1 }
    @inlinable @inline(__always)
    static func log10Pow2(_ e: Int) -> Int { (e &* 78_913) >> 18 }
    @inlinable @inline(__always)
    static func log10Pow5(_ e: Int) -> Int { (e &* 732_923) >> 20 }

    @inlinable @inline(__always)
    static func mulShift32(_ m: UInt32, _ factor: UInt64, _ shift: Int) -> UInt32 {
        let low = UInt64(m) &* (factor & 0xFFFF_FFFF)
        let high = UInt64(m) &* (factor >> 32)
        let sum = (low >> 32) &+ high
        return UInt32(truncatingIfNeeded: sum &>> UInt64(truncatingIfNeeded: shift &- 32))
    }

    @inlinable @inline(__always)
    static func pow5Inv(_ i: Int) -> UInt64 {
        pow5InverseSplit.withUnsafeBufferPointer { $0[i] }
    }

    @inlinable @inline(__always)
    static func pow5(_ i: Int) -> UInt64 {
        pow5Split.withUnsafeBufferPointer { $0[i] }
    }

    @inlinable
    static func multipleOfPowerOf5(_ value: UInt32, _ p: Int) -> Bool {
        var v = value
        var count = 0
        while v != 0 {
            let q = v / 5
            if v &- q &* 5 != 0 { break }
            v = q
            count += 1
            if count >= p { return true }
        }
        return count >= p
    }

    @inlinable @inline(__always)
    static func multipleOfPowerOf2(_ value: UInt32, _ p: Int) -> Bool {
        p >= 32 ? value == 0 : (value & ((1 << UInt32(p)) &- 1)) == 0
    }

    /// Shortest digits `d` and exponent `e` with `value = d × 10^e` for a finite non-zero float.
    @inlinable
    static func shortestDigits(_ ieeeMantissa: UInt32, _ ieeeExponent: UInt32) -> (UInt32, Int) {
        let e2: Int
        let m2: UInt32
        if ieeeExponent == 0 {
            e2 = 1 - 127 - 23 - 2
            m2 = ieeeMantissa
        } else {
            e2 = Int(ieeeExponent) - 127 - 23 - 2
            m2 = (1 << 23) | ieeeMantissa
        }
        let acceptBounds = m2 & 1 == 0
        let mv = 4 &* m2
        let mp = 4 &* m2 &+ 2
        let mmShift: UInt32 = (ieeeMantissa != 0 || ieeeExponent <= 1) ? 1 : 0
        let mm = 4 &* m2 &- 1 &- mmShift

        var vr: UInt32, vp: UInt32, vm: UInt32
        let e10: Int
        var vmIsTrailingZeros = false
        var vrIsTrailingZeros = false
        var lastRemovedDigit: UInt32 = 0
        if e2 >= 0 {
            let q = log10Pow2(e2)
            e10 = q
            let k = 59 &+ pow5bits(q) &- 1
            let i = -e2 &+ q &+ k
            let f = pow5Inv(q)
            vr = mulShift32(mv, f, i)
            vp = mulShift32(mp, f, i)
            vm = mulShift32(mm, f, i)
            if q != 0 && (vp &- 1) / 10 <= vm / 10 {
                let l = 59 &+ pow5bits(q &- 1) &- 1
                lastRemovedDigit = mulShift32(mv, pow5Inv(q &- 1), -e2 &+ q &- 1 &+ l) % 10
            }
            if q <= 9 {
                if mv % 5 == 0 {
                    vrIsTrailingZeros = multipleOfPowerOf5(mv, q)
                } else if acceptBounds {
                    vmIsTrailingZeros = multipleOfPowerOf5(mm, q)
                } else if multipleOfPowerOf5(mp, q) {
                    vp &-= 1
                }
            }
        } else {
            let q = log10Pow5(-e2)
            e10 = q &+ e2
            let i = -e2 &- q
            let k = pow5bits(i) &- 61
            let j = q &- k
            let f = pow5(i)
            vr = mulShift32(mv, f, j)
            vp = mulShift32(mp, f, j)
            vm = mulShift32(mm, f, j)
            if q != 0 && (vp &- 1) / 10 <= vm / 10 {
                let j2 = q &- 1 &- (pow5bits(i &+ 1) &- 61)
                lastRemovedDigit = mulShift32(mv, pow5(i &+ 1), j2) % 10
            }
            if q <= 1 {
                vrIsTrailingZeros = true
                if acceptBounds {
                    vmIsTrailingZeros = mmShift == 1
                } else {
                    vp &-= 1
                }
            } else if q < 31 {
                vrIsTrailingZeros = multipleOfPowerOf2(mv, q &- 1)
            }
        }

        var removed = 0
        let output: UInt32
        if vmIsTrailingZeros || vrIsTrailingZeros {
            while vp / 10 > vm / 10 {
                vmIsTrailingZeros = vmIsTrailingZeros && vm % 10 == 0
                vrIsTrailingZeros = vrIsTrailingZeros && lastRemovedDigit == 0
                lastRemovedDigit = vr % 10
                vr /= 10
                vp /= 10
                vm /= 10
                removed += 1
            }
            if vmIsTrailingZeros {
                while vm % 10 == 0 {
                    vrIsTrailingZeros = vrIsTrailingZeros && lastRemovedDigit == 0
                    lastRemovedDigit = vr % 10
                    vr /= 10
                    vp /= 10
                    vm /= 10
                    removed += 1
                }
            }
            if vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0 {
                lastRemovedDigit = 4   // exact .5: round to even
            }
            let roundUp = (vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5
            output = vr &+ (roundUp ? 1 : 0)
        } else {
            while vp / 10 > vm / 10 {
                lastRemovedDigit = vr % 10
                vr /= 10
                vp /= 10
                vm /= 10
                removed += 1
            }
            output = vr &+ ((vr == vm || lastRemovedDigit >= 5) ? 1 : 0)
        }
        var out = output
        var exp = e10 &+ removed
        // Ryū can leave trailing zeros (e.g. for integers); strip them.
        while out % 10 == 0 && out != 0 {
            out /= 10
            exp += 1
        }
        return (out, exp)
    }

    // MARK: Fixed significant digits (%.Ng)

    /// `round_half_even(x × 10^(P-1-X))` and the decimal exponent `X` of the rounded value,
    /// for a finite non-zero float given by its fields (sign ignored). Exact arithmetic.
    @inlinable
    static func fixedDigits(_ ieeeMantissa: UInt32, _ ieeeExponent: UInt32, _ P: Int) -> (UInt64, Int) {
        let m: UInt64
        let e: Int
        if ieeeExponent == 0 {
            m = UInt64(ieeeMantissa)
            e = -149
        } else {
            m = UInt64(ieeeMantissa | (1 << 23))
            e = Int(ieeeExponent) - 150
        }
        // X = floor(log10(x)), estimated from the binary exponent then corrected exactly
        // against the smallest floats ≥ 10^j.
        let E = e + 63 - m.leadingZeroBitCount
        var X = (E &* 78_913) >> 18
        let xbits = (ieeeExponent << 23) | ieeeMantissa
        pow10FloatCeiling.withUnsafeBufferPointer { t in
            if xbits < t[X + 46] { X -= 1 }
            if xbits >= t[X + 47] { X += 1 }
        }
        let k = P - 1 - X
        var t: UInt64
        var roundUp: Bool
        if k >= 0 {
            // N = m·5^k (up to 152 bits), value = N·2^(e+k)
            let (p5hi, p5lo) = pow5Exact.withUnsafeBufferPointer { ($0[2 * k], $0[2 * k + 1]) }
            let a = m.multipliedFullWidth(by: p5lo)
            let b = m.multipliedFullWidth(by: p5hi)
            let n0 = a.low
            let (n1, carry) = a.high.addingReportingOverflow(b.low)
            let n2 = b.high &+ (carry ? 1 : 0)
            let s = e + k
            if s >= 0 {
                t = n0 << UInt64(s)
                roundUp = false
            } else {
                let sh = -s
                t = shiftRight3(n0, n1, n2, sh)
                // remainder vs half: bit sh-1, and whether any lower bit is set
                let hb = bit3(n0, n1, n2, sh - 1)
                if !hb {
                    roundUp = false
                } else if anyBelow3(n0, n1, n2, sh - 1) {
                    roundUp = true
                } else {
                    roundUp = t & 1 == 1
                }
            }
        } else {
            // value = m·2^(e-j) / 5^j
            let j = -k
            let (p5hi, p5lo) = pow5Exact.withUnsafeBufferPointer { ($0[2 * j], $0[2 * j + 1]) }
            let s = e - j
            var num = U128(hi: 0, lo: m)
            var den = U128(hi: p5hi, lo: p5lo)
            if s >= 0 { num = num.shiftedLeft(s) } else { den = den.shiftedLeft(-s) }
            let (q, r) = U128.divideSmallQuotient(num, den)
            // compare 2r with den
            let twoR = r.shiftedLeft(1)
            if twoR < den {
                roundUp = false
            } else if den < twoR {
                roundUp = true
            } else {
                roundUp = q & 1 == 1
            }
            t = q
        }
        if roundUp { t += 1 }
        let limit = tenPow(P)
        if t >= limit {
            t /= 10
            X += 1
        }
        return (t, X)
    }

    @inlinable @inline(__always)
    static func tenPow(_ n: Int) -> UInt64 {
        var r: UInt64 = 1
        for _ in 0..<n { r &*= 10 }
        return r
    }

    @inlinable @inline(__always)
    static func shiftRight3(_ n0: UInt64, _ n1: UInt64, _ n2: UInt64, _ sh: Int) -> UInt64 {
        // low 64 bits of (n2:n1:n0) >> sh, 0 < sh < 192
        if sh < 64 {
            return (n0 >> UInt64(sh)) | (sh == 0 ? 0 : n1 << UInt64(64 - sh))
        } else if sh < 128 {
            let s = sh - 64
            return (n1 >> UInt64(s)) | (s == 0 ? 0 : n2 << UInt64(64 - s))
        } else {
            return n2 >> UInt64(sh - 128)
        }
    }

    @inlinable @inline(__always)
    static func bit3(_ n0: UInt64, _ n1: UInt64, _ n2: UInt64, _ i: Int) -> Bool {
        if i < 64 { return (n0 >> UInt64(i)) & 1 == 1 }
        if i < 128 { return (n1 >> UInt64(i - 64)) & 1 == 1 }
        return (n2 >> UInt64(i - 128)) & 1 == 1
    }

    /// Whether any of bits 0..<i is set.
    @inlinable @inline(__always)
    static func anyBelow3(_ n0: UInt64, _ n1: UInt64, _ n2: UInt64, _ i: Int) -> Bool {
        if i <= 64 {
            return i == 0 ? false : (i == 64 ? n0 != 0 : n0 & ((1 << UInt64(i)) - 1) != 0)
        }
        if n0 != 0 { return true }
        if i <= 128 {
            let s = i - 64
            return s == 64 ? n1 != 0 : n1 & ((1 << UInt64(s)) - 1) != 0
        }
        if n1 != 0 { return true }
        let s = i - 128
        return n2 & ((1 << UInt64(s)) - 1) != 0
    }
}

extension FloatFormatter {
    /// Minimal unsigned 128-bit arithmetic (portable; no dependency on the stdlib `UInt128`,
    /// which needs macOS 15).
    @usableFromInline
    struct U128: Comparable {
        @usableFromInline var hi: UInt64
        @usableFromInline var lo: UInt64

        @inlinable init(hi: UInt64, lo: UInt64) {
            self.hi = hi
            self.lo = lo
        }

        @inlinable static func < (a: U128, b: U128) -> Bool {
            a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo)
        }

        @inlinable func shiftedLeft(_ s: Int) -> U128 {
            if s == 0 { return self }
            if s >= 64 { return U128(hi: lo << UInt64(s - 64), lo: 0) }
            return U128(hi: (hi << UInt64(s)) | (lo >> UInt64(64 - s)), lo: lo << UInt64(s))
        }

        @inlinable static func - (a: U128, b: U128) -> U128 {
            let (lo, borrow) = a.lo.subtractingReportingOverflow(b.lo)
            return U128(hi: a.hi &- b.hi &- (borrow ? 1 : 0), lo: lo)
        }

        @inlinable static func + (a: U128, b: U128) -> U128 {
            let (lo, carry) = a.lo.addingReportingOverflow(b.lo)
            return U128(hi: a.hi &+ b.hi &+ (carry ? 1 : 0), lo: lo)
        }

        /// a × q (must fit in 128 bits)
        @inlinable static func times(_ a: U128, _ q: UInt64) -> U128 {
            let l = q.multipliedFullWidth(by: a.lo)
            return U128(hi: l.high &+ q &* a.hi, lo: l.low)
        }

        @inlinable var asDouble: Double {
            Double(hi) * 18_446_744_073_709_551_616.0 + Double(lo)
        }

        /// (num / den, num % den) when the quotient is known to be < 2^50.
        @inlinable static func divideSmallQuotient(_ num: U128, _ den: U128) -> (UInt64, U128) {
            var q = UInt64(num.asDouble / den.asDouble)
            var prod = times(den, q)
            while num < prod {
                q -= 1
                prod = prod - den
            }
            var r = num - prod
            while !(r < den) {
                q += 1
                r = r - den
            }
            return (q, r)
        }
    }
}
