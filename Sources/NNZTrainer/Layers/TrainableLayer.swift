import NNZFormat

/// Whether a forward pass is part of training (batch statistics, dropout masks) or inference.
public enum ForwardMode: Sendable {
    case training
    case evaluation
}

/// A layer the trainer can run forwards and backwards.
///
/// Activations are flat `Float` buffers shaped `[batch, ...inputShape]` (row-major, NCHW for
/// images). A layer owns its output and input-gradient buffers and returns pointers into them;
/// they stay valid until the layer's next call. `forward` remembers what `backward` needs
/// (the input pointer, masks, batch statistics), so `backward` must follow a training-mode
/// `forward` with the same batch.
///
/// Adding a layer: copy a sibling file (`ReLU.swift` for a stateless one, `Dense.swift` for
/// one with parameters), keep forward, backward and ``formatLayer`` side by side.
public protocol TrainableLayer: AnyObject {
    /// Shape of one input sample: `[features]` or `[channels, height, width]`.
    var inputShape: [Int] { get }
    /// Shape of one output sample.
    var outputShape: [Int] { get }
    /// Learned parameters, in the order the model file stores them.
    var parameters: [Parameter] { get }
    /// The layer as the model file describes it.
    var formatLayer: NNZFormat.Layer { get }
    /// Every tensor the model file stores for this layer, in canonical order (learned
    /// parameters, then batch-norm running statistics).
    var exportedTensors: [(name: String, shape: [Int], values: [Float])] { get }
    /// Runs `batch` samples; returns a pointer to `batch × outputShape` values.
    func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float>
    /// Takes dLoss/dOutput for the last training-mode forward, stores dLoss/dParameter in each
    /// parameter's gradient (overwriting), and returns dLoss/dInput when `needsInputGradient`.
    func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>?
}

extension TrainableLayer {
    public var parameters: [Parameter] { [] }
    public var exportedTensors: [(name: String, shape: [Int], values: [Float])] {
        parameters.map { ($0.name, $0.shape, $0.values) }
    }
    var inputElementCount: Int { inputShape.reduce(1, *) }
    var outputElementCount: Int { outputShape.reduce(1, *) }
}

/// A learned tensor with its gradient and optimizer state.
public final class Parameter {
    /// The tensor's name inside its layer: `weight`, `bias`, `gamma`, `beta`.
    public let name: String
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// Whether L2 weight decay applies (weights and kernels yes; biases and batch-norm no).
    public let decays: Bool
    let value: FloatBuffer
    let gradient: FloatBuffer
    /// Optimizer slots (velocity, squared-gradient averages), created by the optimizer.
    var slots: [FloatBuffer] = []

    init(name: String, shape: [Int], values: [Float], decays: Bool) {
        precondition(values.count == shape.reduce(1, *), "parameter \(name): \(values.count) values for shape \(shape)")
        self.name = name
        self.shape = shape
        self.decays = decays
        value = FloatBuffer(values)
        gradient = FloatBuffer(count: values.count)
    }

    /// Number of values.
    public var count: Int { value.count }

    /// The current values (a copy); assigning replaces them (the count must match).
    public var values: [Float] {
        get { value.array() }
        set {
            precondition(newValue.count == count, "parameter \(name): expected \(count) values")
            value.copy(from: newValue)
        }
    }

    /// The gradient of the last backward pass (a copy).
    public var gradients: [Float] { gradient.array() }
}

extension TrainableLayer {
    /// Output height and width of a window layer (conv2d, max-pool) on a `[C, H, W]` input,
    /// by the format's own shape rule; the network checked beforehand that the window fits.
    static func outputSize(of layer: NNZFormat.Layer, input: [Int]) -> (height: Int, width: Int) {
        guard case .success(let shape) = layer.outputShape(for: input), shape.count == 3 else {
            preconditionFailure("\(layer.kindName): the window does not fit the padded input \(input)")
        }
        return (shape[1], shape[2])
    }
}
