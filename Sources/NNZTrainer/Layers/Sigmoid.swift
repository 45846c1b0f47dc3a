import NNZFormat

/// `1 / (1 + e^−x)`; backward `dx = dy · y · (1 − y)` from the stored output.
public final class Sigmoid: TrainableLayer {
    /// Shape of one input sample.
    public let inputShape: [Int]
    private let output = FloatBuffer(count: 0)
    private let inputGradient = FloatBuffer(count: 0)

    init(input: [Int]) {
        inputShape = input
    }

    public var outputShape: [Int] { inputShape }
    public var formatLayer: NNZFormat.Layer { .sigmoid }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float> {
        let count = batch * inputElementCount
        output.reserve(count)
        Linalg.sigmoid(input, output.pointer, count: count)
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
            Vector.store(Vector.load(outputGradient + i) * out * (one - out), dx + i)
        }, tail: { i in
            dx[i] = outputGradient[i] * y[i] * (1 - y[i])
        })
        return UnsafePointer(dx)
    }
}
