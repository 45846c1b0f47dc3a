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
    /// Window height.
    public let kernelHeight: Int
    /// Window width.
    public let kernelWidth: Int
    /// Vertical step between windows.
    public let strideHeight: Int
    /// Horizontal step between windows.
    public let strideWidth: Int
    /// Zero rows added above and below.
    public let padHeight: Int
    /// Zero columns added left and right.
    public let padWidth: Int
    /// Output height.
    public let outputHeight: Int
    /// Output width.
    public let outputWidth: Int
    private let output = FloatBuffer(count: 0)
    private let winners = IndexBuffer(count: 0)
    private let inputGradient = FloatBuffer(count: 0)

    init(input: [Int], kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int, padHeight: Int, padWidth: Int) {
        precondition(input.count == 3, "maxpool needs a [channels, height, width] input")
        channels = input[0]
        height = input[1]
        width = input[2]
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padHeight = padHeight
        self.padWidth = padWidth
        guard let outputHeight = windowOutput(height, kernelHeight, strideHeight, padHeight),
              let outputWidth = windowOutput(width, kernelWidth, strideWidth, padWidth) else {
            preconditionFailure("maxpool: the window does not fit the padded input \(input)")
        }
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
    }

    public var inputShape: [Int] { [channels, height, width] }
    public var outputShape: [Int] { [channels, outputHeight, outputWidth] }
    public var formatLayer: NNZFormat.Layer {
        .maxPool(MaxPoolLayer(kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideHeight: strideHeight,
                              strideWidth: strideWidth, padHeight: padHeight, padWidth: padWidth))
    }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float> {
        let outputCount = channels * outputHeight * outputWidth
        output.reserve(batch * outputCount)
        winners.reserve(batch * outputCount)
        Linalg.maxPoolForward(input, batch: batch, channels: channels, height: height, width: width,
                              kernelH: kernelHeight, kernelW: kernelWidth, strideH: strideHeight, strideW: strideWidth,
                              padH: padHeight, padW: padWidth, outH: outputHeight, outW: outputWidth,
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
