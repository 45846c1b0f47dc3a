/// IEEE binary16 ↔ binary32 by bit operations (Swift's `Float16` is missing on macOS x86_64).
/// `Tools/nnz.py` gets the same bits from numpy's `astype(np.float16)`.
enum Float16Bits {
    /// The largest finite float16, 65504.
    static let largestFinite: Float = 65504

    /// `x` rounded to the nearest float16, ties to even; nil when the result is not finite
    /// (NaN, ±inf, or |x| ≥ 65520, which rounds to infinity). Float32 values below half the
    /// smallest float16 subnormal (2^-25) become ±0; the sign of zero is kept.
    static func bits(_ x: Float) -> UInt16? {
        let bits = x.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x7F_FFFF
        guard exponent != 0xFF else { return nil }
        let halfExponent = exponent - 127 + 15
        guard halfExponent < 31 else { return nil }
        if halfExponent <= 0 {
            // A float16 subnormal (or zero): count units of 2^-24. The float32 value is
            // (1.mantissa) · 2^(exponent − 127) = (mantissa | 2^23) · 2^(exponent − 150), so
            // the units are that integer shifted right by 126 − exponent (≥ 14).
            let shift = 126 - exponent
            guard exponent != 0, shift <= 24 else { return sign }   // below 2^-25: rounds to 0
            let full = mantissa | 0x80_0000
            var units = full >> UInt32(shift)
            let rest = full & ((1 << UInt32(shift)) - 1), half = UInt32(1) << UInt32(shift - 1)
            if rest > half || (rest == half && units & 1 == 1) { units += 1 }
            return sign | UInt16(units)     // 0x400 when it rounds up to the smallest normal
        }
        var half = UInt32(halfExponent) << 10 | mantissa >> 13
        let rest = mantissa & 0x1FFF
        if rest > 0x1000 || (rest == 0x1000 && half & 1 == 1) { half += 1 }   // may carry into the exponent
        guard half < 0x7C00 else { return nil }
        return sign | UInt16(half)
    }

    /// The float32 holding exactly the float16 with these bits (infinities and NaNs too).
    static func float(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        var mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
        if exponent == 0 {
            guard mantissa != 0 else { return Float(bitPattern: sign) }
            // Subnormal mantissa · 2^-24: normalize so that bit 10 is the implicit one.
            var floatExponent: UInt32 = 127 - 15 + 1
            while mantissa & 0x400 == 0 {
                mantissa <<= 1
                floatExponent -= 1
            }
            return Float(bitPattern: sign | floatExponent << 23 | (mantissa & 0x3FF) << 13)
        }
        return Float(bitPattern: sign | (exponent + 127 - 15) << 23 | mantissa << 13)
    }

    /// Whether these bits are a finite float16 (exponent bits not all ones).
    static func isFinite(_ h: UInt16) -> Bool { h & 0x7C00 != 0x7C00 }
}
