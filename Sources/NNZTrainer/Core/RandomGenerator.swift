/// The trainer's seeded random generator: xoshiro256** seeded through SplitMix64.
///
/// Algorithm (so that another implementation can reproduce every draw):
/// - **Seeding.** A SplitMix64 generator starts at `seed &+ stream &* 0xD1B54A32D192ED03`
///   (wrapping 64-bit arithmetic) and its first four outputs become the xoshiro256** state.
///   `stream` separates independent uses of one user seed (initialization, shuffling, dropout).
/// - **Integers.** `next()` is xoshiro256** (Blackman & Vigna, 2018):
///   `result = rotl(s1 &* 5, 7) &* 9`, then the standard state update.
/// - **Uniform.** `nextDouble()` is `(next() >> 11) · 2⁻⁵³` in [0, 1);
///   `nextFloat()` is `(next() >> 40) · 2⁻²⁴` in [0, 1).
/// - **Bounded integers.** `next(below: n)` is Lemire's multiply-shift with rejection (unbiased).
/// - **Normal.** `nextGaussian()` is Marsaglia's polar method in Double: draw
///   `u = 2·nextDouble() − 1`, `v = 2·nextDouble() − 1` until `0 < s = u² + v² < 1`, return
///   `u · sqrt(−2·ln(s)/s)` and keep `v · sqrt(−2·ln(s)/s)` for the next call. The logarithm is
///   ``PortableMath/log(_:)``, built from IEEE-754 basic operations only, so the same seed gives
///   the same values on every machine (no dependence on the platform's libm).
///
/// ```swift
/// var rng = RandomGenerator(seed: 42)
/// let x = rng.nextGaussian()       // N(0, 1)
/// let i = rng.next(below: 10)      // 0..<10
/// ```
public struct RandomGenerator: Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64
    private var spareGaussian: Double?

    /// Well-known stream numbers the trainer uses for one seed.
    public enum Stream: UInt64, Sendable {
        case initialization = 0
        case shuffling = 1
        case dropout = 2
        case split = 3
        case data = 4
    }

    /// A generator for `seed`, on the independent sub-stream `stream`.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var splitMix = SplitMix64(state: seed &+ stream &* 0xD1B5_4A32_D192_ED03)
        s0 = splitMix.next()
        s1 = splitMix.next()
        s2 = splitMix.next()
        s3 = splitMix.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 } // the all-zero state is a fixed point
    }

    public init(seed: UInt64, stream: Stream) {
        self.init(seed: seed, stream: stream.rawValue)
    }

    /// The next 64 random bits (xoshiro256**).
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1.0p-24
    }

    /// Uniform integer in `0..<bound` (Lemire's method, unbiased). `bound` must be positive.
    public mutating func next(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let n = UInt64(bound)
        var product = next().multipliedFullWidth(by: n)
        if product.low < n {
            let threshold = (0 &- n) % n
            while product.low < threshold {
                product = next().multipliedFullWidth(by: n)
            }
        }
        return Int(product.high)
    }

    /// A standard normal value (Marsaglia's polar method, portable logarithm).
    public mutating func nextGaussian() -> Double {
        if let spare = spareGaussian {
            spareGaussian = nil
            return spare
        }
        while true {
            let u = 2 * nextDouble() - 1
            let v = 2 * nextDouble() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = (-2 * PortableMath.log(s) / s).squareRoot()
                spareGaussian = v * factor
                return u * factor
            }
        }
    }

    /// Fisher–Yates shuffle driven by ``next(below:)``, last position first.
    public mutating func shuffle<T>(_ values: inout [T]) {
        var i = values.count - 1
        while i > 0 {
            let j = next(below: i + 1)
            if i != j { values.swapAt(i, j) }
            i -= 1
        }
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}

/// SplitMix64 (Steele, Lea & Flood, 2014): used only to expand a seed into xoshiro state.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Elementary functions written with IEEE-754 basic operations only (+ − × ÷ √), so their
/// results are the same on every conforming machine, unlike a platform libm's.
public enum PortableMath {
    /// Natural logarithm of a positive, finite `x` (error below 2 ulp).
    ///
    /// Splits `x = m · 2^e` with `m` in [√½, √2), then `ln m = 2·atanh(z)`, `z = (m−1)/(m+1)`,
    /// summed as the odd series `2(z + z³/3 + z⁵/5 + …)` until the terms vanish (|z| ≤ 0.172).
    public static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "log needs a positive finite value")
        var exponent = Double(x.exponent)
        var mantissa = x.significand // in [1, 2)
        if mantissa > 1.4142135623730951 {
            mantissa *= 0.5
            exponent += 1
        }
        let z = (mantissa - 1) / (mantissa + 1)
        let z2 = z * z
        var term = z
        var sum = 0.0
        var k = 1.0
        while true {
            let next = sum + term / k
            if next == sum { break }
            sum = next
            term *= z2
            k += 2
        }
        return 2 * sum + exponent * 0.6931471805599453
    }
}
