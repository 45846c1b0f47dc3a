/// A classifier's answer for one row.
///
/// ```swift
/// let c = try model.classify(row)
/// c.label            // "7"
/// c.classIndex       // 7
/// c.top(2)           // [(label: "7", index: 7, score: 0.98), (label: "1", index: 1, score: 0.01)]
/// ```
public struct Classification: Sendable, Equatable {
    /// One value per class: probabilities when the model's output kind is probabilities,
    /// raw scores (logits) otherwise.
    public let scores: [Float]
    /// Index of the highest score (the first one on ties).
    public let classIndex: Int
    /// Name of that class: the file's class label, or its index as text.
    public let label: String
    /// One name per class.
    public let labels: [String]

    public init(scores: [Float], names: [String]) {
        self.scores = scores
        labels = names
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }
        classIndex = best
        label = names.isEmpty ? String(best) : names[best]
    }

    /// The `k` highest-scoring classes, best first (ties keep class order).
    public func top(_ k: Int) -> [(label: String, index: Int, score: Float)] {
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        return order.prefix(max(0, k)).map { (labels[$0], $0, scores[$0]) }
    }

    public static func == (lhs: Classification, rhs: Classification) -> Bool {
        lhs.scores == rhs.scores && lhs.labels == rhs.labels
    }
}
