/// How dense and convolution weights start.
///
/// `fanIn` is the number of inputs feeding one output (`inputs` for dense,
/// `inChannels · kernelH · kernelW` for conv2d), `fanOut` the number of outputs one input feeds.
/// Values are computed in Double from the random draws, then rounded once to Float.
public enum WeightInitialization: Equatable, Sendable {
    /// He (Kaiming) normal: `N(0, 1) · sqrt(2 / fanIn)`; the default, suited to ReLU.
    case he
    /// Glorot (Xavier) uniform: `U(−l, l)` with `l = sqrt(6 / (fanIn + fanOut))`; suited to
    /// tanh and sigmoid.
    case glorot
    /// The tutorials' `np.random.randn(fan_in, fan_out) / np.sqrt(fan_in)`.
    case scaledNormal
    /// `N(0, 1) · standardDeviation` (the regression tutorial's plain `randn` is `.normal(1)`).
    case normal(Double)
    /// `low + (high − low) · U[0, 1)` (the XOR tutorial's `2 · random() − 1` is `.uniform(-1, 1)`).
    case uniform(Double, Double)

    /// Parses `he`, `glorot` (or `xavier`), `scaled-normal` (or `lecun`, `randn`).
    public init?(name: String) {
        switch name.lowercased() {
        case "he", "kaiming": self = .he
        case "glorot", "xavier": self = .glorot
        case "scaled-normal", "lecun", "randn": self = .scaledNormal
        default: return nil
        }
    }

    func sample(fanIn: Int, fanOut: Int, random: inout InitializationRandom) -> Float {
        switch self {
        case .he:
            return Float(random.gaussian() * (2.0 / Double(fanIn)).squareRoot())
        case .glorot:
            let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
            return Float(-limit + 2 * limit * random.uniform())
        case .scaledNormal:
            return Float(random.gaussian() / Double(fanIn).squareRoot())
        case .normal(let deviation):
            return Float(random.gaussian() * deviation)
        case .uniform(let low, let high):
            return Float(low + (high - low) * random.uniform())
        }
    }
}

/// How biases (and nothing else) start.
public enum BiasInitialization: Equatable, Sendable {
    /// All zero; the default.
    case zeros
    /// `N(0, 1) · standardDeviation` (the first tutorial's class draws biases with `randn`).
    case normal(Double)
    /// `low + (high − low) · U[0, 1)`.
    case uniform(Double, Double)

    func sample(random: inout InitializationRandom) -> Float {
        switch self {
        case .zeros: return 0
        case .normal(let deviation): return Float(random.gaussian() * deviation)
        case .uniform(let low, let high): return Float(low + (high - low) * random.uniform())
        }
    }
}

/// Where initial weights come from.
///
/// Draw order: layer by layer, each layer's weights in row-major order of their stored shape
/// (`[inputs, outputs]`, `[out, in, kh, kw]`), then its biases when the bias initialization is
/// random.
public enum InitializationSource: Sendable {
    /// The trainer's ``RandomGenerator`` on the ``RandomGenerator/Stream/initialization`` stream
    /// of this seed.
    case seed(UInt64)
    /// A numpy legacy `RandomState` in the given state: reproduces a numpy script's draws, e.g.
    /// `np.random.seed(0); make_moons(...); W1 = np.random.randn(2, 6) / np.sqrt(2)`.
    case numpy(NumpyRandomState)
}

/// One stream of uniform and normal draws, from either generator.
struct InitializationRandom {
    private var trainer: RandomGenerator?
    private var numpy: NumpyRandomState?

    init(_ source: InitializationSource) {
        switch source {
        case .seed(let seed): trainer = RandomGenerator(seed: seed, stream: .initialization)
        case .numpy(let state): numpy = state
        }
    }

    mutating func gaussian() -> Double {
        if trainer != nil { return trainer!.nextGaussian() }
        return numpy!.randn()
    }

    mutating func uniform() -> Double {
        if trainer != nil { return trainer!.nextDouble() }
        return numpy!.randomSample()
    }
}
