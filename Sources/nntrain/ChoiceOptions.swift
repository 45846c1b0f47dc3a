import ArgumentParser
import NNZFormat
import NNZPrecision
import NNZTrainer

// The values of nntrain's fixed-choice options. Each accepts exactly the spellings the
// trainer's own parser accepts (aliases, any letter case); the cases are the canonical names
// that `--help` and the usage errors list.

/// `--optimizer`.
enum OptimizerName: String, NamedChoice {
    case sgd, momentum, adagrad, rmsprop, adam

    init?(argument: String) {
        guard let optimizer = Optimizer(name: argument) else { return nil }
        self.init(rawValue: optimizer.name)
    }

    /// The optimizer with its default hyper-parameters; `momentum` is μ for `.momentum`.
    func optimizer(momentum: Float) -> Optimizer {
        Optimizer(name: rawValue, momentum: momentum)!
    }

    /// The adaptive methods start from a smaller step.
    var defaultLearningRate: Float {
        self == .adam || self == .rmsprop ? 0.001 : 0.01
    }
}

/// `--init`.
enum InitializationName: String, NamedChoice {
    case he, glorot
    case scaledNormal = "scaled-normal"

    init?(argument: String) {
        switch WeightInitialization(name: argument) {
        case .he: self = .he
        case .glorot: self = .glorot
        case .scaledNormal: self = .scaledNormal
        default: return nil
        }
    }

    var initialization: WeightInitialization {
        switch self {
        case .he: return .he
        case .glorot: return .glorot
        case .scaledNormal: return .scaledNormal
        }
    }
}

/// `--normalize`.
enum NormalizationName: String, NamedChoice {
    case standard, minmax, none

    init?(argument: String) {
        switch Normalization(name: argument) {
        case .standard: self = .standard
        case .minMax: self = .minmax
        case .some(.none): self = .none
        default: return nil
        }
    }

    var normalization: Normalization {
        switch self {
        case .standard: return .standard
        case .minmax: return .minMax
        case .none: return Normalization.none
        }
    }
}

/// `--dropout-convention`.
enum DropoutConventionName: String, NamedChoice {
    case inverted, scale

    init?(argument: String) {
        switch parseConvention(argument) {
        case .inverted: self = .inverted
        case .scaleAtInference: self = .scale
        case nil: return nil
        }
    }

    var convention: DropoutConvention {
        self == .inverted ? .inverted : .scaleAtInference
    }
}

/// `--loss`: the trainer's own type, whose cases are exactly the choices.
extension Loss: ExpressibleByArgument, NamedChoice {
    public init?(argument: String) {
        self.init(name: argument)
    }
}

/// `--reduction`.
extension GradientReduction: ExpressibleByArgument, NamedChoice {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}

/// `--task`.
extension CSVLoader.TaskKind: ExpressibleByArgument, NamedChoice {
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}

/// `--weights`: how the model file stores the weights (NNZPrecision).
enum WeightPrecisionName: String, NamedChoice {
    case float32, float16, int8

    init?(argument: String) {
        guard let precision = WeightPrecision(name: argument) else { return nil }
        self.init(rawValue: precision.rawValue)
    }

    var precision: WeightPrecision { WeightPrecision(rawValue: rawValue)! }
}
