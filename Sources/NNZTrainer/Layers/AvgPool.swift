import NNZFormat

/// 2-D average pooling with stride and padding, ONNX `AveragePool`: each output is the mean of
/// its window, the divisor being the window's real (unpadded) positions, or `kernel_h·kernel_w`
/// with ``AvgPoolLayer/countIncludePad``.
///
/// Backward spreads each output gradient evenly over the input values of its window (divided by
/// the same divisor); overlapping windows add up.
public final class AvgPool: TrainableLayer {
    /// Input (and output) channels.
    public let channels: Int
    /// Input height.
    public let height: Int
    /// Input width.
    public let width: Int
    /// The layer as the model file describes it: window, stride, padding, divisor rule.
    public let pooling: AvgPoolLayer
    /// Output height.
    public let outputHeight: Int
    /// Output width.
    public let outputWidth: Int
    private let output = FloatBuffer(count: 0)
    private let inputGradient = FloatBuffer(count: 0)

    init(input: [Int], pooling p: AvgPoolLayer) {
        precondition(input.count == 3, "avgpool needs a [channels, height, width] input")
        pooling = p
        channels = input[0]
        height = input[1]
        width = input[2]
        (outputHeight, outputWidth) = Self.outputSize(of: .avgPool(p), input: input)
    }

    public var inputShape: [Int] { [channels, height, width] }
    public var outputShape: [Int] { [channels, outputHeight, outputWidth] }
    public var formatLayer: NNZFormat.Layer { .avgPool(pooling) }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float> {
        output.reserve(batch * channels * outputHeight * outputWidth)
        Linalg.avgPoolForward(input, batch: batch, channels: channels, height: height, width: width,
                              kernelH: pooling.kernelHeight, kernelW: pooling.kernelWidth,
                              strideH: pooling.strideHeight, strideW: pooling.strideWidth,
                              padH: pooling.padHeight, padW: pooling.padWidth, outH: outputHeight, outW: outputWidth,
                              includePad: pooling.countIncludePad, output.pointer)
        return UnsafePointer(output.pointer)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard needsInputGradient else { return nil }
        inputGradient.reserve(batch * channels * height * width)
        Linalg.avgPoolBackward(outputGradient, batch: batch, channels: channels, height: height, width: width,
                               kernelH: pooling.kernelHeight, kernelW: pooling.kernelWidth,
                               strideH: pooling.strideHeight, strideW: pooling.strideWidth,
                               padH: pooling.padHeight, padW: pooling.padWidth, outH: outputHeight, outW: outputWidth,
                               includePad: pooling.countIncludePad, inputGradient.pointer)
        return UnsafePointer(inputGradient.pointer)
    }
}
