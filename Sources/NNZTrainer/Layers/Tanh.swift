import NNZFormat

/// `tanh(x)`; backward `dx = dy · (1 − y²)` from the stored output.
public final class Tanh: ElementwiseActivation {
    override public var formatLayer: NNZFormat.Layer { .tanh }

    override func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        Linalg.tanh(input, output, count: count)
    }

    override func gradient(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int) {
        let one = SIMD8<Float>(repeating: 1)
        Vector.forEach(count, { i in
            let out = Vector.load(y + i)
            Vector.store(Vector.load(dy + i) * (one - out * out), dx + i)
        }, tail: { i in
            dx[i] = dy[i] * (1 - y[i] * y[i])
        })
    }
}
