import NNZFormat

/// 2-D cross-correlation over NCHW activations with zero padding, through im2col.
///
/// Per sample: `col = im2col(x)` shaped `[inChannels·kh·kw, outH·outW]`, `y = W · col + b`
/// with `W` viewed as `[outChannels, inChannels·kh·kw]` (stored OIHW). Backward:
/// `dW += dy · colᵀ`, `db += Σ_positions dy`, `dx = col2im(Wᵀ · dy)`.
public final class Conv2D: TrainableLayer {
    /// The layer as the model file describes it: channels, window, stride, padding, bias.
    public let convolution: Conv2DLayer
    /// Input channels.
    public var inChannels: Int { convolution.inChannels }
    /// Output channels (filters).
    public var outChannels: Int { convolution.outChannels }
    /// Input height.
    public let height: Int
    /// Input width.
    public let width: Int
    /// Output height.
    public let outputHeight: Int
    /// Output width.
    public let outputWidth: Int
    /// The weights (dense `[inputs, outputs]`, conv2d `[out, in, kh, kw]`).
    public let weight: Parameter
    /// The bias, one per output (channel), if the layer has one.
    public let bias: Parameter?
    private let output = FloatBuffer(count: 0)
    private let columns = FloatBuffer(count: 0)
    private let columnGradient = FloatBuffer(count: 0)
    private let inputGradient = FloatBuffer(count: 0)

    init(input: [Int], convolution c: Conv2DLayer, weights: [Float], biases: [Float]?) {
        precondition(input.count == 3 && input[0] == c.inChannels, "conv2d needs a [\(c.inChannels), height, width] input")
        convolution = c
        height = input[1]
        width = input[2]
        (outputHeight, outputWidth) = Self.outputSize(of: .conv2d(c), input: input)
        weight = Parameter(name: "weight", shape: [c.outChannels, c.inChannels, c.kernelHeight, c.kernelWidth], values: weights, decays: true)
        bias = c.hasBias ? Parameter(name: "bias", shape: [c.outChannels], values: biases ?? Array(repeating: 0, count: c.outChannels), decays: false) : nil
    }

    convenience init(input: [Int], convolution c: Conv2DLayer, weightInitialization: WeightInitialization,
                     biasInitialization: BiasInitialization, random: inout InitializationRandom) {
        let fanIn = c.inChannels * c.kernelHeight * c.kernelWidth
        let fanOut = c.outChannels * c.kernelHeight * c.kernelWidth
        var weights = [Float](repeating: 0, count: c.outChannels * fanIn)
        for i in weights.indices {
            weights[i] = weightInitialization.sample(fanIn: fanIn, fanOut: fanOut, random: &random)
        }
        var biases = [Float](repeating: 0, count: c.outChannels)
        if c.hasBias && biasInitialization != .zeros {
            for j in biases.indices { biases[j] = biasInitialization.sample(random: &random) }
        }
        self.init(input: input, convolution: c, weights: weights, biases: biases)
    }

    public var inputShape: [Int] { [inChannels, height, width] }
    public var outputShape: [Int] { [outChannels, outputHeight, outputWidth] }
    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }
    public var formatLayer: NNZFormat.Layer { .conv2d(convolution) }

    private var patchSize: Int { inChannels * convolution.kernelHeight * convolution.kernelWidth }
    private var positions: Int { outputHeight * outputWidth }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float> {
        let inputCount = inChannels * height * width
        let outputCount = outChannels * positions
        let columnCount = patchSize * positions
        output.reserve(batch * outputCount)
        // Training keeps every sample's columns for backward; evaluation reuses one slot.
        columns.reserve((mode == .training ? batch : 1) * columnCount)
        for n in 0..<batch {
            let col = columns.pointer + (mode == .training ? n * columnCount : 0)
            Linalg.im2col(input + n * inputCount, channels: inChannels, height: height, width: width,
                          kernelH: convolution.kernelHeight, kernelW: convolution.kernelWidth,
                          strideH: convolution.strideHeight, strideW: convolution.strideWidth,
                          padH: convolution.padHeight, padW: convolution.padWidth, outH: outputHeight, outW: outputWidth, col)
            let y = output.pointer + n * outputCount
            if let bias {
                for o in 0..<outChannels { (y + o * positions).update(repeating: bias.value.pointer[o], count: positions) }
            }
            Linalg.gemm(transA: false, transB: false, m: outChannels, n: positions, k: patchSize, alpha: 1,
                        a: weight.value.pointer, lda: patchSize, b: col, ldb: positions,
                        beta: bias == nil ? 0 : 1, c: y, ldc: positions)
        }
        return UnsafePointer(output.pointer)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        let inputCount = inChannels * height * width
        let outputCount = outChannels * positions
        let columnCount = patchSize * positions
        if needsInputGradient {
            inputGradient.reserve(batch * inputCount)
            columnGradient.reserve(columnCount)
        }
        bias?.gradient.fill(0)
        for n in 0..<batch {
            let dy = outputGradient + n * outputCount
            let col = columns.pointer + n * columnCount
            Linalg.gemm(transA: false, transB: true, m: outChannels, n: patchSize, k: positions, alpha: 1,
                        a: dy, lda: positions, b: col, ldb: positions,
                        beta: n == 0 ? 0 : 1, c: weight.gradient.pointer, ldc: patchSize)
            if let bias {
                let db = bias.gradient.pointer
                for o in 0..<outChannels {
                    var sum: Float = 0
                    let row = dy + o * positions
                    for p in 0..<positions { sum += row[p] }
                    db[o] += sum
                }
            }
            if needsInputGradient {
                Linalg.gemm(transA: true, transB: false, m: patchSize, n: positions, k: outChannels, alpha: 1,
                            a: weight.value.pointer, lda: patchSize, b: dy, ldb: positions,
                            beta: 0, c: columnGradient.pointer, ldc: positions)
                Linalg.col2im(columnGradient.pointer, channels: inChannels, height: height, width: width,
                              kernelH: convolution.kernelHeight, kernelW: convolution.kernelWidth,
                          strideH: convolution.strideHeight, strideW: convolution.strideWidth,
                              padH: convolution.padHeight, padW: convolution.padWidth, outH: outputHeight, outW: outputWidth,
                              inputGradient.pointer + n * inputCount)
            }
        }
        return needsInputGradient ? UnsafePointer(inputGradient.pointer) : nil
    }
}
