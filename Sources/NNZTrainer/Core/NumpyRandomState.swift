/// A re-implementation of numpy's legacy `np.random.RandomState` (MT19937) for the draws the
/// tutorials make, so that their recipes can start from *exactly* the weights the numpy code
/// drew (`np.random.seed(0); make_moons(...); np.random.randn(...)`).
///
/// Implemented: `seed(Int)` (MT19937 `init_genrand`), `random_sample` (53-bit double from two
/// 32-bit outputs), `randn`/`normal` (legacy polar Box–Muller with the cached second value),
/// `shuffle` of a 1-D array (`random_interval` with a bit mask and rejection). The one
/// difference from numpy is the logarithm in `randn`: ``PortableMath/log(_:)`` instead of the C
/// library's, which can differ in the last bit, so values agree to ~1e-16 relative.
///
/// ```swift
/// var numpy = NumpyRandomState(seed: 1)
/// let w = numpy.randomSample()   // == np.random.seed(1); np.random.random()
/// ```
public struct NumpyRandomState: Sendable {
    private var key = [UInt32](repeating: 0, count: 624)
    private var position = 624
    private var spareGaussian: Double?

    /// `np.random.seed(seed)` for a seed in 0..<2³².
    public init(seed: UInt32) {
        var value = seed
        for i in 0..<624 {
            key[i] = value
            value = 1_812_433_253 &* (value ^ (value >> 30)) &+ UInt32(i + 1)
        }
        position = 624
    }

    private mutating func generate() {
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7FFF_FFFF
        let matrix: UInt32 = 0x9908_B0DF
        for i in 0..<624 {
            let y = (key[i] & upper) | (key[(i + 1) % 624] & lower)
            key[i] = key[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : matrix)
        }
        position = 0
    }

    /// The next 32-bit MT19937 output (tempered).
    public mutating func nextUInt32() -> UInt32 {
        if position >= 624 { generate() }
        var y = key[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// `np.random.random_sample()`: uniform in [0, 1).
    public mutating func randomSample() -> Double {
        let a = Double(nextUInt32() >> 5), b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `np.random.randn()`: legacy polar Box–Muller; the second value is cached.
    public mutating func randn() -> Double {
        if let spare = spareGaussian {
            spareGaussian = nil
            return spare
        }
        var x1 = 0.0, x2 = 0.0, r2 = 0.0
        repeat {
            x1 = 2 * randomSample() - 1
            x2 = 2 * randomSample() - 1
            r2 = x1 * x1 + x2 * x2
        } while r2 >= 1 || r2 == 0
        let f = (-2 * PortableMath.log(r2) / r2).squareRoot()
        spareGaussian = f * x1
        return f * x2
    }

    /// `np.random.normal(loc, scale)`.
    public mutating func normal(loc: Double = 0, scale: Double) -> Double {
        loc + scale * randn()
    }

    /// `random_interval(max)`: uniform in 0...max by masking and rejection.
    public mutating func interval(_ max: Int) -> Int {
        if max == 0 { return 0 }
        var mask = UInt64(max)
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4
        mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32
        precondition(max <= 0xFFFF_FFFF, "intervals above 2^32 are not implemented")
        while true {
            let value = UInt64(nextUInt32()) & mask
            if value <= UInt64(max) { return Int(value) }
        }
    }

    /// `np.random.shuffle(array)` of a 1-D array.
    public mutating func shuffle<T>(_ values: inout [T]) {
        var i = values.count - 1
        while i >= 1 {
            let j = interval(i)
            values.swapAt(i, j)
            i -= 1
        }
    }
}
