import NNZFormat

/// `max(0, x)`; the gradient passes where the output is positive (x > 0) and is 0 elsewhere,
/// including at x = 0.
public final class ReLU: TrainableLayer {
    /// Shape of one input sample.
    public let inputShape: [Int]
    private let output = FloatBuffer(count: 0)
    private let inputGradient = FloatBuffer(count: 0)

    init(input: [Int]) {
        inputShape = input
    }

    public var outputShape: [Int] { inputShape }
    public var formatLayer: NNZFormat.Layer { .relu }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float> {
        let count = batch * inputElementCount
        output.reserve(count)
        Linalg.relu(input, output.pointer, count: count)
        return UnsafePointer(output.pointer)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard needsInputGradient else { return nil }
        let count = batch * inputElementCount
        inputGradient.reserve(count)
        let y = output.pointer, dx = inputGradient.pointer
        let zero = SIMD8<Float>()
        Vector.forEach(count, { i in
            Vector.store(Vector.load(outputGradient + i).replacing(with: zero, where: Vector.load(y + i) .<= zero), dx + i)
        }, tail: { i in
            dx[i] = y[i] > 0 ? outputGradient[i] : 0
        })
        return UnsafePointer(dx)
    }
}
