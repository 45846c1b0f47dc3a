import NNZFormat

/// Leaky ReLU: `x` for `x ≥ 0`, else `alpha · x`, with `alpha ≥ 0` (the `--layers` syntax
/// refuses a negative slope). Then the output is positive exactly where the input is, so the
/// gradient comes from the stored output: `dy` where `y > 0`, `alpha · dy` elsewhere (at
/// `x = 0` too, as PyTorch does).
public final class LeakyReLU: ElementwiseActivation {
    /// The slope for negative inputs.
    public let alpha: Float

    init(input: [Int], alpha: Float) {
        precondition(alpha >= 0 && alpha.isFinite, "leakyrelu needs a finite alpha ≥ 0")
        self.alpha = alpha
        super.init(input: input)
    }

    override public var formatLayer: NNZFormat.Layer { .leakyRelu(alpha: alpha) }

    override func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        Linalg.leakyRelu(input, output, count: count, alpha: alpha)
    }

    override func gradient(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int) {
        let zero = SIMD8<Float>(), slope = SIMD8<Float>(repeating: alpha), alpha = alpha
        Vector.forEach(count, { i in
            let g = Vector.load(dy + i)
            Vector.store((g * slope).replacing(with: g, where: Vector.load(y + i) .> zero), dx + i)
        }, tail: { i in
            dx[i] = y[i] > 0 ? dy[i] : alpha * dy[i]
        })
    }
}
