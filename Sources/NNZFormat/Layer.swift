/// One layer of a model, with every hyper-parameter inference needs.
///
/// Learned parameters live in ``ModelFile/tensors`` under `layers.<index>.<name>` where the names
/// come from ``parameterNames``.
///
/// ```swift
/// let layers: [Layer] = [.dense(DenseLayer(inputs: 64, outputs: 128)), .relu,
///                        .dropout(DropoutLayer(ratio: 0.5, convention: .inverted)),
///                        .dense(DenseLayer(inputs: 128, outputs: 10)), .softmax]
/// ```
public enum Layer: Equatable, Sendable {
    /// Fully connected: `y = x · W + b` with `W` shaped `[inputs, outputs]`.
    case dense(DenseLayer)
    /// 2-D cross-correlation over NCHW activations, zero padding.
    case conv2d(Conv2DLayer)
    /// 2-D max pooling; padded positions never win.
    case maxPool(MaxPoolLayer)
    /// `[C, H, W]` → `[C·H·W]`, channel-major.
    case flatten
    case relu
    case sigmoid
    case tanh
    /// Softmax over the (flat) feature axis.
    case softmax
    /// Dropout: at inference either the identity or a scale by `1 - ratio`.
    case dropout(DropoutLayer)
    /// Batch normalization with running statistics.
    case batchNorm(BatchNormLayer)

    /// The names of this layer's learned tensors, in canonical order.
    public var parameterNames: [String] {
        switch self {
        case .dense(let d): return d.hasBias ? ["weight", "bias"] : ["weight"]
        case .conv2d(let c): return c.hasBias ? ["weight", "bias"] : ["weight"]
        case .batchNorm: return ["gamma", "beta", "running_mean", "running_var"]
        default: return []
        }
    }

    /// The expected shape of each learned tensor, in ``parameterNames`` order.
    public var parameterShapes: [[Int]] {
        switch self {
        case .dense(let d):
            return d.hasBias ? [[d.inputs, d.outputs], [d.outputs]] : [[d.inputs, d.outputs]]
        case .conv2d(let c):
            let w = [c.outChannels, c.inChannels, c.kernelHeight, c.kernelWidth]
            return c.hasBias ? [w, [c.outChannels]] : [w]
        case .batchNorm(let b):
            return Array(repeating: [b.channels], count: 4)
        default:
            return []
        }
    }

    /// A short lowercase name: `dense`, `conv2d`, `maxpool`, `flatten`, `relu`, `sigmoid`,
    /// `tanh`, `softmax`, `dropout`, `batchnorm`.
    public var kindName: String {
        switch self {
        case .dense: return "dense"
        case .conv2d: return "conv2d"
        case .maxPool: return "maxpool"
        case .flatten: return "flatten"
        case .relu: return "relu"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .softmax: return "softmax"
        case .dropout: return "dropout"
        case .batchNorm: return "batchnorm"
        }
    }

    /// The shape this layer produces from `input`, or a message saying why it cannot.
    public func outputShape(for input: [Int]) -> Result<[Int], ShapeMismatch> {
        switch self {
        case .dense(let d):
            guard input.count == 1 else {
                return .failure(ShapeMismatch("dense expects a flat input, got \(input)"))
            }
            guard input[0] == d.inputs else {
                return .failure(ShapeMismatch("dense expects \(d.inputs) inputs, the previous output has \(input[0])"))
            }
            return .success([d.outputs])
        case .conv2d(let c):
            guard input.count == 3 else {
                return .failure(ShapeMismatch("conv2d expects a [channels, height, width] input, got \(input)"))
            }
            guard input[0] == c.inChannels else {
                return .failure(ShapeMismatch("conv2d expects \(c.inChannels) input channels, got \(input[0])"))
            }
            guard let h = windowOutput(input[1], c.kernelHeight, c.strideHeight, c.padHeight),
                  let w = windowOutput(input[2], c.kernelWidth, c.strideWidth, c.padWidth) else {
                return .failure(ShapeMismatch("conv2d kernel \(c.kernelHeight)x\(c.kernelWidth) does not fit input \(input[1])x\(input[2]) with padding \(c.padHeight),\(c.padWidth)"))
            }
            return .success([c.outChannels, h, w])
        case .maxPool(let p):
            guard input.count == 3 else {
                return .failure(ShapeMismatch("maxpool expects a [channels, height, width] input, got \(input)"))
            }
            guard p.padHeight < p.kernelHeight, p.padWidth < p.kernelWidth,
                  let h = windowOutput(input[1], p.kernelHeight, p.strideHeight, p.padHeight),
                  let w = windowOutput(input[2], p.kernelWidth, p.strideWidth, p.padWidth) else {
                return .failure(ShapeMismatch("maxpool window \(p.kernelHeight)x\(p.kernelWidth) (padding \(p.padHeight),\(p.padWidth)) does not fit input \(input[1])x\(input[2])"))
            }
            return .success([input[0], h, w])
        case .flatten:
            return .success([input.reduce(1, *)])
        case .relu, .sigmoid, .tanh, .dropout:
            return .success(input)
        case .softmax:
            guard input.count == 1 else {
                return .failure(ShapeMismatch("softmax expects a flat input, got \(input); add a flatten layer"))
            }
            return .success(input)
        case .batchNorm(let b):
            switch b.axis {
            case .features:
                guard input.count == 1, input[0] == b.channels else {
                    return .failure(ShapeMismatch("batchnorm over features expects [\(b.channels)], got \(input)"))
                }
            case .channels:
                guard input.count == 3, input[0] == b.channels else {
                    return .failure(ShapeMismatch("batchnorm over channels expects [\(b.channels), H, W], got \(input)"))
                }
            }
            return .success(input)
        }
    }
}

/// Why a layer cannot take the shape the previous layer produced.
public struct ShapeMismatch: Error, Equatable, Sendable, CustomStringConvertible {
    /// What does not fit, and what was expected.
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// `floor((n + 2·pad − kernel) / stride) + 1`, or nil when the window does not fit.
@inlinable
public func windowOutput(_ n: Int, _ kernel: Int, _ stride: Int, _ pad: Int) -> Int? {
    let span = n + 2 * pad - kernel
    guard stride > 0, span >= 0 else { return nil }
    return span / stride + 1
}

/// Hyper-parameters of a fully connected layer.
public struct DenseLayer: Equatable, Sendable {
    /// Input width (features).
    public var inputs: Int
    /// Output width (units).
    public var outputs: Int
    /// False for the tutorials' bias-free networks.
    public var hasBias: Bool
    public init(inputs: Int, outputs: Int, hasBias: Bool = true) {
        self.inputs = inputs
        self.outputs = outputs
        self.hasBias = hasBias
    }
}

/// Hyper-parameters of a 2-D convolution.
public struct Conv2DLayer: Equatable, Sendable {
    /// Channels of the input image.
    public var inChannels: Int
    /// Channels produced (number of filters).
    public var outChannels: Int
    /// Window height.
    public var kernelHeight: Int
    /// Window width.
    public var kernelWidth: Int
    /// Vertical step between windows.
    public var strideHeight: Int
    /// Horizontal step between windows.
    public var strideWidth: Int
    /// Rows of padding above and below.
    public var padHeight: Int
    /// Columns of padding left and right.
    public var padWidth: Int
    /// Whether a bias is added per output channel.
    public var hasBias: Bool
    public init(inChannels: Int, outChannels: Int, kernelHeight: Int, kernelWidth: Int,
                strideHeight: Int = 1, strideWidth: Int = 1, padHeight: Int = 0, padWidth: Int = 0,
                hasBias: Bool = true) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padHeight = padHeight
        self.padWidth = padWidth
        self.hasBias = hasBias
    }
}

/// Hyper-parameters of 2-D max pooling.
public struct MaxPoolLayer: Equatable, Sendable {
    /// Window height.
    public var kernelHeight: Int
    /// Window width.
    public var kernelWidth: Int
    /// Vertical step between windows.
    public var strideHeight: Int
    /// Horizontal step between windows.
    public var strideWidth: Int
    /// Rows of padding above and below.
    public var padHeight: Int
    /// Columns of padding left and right.
    public var padWidth: Int
    public init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
                padHeight: Int = 0, padWidth: Int = 0) {
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padHeight = padHeight
        self.padWidth = padWidth
    }
}

/// How dropout behaves at inference.
public enum DropoutConvention: UInt8, Equatable, Sendable {
    /// Training scales kept units by `1 / (1 - ratio)`; inference is the identity.
    case inverted = 0
    /// Training keeps units unscaled; inference multiplies by `1 - ratio` (the classic tutorials).
    case scaleAtInference = 1
}

/// Hyper-parameters of a dropout layer.
public struct DropoutLayer: Equatable, Sendable {
    /// Probability of dropping a unit during training, in `[0, 1)`.
    public var ratio: Float
    /// What inference does with the activations.
    public var convention: DropoutConvention
    public init(ratio: Float, convention: DropoutConvention) {
        self.ratio = ratio
        self.convention = convention
    }
}

/// Which axis batch normalization normalizes over.
public enum BatchNormAxis: UInt8, Equatable, Sendable {
    /// Input `[F]`: one statistic per feature.
    case features = 0
    /// Input `[C, H, W]`: one statistic per channel (spatial batch-norm).
    case channels = 1
}

/// Hyper-parameters of batch normalization:
/// `y = (x − running_mean) / sqrt(running_var + epsilon) · gamma + beta` at inference.
public struct BatchNormLayer: Equatable, Sendable {
    /// Features (`[F]` input) or channels (`[C, H, W]` input).
    public var axis: BatchNormAxis
    /// Number of features or channels.
    public var channels: Int
    /// Added to the variance before the square root.
    public var epsilon: Float
    /// Momentum the trainer used for the running statistics (informational at inference).
    public var momentum: Float
    public init(axis: BatchNormAxis, channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.9) {
        self.axis = axis
        self.channels = channels
        self.epsilon = epsilon
        self.momentum = momentum
    }
}
