import NNZFormat

/// Dropout in either convention (``DropoutConvention``):
///
/// - `.inverted`: training keeps each unit with probability `1 − ratio` and scales kept units
///   by `1 / (1 − ratio)`; evaluation is the identity.
/// - `.scaleAtInference` (the tutorials'): training keeps units unscaled; evaluation multiplies
///   by `1 − ratio`.
///
/// A unit is dropped when `nextFloat() < ratio` on this layer's own random stream, so masks
/// are reproducible from the training seed.
public final class Dropout: TrainableLayer {
    /// Shape of one input sample.
    public let inputShape: [Int]
    /// Probability of dropping a unit in training.
    public let ratio: Float
    /// Where the `1 − ratio` scaling happens.
    public let convention: DropoutConvention
    var random: RandomGenerator
    private let mask = FloatBuffer(count: 0)
    private let output = FloatBuffer(count: 0)
    private let inputGradient = FloatBuffer(count: 0)

    init(input: [Int], ratio: Float, convention: DropoutConvention, random: RandomGenerator) {
        precondition(ratio >= 0 && ratio < 1, "dropout ratio must be in [0, 1)")
        inputShape = input
        self.ratio = ratio
        self.convention = convention
        self.random = random
    }

    public var outputShape: [Int] { inputShape }
    public var formatLayer: NNZFormat.Layer { .dropout(DropoutLayer(ratio: ratio, convention: convention)) }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float> {
        let count = batch * inputElementCount
        switch mode {
        case .training:
            mask.reserve(count)
            output.reserve(count)
            let keep: Float = convention == .inverted ? 1 / (1 - ratio) : 1
            let m = mask.pointer, y = output.pointer
            for i in 0..<count {
                m[i] = random.nextFloat() < ratio ? 0 : keep
                y[i] = input[i] * m[i]
            }
            return UnsafePointer(y)
        case .evaluation:
            if convention == .inverted { return input }
            output.reserve(count)
            let scale = 1 - ratio
            for i in 0..<count { output.pointer[i] = input[i] * scale }
            return UnsafePointer(output.pointer)
        }
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard needsInputGradient else { return nil }
        let count = batch * inputElementCount
        inputGradient.reserve(count)
        for i in 0..<count { inputGradient.pointer[i] = outputGradient[i] * mask.pointer[i] }
        return UnsafePointer(inputGradient.pointer)
    }
}
