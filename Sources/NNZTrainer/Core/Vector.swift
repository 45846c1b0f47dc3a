/// Element-wise helpers over `SIMD8<Float>` for the trainer's own update and gradient loops
/// (optimizer steps, activation gradients) that have no kernel in NNZKernels. Eight lanes at a
/// time, then a scalar tail; results are identical to the scalar loops they replace
/// (the same operations in the same order per element).
enum Vector {
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// Calls `body(i)` for `i` = 0, 8, 16, … below `count & ~7`, then `tail(i)` for the rest.
    @inline(__always)
    static func forEach(_ count: Int, _ body: (Int) -> Void, tail: (Int) -> Void) {
        var i = 0
        while i + 8 <= count {
            body(i)
            i += 8
        }
        while i < count {
            tail(i)
            i += 1
        }
    }
}

extension Vector {
    /// `sqrt(x)` for `x ≥ 0` within 2.1e-7 relative (≈ 2 ulp; exact 0 for 0), eight lanes at a
    /// time: `x · y` with `y` the inverse square root from the classic bit-level estimate refined
    /// by three Newton steps. Swift's `squareRoot()` on SIMD vectors falls back to one `sqrtf`
    /// call per lane on Linux, which made the Adam step four times slower than the rest of a
    /// training step; this uses only multiplies, subtracts and integer shifts, so it vectorizes
    /// and gives the same bits on every IEEE-754 machine.
    @inline(__always)
    static func squareRoot(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        var y = unsafeBitCast(SIMD8<UInt32>(repeating: 0x5F37_59DF) &- (bits &>> 1), to: SIMD8<Float>.self)
        let half = x * 0.5
        let threeHalves = SIMD8<Float>(repeating: 1.5)
        y = y * (threeHalves - half * y * y)
        y = y * (threeHalves - half * y * y)
        y = y * (threeHalves - half * y * y)
        return x * y
    }

    /// The scalar twin of ``squareRoot(_:)-(SIMD8<Float>)``: the same operations, the same bits.
    @inline(__always)
    static func squareRoot(_ x: Float) -> Float {
        var y = Float(bitPattern: 0x5F37_59DF &- (x.bitPattern >> 1))
        let half = x * 0.5
        y = y * (1.5 - half * y * y)
        y = y * (1.5 - half * y * y)
        y = y * (1.5 - half * y * y)
        return x * y
    }
}
