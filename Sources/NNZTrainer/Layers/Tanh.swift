import NNZFormat

/// `tanh(x)`; backward `dx = dy · (1 − y²)` from the stored output.
public final class Tanh: TrainableLayer {
    /// Shape of one input sample.
    public let inputShape: [Int]
    private let output = FloatBuffer(count: 0)
    private let inputGradient = FloatBuffer(count: 0)

    init(input: [Int]) {
        inputShape = input
    }

    public var outputShape: [Int] { inputShape }
    public var formatLayer: NNZFormat.Layer { .tanh }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float> {
        let count = batch * inputElementCount
        output.reserve(count)
        Linalg.tanh(input, output.pointer, count: count)
        return UnsafePointer(output.pointer)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard needsInputGradient else { return nil }
        let count = batch * inputElementCount
        inputGradient.reserve(count)
        let y = output.pointer, dx = inputGradient.pointer
        let one = SIMD8<Float>(repeating: 1)
        Vector.forEach(count, { i in
            let out = Vector.load(y + i)
            Vector.store(Vector.load(outputGradient + i) * (one - out * out), dx + i)
        }, tail: { i in
            dx[i] = outputGradient[i] * (1 - y[i] * y[i])
        })
        return UnsafePointer(dx)
    }
}
