#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The training objective.
///
/// Per-sample values (the reported loss is their mean over the samples seen):
/// - ``crossEntropy``: `−Σ_k t_k · ln p_k` (`−ln p_label` for class indices). If the network
///   ends with softmax, `p` is its output and the gradient `p − t` is handed straight to the
///   layer below softmax (the fused softmax-with-loss); otherwise the outputs are logits and
///   `p = softmax(outputs)`, with the same gradient on the logits.
/// - ``meanSquaredError``: `(1/K) Σ_k (y_k − t_k)²`, gradient `2 (y − t) / K`.
/// - ``sumOfSquaredErrors``: the tutorials' `½ Σ_k (y_k − t_k)²`, gradient `y − t` (their
///   `delta = z(1 − z)(t − z)` with the sign of a gradient).
///
/// Class-index targets are one-hot encoded for the squared-error losses; with one sigmoid
/// output and two classes, the target is the class index itself (0 or 1).
public enum Loss: String, Equatable, Sendable, CaseIterable {
    case crossEntropy = "cross-entropy"
    case meanSquaredError = "mse"
    case sumOfSquaredErrors = "sse"

    /// Parses `cross-entropy` (`ce`, `crossentropy`), `mse`, `sse` (`squared-error`).
    public init?(name: String) {
        switch name.lowercased() {
        case "cross-entropy", "crossentropy", "ce", "softmax-cross-entropy", "nll": self = .crossEntropy
        case "mse", "mean-squared-error": self = .meanSquaredError
        case "sse", "squared-error", "sum-of-squares", "sum-squared-error": self = .sumOfSquaredErrors
        default: return nil
        }
    }
}

/// How per-sample gradients combine over a batch.
public enum GradientReduction: String, Equatable, Sendable, CaseIterable {
    /// Divide by the batch size (the usual mini-batch convention; DLfS's SoftmaxWithLoss).
    case mean
    /// Add them up with no 1/N, as the first three tutorials do with full-batch descent.
    case sum
}

/// Targets for one batch, rows in the batch's order.
enum TargetRows {
    /// One class index per row.
    case classes(UnsafePointer<Int32>)
    /// `width` values per row (regression values, one-hot or soft labels).
    case values(UnsafePointer<Float>, width: Int)
}

/// What a loss evaluation returns for one batch.
struct LossResult {
    /// Σ over the batch of the per-sample loss.
    var lossSum: Double
    /// Rows whose argmax matches the target (classification), else 0.
    var correct: Int
}

extension Loss {
    /// Computes the loss of `batch` output rows and writes dLoss/d(gradient layer output) into
    /// `gradient` (`batch × width`).
    ///
    /// - Parameter outputsAreProbabilities: for cross-entropy: whether `outputs` is softmax
    ///   output (fused gradient below softmax) or logits.
    func evaluate(outputs: UnsafePointer<Float>, batch: Int, width: Int, targets: TargetRows,
                  outputsAreProbabilities: Bool, reduction: GradientReduction,
                  gradient: UnsafeMutablePointer<Float>?) -> LossResult {
        let scale: Float = reduction == .mean ? 1 / Float(batch) : 1
        var lossSum = 0.0
        var correct = 0
        for r in 0..<batch {
            let y = outputs + r * width
            let g = gradient.map { $0 + r * width }
            // Prediction and target class for accuracy.
            let predicted = width == 1 ? (y[0] >= 0.5 ? 1 : 0) : argmax(y, width)
            var targetClass = -1
            switch targets {
            case .classes(let labels): targetClass = Int(labels[r])
            case .values(let values, let targetWidth):
                if targetWidth > 1 { targetClass = argmax(values + r * targetWidth, targetWidth) }
            }
            if predicted == targetClass { correct += 1 }

            switch self {
            case .crossEntropy:
                lossSum += crossEntropyRow(y, width: width, row: r, targets: targets, probabilities: outputsAreProbabilities,
                                           scale: scale, gradient: g)
            case .meanSquaredError, .sumOfSquaredErrors:
                let half = self == .sumOfSquaredErrors
                var sum: Double = 0
                for k in 0..<width {
                    let t = targetValue(targets, row: r, column: k, width: width)
                    let d = y[k] - t
                    sum += Double(d) * Double(d)
                    if let g { g[k] = half ? d * scale : 2 * d / Float(width) * scale }
                }
                lossSum += half ? 0.5 * sum : sum / Double(width)
            }
        }
        return LossResult(lossSum: lossSum, correct: correct)
    }

    private func crossEntropyRow(_ y: UnsafePointer<Float>, width: Int, row: Int, targets: TargetRows,
                                 probabilities: Bool, scale: Float, gradient: UnsafeMutablePointer<Float>?) -> Double {
        // Probabilities p (written into the gradient buffer first when we have logits).
        var logSumExp = 0.0, maximum = y[0]
        if !probabilities {
            for k in 1..<max(width, 1) where y[k] > maximum { maximum = y[k] }
            var sum = 0.0
            for k in 0..<width { sum += Double(expf(y[k] - maximum)) }
            logSumExp = Double(maximum) + log(sum)
        }
        func logProbability(_ k: Int) -> Double {
            probabilities ? log(max(Double(y[k]), 1e-30)) : Double(y[k]) - logSumExp
        }
        func probability(_ k: Int) -> Float {
            probabilities ? y[k] : Float(exp(Double(y[k]) - logSumExp))
        }
        var loss = 0.0
        for k in 0..<width {
            let t = targetValue(targets, row: row, column: k, width: width)
            if t != 0 { loss -= Double(t) * logProbability(k) }
            if let gradient { gradient[k] = (probability(k) - t) * scale }
        }
        return loss
    }

    private func targetValue(_ targets: TargetRows, row: Int, column: Int, width: Int) -> Float {
        switch targets {
        case .classes(let labels):
            let label = Int(labels[row])
            if width == 1 { return Float(label) }
            return label == column ? 1 : 0
        case .values(let values, let targetWidth):
            return values[row * targetWidth + column]
        }
    }

    private func argmax(_ p: UnsafePointer<Float>, _ width: Int) -> Int {
        var best = 0
        for k in 1..<max(width, 1) where p[k] > p[best] { best = k }
        return best
    }
}
