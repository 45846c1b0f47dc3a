/// Input normalization applied feature by feature: `x' = (x - offset) / scale`.
///
/// For ``Kind/standard`` the stored pair is (mean, standard deviation); for ``Kind/minMax`` it
/// is (minimum, maximum) and the runtime computes `(x - min) / (max - min)`. Either one pair
/// covers every input value (`count == 1`), or there is one pair per input value.
public struct InputNormalization: Equatable, Sendable {
    /// Which formula the stored pairs feed.
    public enum Kind: UInt8, Equatable, Sendable {
        /// `(x - mean) / std`.
        case standard = 1
        /// `(x - min) / (max - min)`.
        case minMax = 2
    }
    /// Standard (mean/std) or min-max.
    public var kind: Kind
    /// Means (standard) or minima (minMax).
    public var first: [Float]
    /// Standard deviations (standard) or maxima (minMax).
    public var second: [Float]

    public init(kind: Kind, first: [Float], second: [Float]) {
        self.kind = kind
        self.first = first
        self.second = second
    }

    /// `(x - mean) / std` per feature.
    public static func standard(mean: [Float], std: [Float]) -> InputNormalization {
        InputNormalization(kind: .standard, first: mean, second: std)
    }

    /// `(x - min) / (max - min)` per feature.
    public static func minMax(min: [Float], max: [Float]) -> InputNormalization {
        InputNormalization(kind: .minMax, first: min, second: max)
    }
}
