/// How the learning rate changes over epochs (epoch `e` counted from 0).
public enum LearningRateSchedule: Equatable, Sendable {
    /// `lr` every epoch.
    case constant
    /// `lr · factor^⌊e / every⌋`: multiply by `factor` every `every` epochs.
    case step(every: Int, factor: Float)
    /// `lr · factor^e`.
    case exponential(factor: Float)

    /// The learning rate for `epoch`, computed by exponentiation by squaring in Double (basic
    /// operations only, so the same on every machine).
    public func learningRate(base: Float, epoch: Int) -> Float {
        let times: Int
        let factor: Float
        switch self {
        case .constant: return base
        case .step(let every, let f): times = epoch / max(every, 1); factor = f
        case .exponential(let f): times = epoch; factor = f
        }
        var result = 1.0, power = Double(factor), remaining = times
        while remaining > 0 {
            if remaining & 1 == 1 { result *= power }
            power *= power
            remaining >>= 1
        }
        return Float(Double(base) * result)
    }

    /// Parses `constant`, `step:EVERY:FACTOR` (e.g. `step:10:0.5`), `exp:FACTOR` (e.g. `exp:0.95`).
    public init?(text: String) {
        let parts = text.lowercased().split(separator: ":").map(String.init)
        switch parts.first {
        case "constant", "none": self = .constant
        case "step":
            guard parts.count == 3, let every = Int(parts[1]), every > 0, let factor = Float(parts[2]), factor > 0 else { return nil }
            self = .step(every: every, factor: factor)
        case "exp", "exponential":
            guard parts.count == 2, let factor = Float(parts[1]), factor > 0 else { return nil }
            self = .exponential(factor: factor)
        default: return nil
        }
    }

    /// The schedule in the `--lr-decay` syntax.
    public var text: String {
        switch self {
        case .constant: return "constant"
        case .step(let every, let factor): return "step:\(every):\(factor)"
        case .exponential(let factor): return "exp:\(factor)"
        }
    }
}
