import NNZFormat

/// 2-D max pooling with stride and padding; padded positions never win.
///
/// Training forward records each output's winning input (a flat index into the batch);
/// backward routes the output gradient to it (ties: the first position in the window,
/// row-major).
public final class MaxPool: TrainableLayer {
    /// Input (and output) channels.
    public let channels: Int
    /// Input height.
    public let height: Int
    /// Input width.
    public let width: Int
    /// The layer as the model file describes it: window, stride, padding.
    public let pooling: MaxPoolLayer
    /// Output height.
    public let outputHeight: Int
    /// Output width.
    public let outputWidth: Int
    private let output = FloatBuffer(count: 0)
    private let winners = IndexBuffer(count: 0)
    private let inputGradient = FloatBuffer(count: 0)

    init(input: [Int], pooling p: MaxPoolLayer) {
        precondition(input.count == 3, "maxpool needs a [channels, height, width] input")
        pooling = p
        channels = input[0]
        height = input[1]
        width = input[2]
        (outputHeight, outputWidth) = Self.outputSize(of: .maxPool(p), input: input)
    }

    public var inputShape: [Int] { [channels, height, width] }
    public var outputShape: [Int] { [channels, outputHeight, outputWidth] }
    public var formatLayer: NNZFormat.Layer { .maxPool(pooling) }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float> {
        let outputCount = channels * outputHeight * outputWidth
        output.reserve(batch * outputCount)
        winners.reserve(batch * outputCount)
        Linalg.maxPoolForward(input, batch: batch, channels: channels, height: height, width: width,
                              kernelH: pooling.kernelHeight, kernelW: pooling.kernelWidth,
                              strideH: pooling.strideHeight, strideW: pooling.strideWidth,
                              padH: pooling.padHeight, padW: pooling.padWidth, outH: outputHeight, outW: outputWidth,
                              output.pointer, mode == .training ? winners.pointer : nil)
        return UnsafePointer(output.pointer)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        guard needsInputGradient else { return nil }
        let inputCount = channels * height * width
        let outputCount = channels * outputHeight * outputWidth
        inputGradient.reserve(batch * inputCount)
        let dx = inputGradient.pointer
        dx.update(repeating: 0, count: batch * inputCount)
        // Winners are flat indices into the whole batch's input.
        let winner = winners.pointer
        for o in 0..<(batch * outputCount) where winner[o] >= 0 { dx[Int(winner[o])] += outputGradient[o] }
        return UnsafePointer(dx)
    }
}
