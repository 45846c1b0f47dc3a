import NNZFormat

/// `max(0, x)`; the gradient passes where the output is positive (x > 0) and is 0 elsewhere,
/// including at x = 0.
public final class ReLU: ElementwiseActivation {
    override public var formatLayer: NNZFormat.Layer { .relu }

    override func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        Linalg.relu(input, output, count: count)
    }

    override func gradient(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int) {
        let zero = SIMD8<Float>()
        Vector.forEach(count, { i in
            Vector.store(Vector.load(dy + i).replacing(with: zero, where: Vector.load(y + i) .<= zero), dx + i)
        }, tail: { i in
            dx[i] = y[i] > 0 ? dy[i] : 0
        })
    }
}
