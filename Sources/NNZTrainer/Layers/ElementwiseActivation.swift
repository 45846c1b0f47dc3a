import NNZFormat

/// What ReLU, leaky ReLU, sigmoid and tanh share: the output has the input's shape, forward applies the
/// function to every value and keeps the output, backward computes `dx` from `dy` and that
/// stored output. A subclass names its format layer and supplies the two loops.
public class ElementwiseActivation: TrainableLayer {
    /// Shape of one input sample.
    public let inputShape: [Int]
    private let output = FloatBuffer(count: 0)
    private let inputGradient = FloatBuffer(count: 0)

    init(input: [Int]) {
        inputShape = input
    }

    public var outputShape: [Int] { inputShape }
    public var formatLayer: NNZFormat.Layer { fatalError("subclass responsibility") }

    /// `output[i] = f(input[i])` for `count` values.
    func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        fatalError("subclass responsibility")
    }

    /// `dx[i]` from `dy[i]` and the stored output `y[i]`, for `count` values.
    func gradient(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int) {
        fatalError("subclass responsibility")
    }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float> {
        let count = batch * inputElementCount
        output.reserve(count)
        apply(input, output.pointer, count: count)
        return UnsafePointer(output.pointer)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard needsInputGradient else { return nil }
        let count = batch * inputElementCount
        inputGradient.reserve(count)
        gradient(outputGradient, output: output.pointer, into: inputGradient.pointer, count: count)
        return UnsafePointer(inputGradient.pointer)
    }
}
