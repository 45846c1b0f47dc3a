/// Samples with their targets, row-major in memory.
///
/// `features` holds `count × width` raw values (`width` = the product of `sampleShape`);
/// `targets` holds one class index per row, or `targetWidth` values per row.
///
/// ```swift
/// let data = try CSVLoader.load(path: "moons.csv", target: "label")
/// let (train, validation) = data.split(validationFraction: 0.2, seed: 0)
/// ```
public struct Dataset: Sendable {
    /// One name per input value (CSV header names, or `x1`, `x2`, … for generated data).
    public var featureNames: [String]
    /// Shape of one sample: `[features]` or `[channels, height, width]`.
    public var sampleShape: [Int]
    /// `count × width` raw input values.
    public var features: [Float]
    /// Class indices or target values, one entry (or row) per sample.
    public var targets: Targets
    /// Name of the target column.
    public var targetName: String

    public init(featureNames: [String], sampleShape: [Int]? = nil, features: [Float], targets: Targets, targetName: String = "target") {
        let width = sampleShape?.reduce(1, *) ?? featureNames.count
        precondition(width > 0 && features.count % width == 0, "features must hold whole rows")
        self.featureNames = featureNames
        self.sampleShape = sampleShape ?? [featureNames.count]
        self.features = features
        self.targets = targets
        self.targetName = targetName
    }

    /// Values per sample.
    public var width: Int { sampleShape.reduce(1, *) }
    /// Number of samples.
    public var count: Int { features.count / width }
    /// Whether targets are classes.
    public var isClassification: Bool {
        if case .classes = targets { return true }
        return false
    }
    /// Class labels for classification data.
    public var classLabels: [String]? {
        if case .classes(_, let labels) = targets { return labels }
        return nil
    }

    /// The rows at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Dataset {
        let w = width
        var rows = [Float]()
        rows.reserveCapacity(indices.count * w)
        for i in indices { rows.append(contentsOf: features[(i * w)..<((i + 1) * w)]) }
        var copy = self
        copy.features = rows
        copy.targets = targets.subset(indices)
        return copy
    }

    /// One raw input row.
    public func row(_ index: Int) -> [Float] {
        Array(features[(index * width)..<((index + 1) * width)])
    }

    /// A seeded random split: the rows are shuffled with ``RandomGenerator`` (stream
    /// ``RandomGenerator/Stream/split`` of `seed`), the last `round(fraction · count)` rows
    /// become the validation set, both sets keep the original row order.
    public func split(validationFraction fraction: Double, seed: UInt64) -> (train: Dataset, validation: Dataset?) {
        let validationCount = Int((fraction * Double(count)).rounded())
        guard fraction > 0, validationCount > 0, validationCount < count else { return (self, nil) }
        var order = Array(0..<count)
        var random = RandomGenerator(seed: seed, stream: .split)
        random.shuffle(&order)
        let validation = Array(order[(count - validationCount)...]).sorted()
        let train = Array(order[..<(count - validationCount)]).sorted()
        return (subset(train), subset(validation))
    }
}

/// Training targets.
public enum Targets: Sendable, Equatable {
    /// One class index per row, into `labels`.
    case classes([Int32], labels: [String])
    /// `width` values per row (regression; or one-hot/soft labels for cross-entropy).
    case values([Float], width: Int)

    /// Values per row: 1 for class indices.
    public var width: Int {
        switch self {
        case .classes: return 1
        case .values(_, let width): return width
        }
    }

    func subset(_ indices: [Int]) -> Targets {
        switch self {
        case .classes(let labels, let names):
            return .classes(indices.map { labels[$0] }, labels: names)
        case .values(let values, let width):
            var rows = [Float]()
            rows.reserveCapacity(indices.count * width)
            for i in indices { rows.append(contentsOf: values[(i * width)..<((i + 1) * width)]) }
            return .values(rows, width: width)
        }
    }
}
