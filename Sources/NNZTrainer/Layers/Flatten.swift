import NNZFormat

/// `[C, H, W]` → `[C·H·W]`, channel-major. NCHW activations are already laid out that way,
/// so both passes hand the buffer through unchanged.
public final class Flatten: TrainableLayer {
    /// Shape of one input sample.
    public let inputShape: [Int]

    init(input: [Int]) {
        inputShape = input
    }

    public var outputShape: [Int] { [inputShape.reduce(1, *)] }
    public var formatLayer: NNZFormat.Layer { .flatten }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float> {
        input
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        needsInputGradient ? outputGradient : nil
    }
}
