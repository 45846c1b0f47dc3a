/// What a model's outputs mean.
public enum OutputKind: UInt8, Equatable, Sendable, CaseIterable {
    /// Unnormalized class scores (logits).
    case scores = 0
    /// Class probabilities that sum to 1 (the last layer is softmax or sigmoid).
    case probabilities = 1
    /// Regression values, one per output.
    case regression = 2
}
