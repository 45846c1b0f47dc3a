/// One layer of a model, with every hyper-parameter inference needs.
///
/// Learned parameters live in ``ModelFile/tensors`` under `layers.<index>.<name>` where the names
/// come from ``parameterNames``. Each kind's format rules (fields, encoding, validation, output
/// shape) live in its own file under `Layers/`; this type forwards to them through ``format``.
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
    /// `max(0, x)`.
    case relu
    /// `1 / (1 + e^−x)`.
    case sigmoid
    /// Hyperbolic tangent.
    case tanh
    /// Softmax over the (flat) feature axis.
    case softmax
    /// Dropout: at inference either the identity or a scale by `1 - ratio`.
    case dropout(DropoutLayer)
    /// Batch normalization with running statistics.
    case batchNorm(BatchNormLayer)
    /// 2-D average pooling, ONNX `AveragePool` (`count_include_pad` either way). Format 1.1.
    case avgPool(AvgPoolLayer)
    /// `[C, H, W]` → `[C, 1, 1]`: each channel's mean, ONNX `GlobalAveragePool`. Format 1.1.
    case globalAvgPool
    /// `x` for `x ≥ 0`, else `alpha · x` (`alpha` finite), ONNX `LeakyRelu`. Format 1.1.
    case leakyRelu(alpha: Float)

    /// This layer's format rules (the one switch over the kinds).
    var format: any LayerFormat {
        switch self {
        case .dense(let d): return d
        case .conv2d(let c): return c
        case .maxPool(let p): return p
        case .flatten: return FlattenLayer()
        case .relu: return ActivationLayer(function: .relu)
        case .sigmoid: return ActivationLayer(function: .sigmoid)
        case .tanh: return ActivationLayer(function: .tanh)
        case .softmax: return ActivationLayer(function: .softmax)
        case .dropout(let d): return d
        case .batchNorm(let b): return b
        case .avgPool(let p): return p
        case .globalAvgPool: return GlobalAvgPoolLayer()
        case .leakyRelu(let alpha): return LeakyReLULayer(alpha: alpha)
        }
    }

    /// Every kind's format type; the reader finds a kind code's decoder here.
    static let formats: [any LayerFormat.Type] = [
        DenseLayer.self, Conv2DLayer.self, MaxPoolLayer.self, FlattenLayer.self, ActivationLayer.self,
        DropoutLayer.self, BatchNormLayer.self, AvgPoolLayer.self, GlobalAvgPoolLayer.self, LeakyReLULayer.self,
    ]

    /// The names of this layer's learned tensors, in canonical order.
    public var parameterNames: [String] { format.parameters.map(\.name) }

    /// The expected shape of each learned tensor, in ``parameterNames`` order.
    public var parameterShapes: [[Int]] { format.parameters.map(\.shape) }

    /// A short lowercase name: `dense`, `conv2d`, `maxpool`, `flatten`, `relu`, `sigmoid`,
    /// `tanh`, `softmax`, `dropout`, `batchnorm`, `avgpool`, `globalavgpool`, `leakyrelu`.
    public var kindName: String { format.kindName }

    /// The format version that introduced this kind: 1.0 for kinds 1–10, 1.1 for avgpool,
    /// globalavgpool and leakyrelu. A file's ``ModelFile/minimumReaderVersion`` is the newest
    /// of its layers'.
    public var introducedIn: FormatVersion { type(of: format).introducedIn }

    /// Hyper-parameters in a few words, as `nninfer inspect` prints them: `64→128 no bias`,
    /// `1→8 3x3 stride 1,1 pad 1,1`, `0.5 inverted`, `2x2 stride 2,2 pad 0,0 exclude-pad`,
    /// `alpha 0.01`, …; empty for kinds without fields.
    public var summary: String { format.summary }

    /// The shape this layer produces from `input`, or a message saying why it cannot.
    public func outputShape(for input: [Int]) -> Result<[Int], ShapeMismatch> {
        format.outputShape(for: input)
    }

    /// Why this layer's own fields are out of range, or nil when they are fine.
    var fieldProblem: String? { format.fieldProblem }

    /// For a parameter that may be int8 (dense and conv2d `weight`), the number of products each
    /// output sums; nil when the parameter may not be int8 (docs/FORMAT.md §4).
    public func int8ReductionLength(ofParameter name: String) -> Int? {
        format.int8ReductionLength(ofParameter: name)
    }
}
