/// Hyper-parameters of batch normalization (kind 10):
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

extension BatchNormLayer: SingleCodeLayerFormat {
    static let kindCode: UInt8 = 10
    static let kindName = "batchnorm"

    static func decode(kind: UInt8, from d: inout ByteSource, index: Int) throws(FormatError) -> Layer {
        let axisOffset = d.position
        let code = try d.u8("layer \(index) batchnorm axis")
        guard let axis = BatchNormAxis(rawValue: code) else {
            throw d.error(.malformed, "layer \(index) batchnorm axis is \(code), expected 0 (features) or 1 (channels)", at: axisOffset)
        }
        let channels = try d.int("layer \(index) batchnorm channels", in: Limits.dimensions)
        let epsilon = try d.f32("layer \(index) batchnorm epsilon")
        let momentum = try d.f32("layer \(index) batchnorm momentum")
        return .batchNorm(BatchNormLayer(axis: axis, channels: channels, epsilon: epsilon, momentum: momentum))
    }

    func encode(into d: inout ByteSink) {
        d.u8(axis.rawValue); d.u32(channels); d.f32(epsilon); d.f32(momentum)
    }

    var fieldProblem: String? {
        if !Limits.dimensions.contains(channels) { return "channels \(channels) outside 1...\(Limits.maxDimension)" }
        if !(epsilon.isFinite && epsilon > 0) { return "epsilon \(epsilon) must be finite and > 0" }
        if !momentum.isFinite { return "momentum \(momentum) must be finite" }
        return nil
    }

    var parameters: [(name: String, shape: [Int])] {
        ["gamma", "beta", "running_mean", "running_var"].map { ($0, [channels]) }
    }

    func outputShape(for input: [Int]) -> Result<[Int], ShapeMismatch> {
        switch axis {
        case .features:
            guard input.count == 1, input[0] == channels else {
                return .failure(ShapeMismatch("batchnorm over features expects [\(channels)], got \(input)"))
            }
        case .channels:
            guard input.count == 3, input[0] == channels else {
                return .failure(ShapeMismatch("batchnorm over channels expects [\(channels), H, W], got \(input)"))
            }
        }
        return .success(input)
    }

    var summary: String { "\(axis == .features ? "features" : "channels") \(channels) eps \(epsilon)" }
}
