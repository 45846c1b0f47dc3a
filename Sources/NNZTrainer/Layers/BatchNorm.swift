import NNZFormat

/// Batch normalization over features (`[F]` input) or over channels (`[C, H, W]` input,
/// statistics over batch and positions).
///
/// Training: `x̂ = (x − μ_B) / sqrt(σ²_B + ε)`, `y = γ · x̂ + β` with the batch mean and the
/// biased batch variance; then `running = momentum · running + (1 − momentum) · batch`
/// (the tutorials' convention, momentum 0.9; the running variance also uses the biased batch
/// variance). Running mean starts at 0, running variance at 1.
/// Evaluation: `y = (x − running_mean) / sqrt(running_var + ε) · γ + β`.
/// Backward: `dx = γ / (M · sqrt(σ² + ε)) · (M · dy − Σdy − x̂ · Σ(dy · x̂))` with M values per
/// statistic.
public final class BatchNorm: TrainableLayer {
    /// Shape of one input sample.
    public let inputShape: [Int]
    /// Features (`[F]` input) or channels (`[C, H, W]` input).
    public let axis: BatchNormAxis
    /// Number of features or channels.
    public let channels: Int
    /// Added to the variance before the square root.
    public let epsilon: Float
    /// Weight of the old running statistic in each update.
    public let momentum: Float
    /// Learned scale, one per channel.
    public let gamma: Parameter
    /// Learned shift, one per channel.
    public let beta: Parameter
    /// Running mean per channel, used at evaluation (starts at 0).
    public private(set) var runningMean: [Float]
    /// Running (biased) variance per channel, used at evaluation (starts at 1).
    public private(set) var runningVariance: [Float]
    private let output = FloatBuffer(count: 0)
    private let normalized = FloatBuffer(count: 0)
    private let inputGradient = FloatBuffer(count: 0)
    private var inverseDeviation: [Float]

    init(input: [Int], epsilon: Float, momentum: Float) {
        inputShape = input
        axis = input.count == 3 ? .channels : .features
        channels = input[0]
        self.epsilon = epsilon
        self.momentum = momentum
        gamma = Parameter(name: "gamma", shape: [channels], values: Array(repeating: 1, count: channels), decays: false)
        beta = Parameter(name: "beta", shape: [channels], values: Array(repeating: 0, count: channels), decays: false)
        runningMean = Array(repeating: 0, count: channels)
        runningVariance = Array(repeating: 1, count: channels)
        inverseDeviation = Array(repeating: 1, count: channels)
    }

    public var outputShape: [Int] { inputShape }
    public var parameters: [Parameter] { [gamma, beta] }
    public var formatLayer: NNZFormat.Layer {
        .batchNorm(BatchNormLayer(axis: axis, channels: channels, epsilon: epsilon, momentum: momentum))
    }
    public var exportedTensors: [(name: String, shape: [Int], values: [Float])] {
        [("gamma", [channels], gamma.values), ("beta", [channels], beta.values),
         ("running_mean", [channels], runningMean), ("running_var", [channels], runningVariance)]
    }

    /// Replaces the running statistics (e.g. when loading a model).
    public func setRunningStatistics(mean: [Float], variance: [Float]) {
        precondition(mean.count == channels && variance.count == channels)
        runningMean = mean
        runningVariance = variance
    }

    /// Values per (sample, channel) block: 1 over features, H·W over channels.
    private var spatial: Int { axis == .channels ? inputShape[1] * inputShape[2] : 1 }

    /// Index of value `p` of channel `c` in sample `n`: features `n·C + c`, channels
    /// `(n·C + c)·HW + p`.
    public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: ForwardMode) -> UnsafePointer<Float> {
        let count = batch * channels * spatial
        output.reserve(count)
        let y = output.pointer
        let g = gamma.value.pointer, b = beta.value.pointer
        let hw = spatial
        switch mode {
        case .evaluation:
            for c in 0..<channels {
                let deviation = (runningVariance[c] + epsilon).squareRoot()
                let mean = runningMean[c], gc = g[c], bc = b[c]
                for n in 0..<batch {
                    let base = (n * channels + c) * hw
                    for p in 0..<hw { y[base + p] = (input[base + p] - mean) / deviation * gc + bc }
                }
            }
        case .training:
            normalized.reserve(count)
            let xhat = normalized.pointer
            let m = Float(batch * hw)
            for c in 0..<channels {
                var sum: Float = 0
                for n in 0..<batch {
                    let base = (n * channels + c) * hw
                    for p in 0..<hw { sum += input[base + p] }
                }
                let mean = sum / m
                var squares: Float = 0
                for n in 0..<batch {
                    let base = (n * channels + c) * hw
                    for p in 0..<hw {
                        let d = input[base + p] - mean
                        squares += d * d
                    }
                }
                let variance = squares / m
                let inverse = 1 / (variance + epsilon).squareRoot()
                inverseDeviation[c] = inverse
                let gc = g[c], bc = b[c]
                for n in 0..<batch {
                    let base = (n * channels + c) * hw
                    for p in 0..<hw {
                        let v = (input[base + p] - mean) * inverse
                        xhat[base + p] = v
                        y[base + p] = gc * v + bc
                    }
                }
                runningMean[c] = momentum * runningMean[c] + (1 - momentum) * mean
                runningVariance[c] = momentum * runningVariance[c] + (1 - momentum) * variance
            }
        }
        return UnsafePointer(y)
    }

    public func backward(_ outputGradient: UnsafePointer<Float>, batch: Int, needsInputGradient: Bool) -> UnsafePointer<Float>? {
        let hw = spatial
        let count = batch * channels * hw
        let xhat = normalized.pointer
        let dGamma = gamma.gradient.pointer, dBeta = beta.gradient.pointer
        if needsInputGradient { inputGradient.reserve(count) }
        let dx = inputGradient.pointer
        let m = Float(batch * hw)
        for c in 0..<channels {
            var sumDy: Float = 0, sumDyXhat: Float = 0
            for n in 0..<batch {
                let base = (n * channels + c) * hw
                for p in 0..<hw {
                    sumDy += outputGradient[base + p]
                    sumDyXhat += outputGradient[base + p] * xhat[base + p]
                }
            }
            dBeta[c] = sumDy
            dGamma[c] = sumDyXhat
            guard needsInputGradient else { continue }
            let scale = gamma.value.pointer[c] * inverseDeviation[c] / m
            for n in 0..<batch {
                let base = (n * channels + c) * hw
                for p in 0..<hw {
                    dx[base + p] = scale * (m * outputGradient[base + p] - sumDy - xhat[base + p] * sumDyXhat)
                }
            }
        }
        return needsInputGradient ? UnsafePointer(dx) : nil
    }
}
