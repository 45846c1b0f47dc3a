import NNZFormat

/// Global average pooling, ONNX `GlobalAveragePool`: `[C, H, W]` → `[C, 1, 1]`, each channel's
/// mean (a dense layer after it gets a flatten inserted, as after any image).
///
/// The average-pool kernels with one `H × W` window; backward gives every input value of a
/// channel `dy / (H·W)`.
public final class GlobalAvgPool: TrainableLayer {
    /// Input (and output) channels.
    public let channels: Int
    /// Input height.
    public let height: Int
    /// Input width.
    public let width: Int
    private let output = FloatBuffer(count: 0)
    private let inputGradient = FloatBuffer(count: 0)

    init(input: [Int]) {
        precondition(input.count == 3, "globalavgpool needs a [channels, height, width] input")
        channels = input[0]
        height = input[1]
        width = input[2]
    }

    public var inputShape: [Int] { [channels, height, width] }
    public var outputShape: [Int] { [channels, 1, 1] }
    public var formatLayer: NNZFormat.Layer { .globalAvgPool }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float> {
        output.reserve(batch * channels)
        Linalg.avgPoolForward(input, batch: batch, channels: channels, height: height, width: width,
                              kernelH: height, kernelW: width, strideH: 1, strideW: 1, padH: 0, padW: 0, outH: 1, outW: 1,
                              includePad: false, output.pointer)
        return UnsafePointer(output.pointer)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard needsInputGradient else { return nil }
        inputGradient.reserve(batch * channels * height * width)
        Linalg.avgPoolBackward(outputGradient, batch: batch, channels: channels, height: height, width: width,
                               kernelH: height, kernelW: width, strideH: 1, strideW: 1, padH: 0, padW: 0, outH: 1, outW: 1,
                               includePad: false, inputGradient.pointer)
        return UnsafePointer(inputGradient.pointer)
    }
}
