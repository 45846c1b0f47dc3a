import NNZFormat

/// `1 / (1 + e^−x)`; backward `dx = dy · y · (1 − y)` from the stored output.
public final class Sigmoid: ElementwiseActivation {
    override public var formatLayer: NNZFormat.Layer { .sigmoid }

    override func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        Linalg.sigmoid(input, output, count: count)
    }

    override func gradient(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int) {
        let one = SIMD8<Float>(repeating: 1)
        Vector.forEach(count, { i in
            let out = Vector.load(y + i)
            Vector.store(Vector.load(dy + i) * out * (one - out), dx + i)
        }, tail: { i in
            dx[i] = dy[i] * y[i] * (1 - y[i])
        })
    }
}
