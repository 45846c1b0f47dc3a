/// A gradient-descent update rule with its hyper-parameters.
///
/// `g` below is the parameter's gradient plus, for weights and kernels, the L2 term
/// `weightDecay · w` (coupled L2, the tutorials' `dW += reg_lambda · W`).
///
/// ```swift
/// let adam = Optimizer.adam()                    // β1 0.9, β2 0.999, ε 1e-8
/// let sgd = Optimizer.momentum(0.9)
/// ```
public enum Optimizer: Equatable, Sendable {
    /// `w −= lr · g`.
    case sgd
    /// Classical momentum: `v = μ·v − lr·g; w += v`.
    case momentum(Float)
    /// `h += g²; w −= lr · g / (sqrt(h) + ε)`.
    case adaGrad(epsilon: Float)
    /// `h = ρ·h + (1 − ρ)·g²; w −= lr · g / (sqrt(h) + ε)`.
    case rmsProp(decay: Float, epsilon: Float)
    /// Adam with bias correction: `m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
    /// w −= lr · m̂ / (sqrt(v̂) + ε)`, `m̂ = m/(1−β1ᵗ)`, `v̂ = v/(1−β2ᵗ)`.
    case adam(beta1: Float, beta2: Float, epsilon: Float)

    /// AdaGrad with ε = 1e-7.
    public static func adaGrad() -> Optimizer { .adaGrad(epsilon: 1e-7) }
    /// RMSProp with ρ = 0.9, ε = 1e-7.
    public static func rmsProp() -> Optimizer { .rmsProp(decay: 0.9, epsilon: 1e-7) }
    /// Adam with β1 = 0.9, β2 = 0.999, ε = 1e-8.
    public static func adam() -> Optimizer { .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8) }

    /// Parses `sgd`, `momentum`, `adagrad`, `rmsprop`, `adam` (default hyper-parameters;
    /// `momentum` takes `momentum` as μ).
    public init?(name: String, momentum: Float = 0.9) {
        switch name.lowercased() {
        case "sgd": self = .sgd
        case "momentum", "sgd-momentum": self = .momentum(momentum)
        case "adagrad": self = .adaGrad()
        case "rmsprop": self = .rmsProp()
        case "adam": self = .adam()
        default: return nil
        }
    }

    /// The lowercase name used on the command line and in the model's training summary.
    public var name: String {
        switch self {
        case .sgd: return "sgd"
        case .momentum: return "momentum"
        case .adaGrad: return "adagrad"
        case .rmsProp: return "rmsprop"
        case .adam: return "adam"
        }
    }

    var slotCount: Int {
        switch self {
        case .sgd: return 0
        case .momentum, .adaGrad, .rmsProp: return 1
        case .adam: return 2
        }
    }
}

/// Applies an ``Optimizer`` to parameters, keeping its per-parameter state.
final class OptimizerState {
    let optimizer: Optimizer
    let weightDecay: Float
    private(set) var step = 0
    // β1ᵗ and β2ᵗ, by repeated multiplication in Double (no libm pow: the same on every machine).
    private var power1: Double = 1
    private var power2: Double = 1

    init(optimizer: Optimizer, weightDecay: Float) {
        self.optimizer = optimizer
        self.weightDecay = weightDecay
    }

    /// One update of every parameter from its current gradient.
    func apply(to parameters: [Parameter], learningRate: Float) {
        step += 1
        if case .adam(let beta1, let beta2, _) = optimizer {
            power1 *= Double(beta1)
            power2 *= Double(beta2)
        }
        for parameter in parameters {
            if parameter.slots.count != optimizer.slotCount {
                parameter.slots = (0..<optimizer.slotCount).map { _ in FloatBuffer(count: parameter.count) }
            }
            let w = parameter.value.pointer, g = parameter.gradient.pointer, n = parameter.count
            if parameter.decays && weightDecay != 0 {
                let decay = SIMD8<Float>(repeating: weightDecay)
                Vector.forEach(n, { i in
                    Vector.store(Vector.load(g + i) + decay * Vector.load(w + i), g + i)
                }, tail: { i in
                    g[i] += weightDecay * w[i]
                })
            }
            switch optimizer {
            case .sgd:
                SGDRule.update(w, g, n, learningRate: learningRate)
            case .momentum(let mu):
                MomentumRule.update(w, g, n, velocity: parameter.slots[0].pointer, momentum: mu, learningRate: learningRate)
            case .adaGrad(let epsilon):
                AdaGradRule.update(w, g, n, accumulator: parameter.slots[0].pointer, epsilon: epsilon, learningRate: learningRate)
            case .rmsProp(let decay, let epsilon):
                RMSPropRule.update(w, g, n, average: parameter.slots[0].pointer, decay: decay, epsilon: epsilon, learningRate: learningRate)
            case .adam(let beta1, let beta2, let epsilon):
                AdamRule.update(w, g, n, firstMoment: parameter.slots[0].pointer, secondMoment: parameter.slots[1].pointer,
                                beta1: beta1, beta2: beta2, epsilon: epsilon, correction1: Float(1 - power1),
                                correction2: Float(1 - power2), learningRate: learningRate)
            }
        }
    }
}
