import NNZFormat

/// Input normalization fitted on training rows and stored in the model file (`NORM`), so the
/// runtime applies exactly what training saw.
///
/// Applying it uses the runtime's f32 formula, `(x − a) / b` (standard) or
/// `(x − a) / (b − a)` (min-max), so trainer and runtime feed identical bits to the first layer.
public enum Normalization: Equatable, Sendable {
    /// Per-feature mean and population standard deviation of the training rows; a constant
    /// feature gets deviation 1 (it becomes 0).
    case standard
    /// Per-feature minimum and maximum of the training rows; a constant feature gets
    /// `max = min + 1`.
    case minMax
    /// No normalization: raw values go to the first layer and the file has no `NORM` chunk.
    case none
    /// A fixed normalization, e.g. digits' `pixels / 16` = `.fixed(.minMax(min: [0], max: [16]))`.
    case fixed(InputNormalization)

    /// Parses `standard` (`zscore`), `minmax`, `none`.
    public init?(name: String) {
        switch name.lowercased() {
        case "standard", "zscore", "standardize": self = .standard
        case "minmax", "min-max": self = .minMax
        case "none", "off": self = .none
        default: return nil
        }
    }

    /// The stored normalization for `rows` (`count × width` values), or nil for ``none``.
    public func fit(_ rows: [Float], width: Int) -> InputNormalization? {
        let count = rows.count / max(width, 1)
        switch self {
        case .none: return nil
        case .fixed(let n): return n
        case .standard:
            var means = [Float](repeating: 0, count: width), deviations = [Float](repeating: 1, count: width)
            for j in 0..<width {
                var sum = 0.0
                for i in 0..<count { sum += Double(rows[i * width + j]) }
                let mean = count > 0 ? sum / Double(count) : 0
                var squares = 0.0
                for i in 0..<count {
                    let d = Double(rows[i * width + j]) - mean
                    squares += d * d
                }
                let deviation = count > 0 ? (squares / Double(count)).squareRoot() : 0
                means[j] = Float(mean)
                let stored = Float(deviation)
                deviations[j] = stored > 0 && stored.isFinite && deviation > 1e-12 * max(1, abs(mean)) ? stored : 1
            }
            return .standard(mean: means, std: deviations)
        case .minMax:
            var minima = [Float](repeating: 0, count: width), maxima = [Float](repeating: 1, count: width)
            for j in 0..<width {
                var low = Float.infinity, high = -Float.infinity
                for i in 0..<count {
                    low = min(low, rows[i * width + j])
                    high = max(high, rows[i * width + j])
                }
                if count == 0 { low = 0; high = 1 }
                if !(high > low) { high = low + 1 }
                minima[j] = low
                maxima[j] = high
            }
            return .minMax(min: minima, max: maxima)
        }
    }

    /// `rows` after `normalization` (nil: unchanged), in the runtime's f32 arithmetic.
    public static func apply(_ normalization: InputNormalization?, to rows: [Float], width: Int) -> [Float] {
        guard let n = normalization else { return rows }
        var out = rows
        let perFeature = n.first.count != 1
        for i in 0..<out.count {
            let j = perFeature ? i % width : 0
            let a = n.first[j], b = n.second[j]
            switch n.kind {
            case .standard: out[i] = (out[i] - a) / b
            case .minMax: out[i] = (out[i] - a) / (b - a)
            }
        }
        return out
    }
}
