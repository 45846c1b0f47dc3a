#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Synthetic two-feature classification sets (features `x1`, `x2`; labels `0`, `1`).
///
/// ```swift
/// let moons = Generators.moons(count: 200, noise: 0.2, seed: 0)
/// ```
public enum Generators {
    /// Two interleaving half circles, as scikit-learn's `make_moons`: the outer moon is
    /// `(cos t, sin t)`, the inner `(1 − cos t, 0.5 − sin t)` for `t` evenly spaced over [0, π],
    /// rows shuffled, then Gaussian noise with deviation `noise` added to every coordinate.
    /// Draws come from ``RandomGenerator`` stream ``RandomGenerator/Stream/data`` of `seed`.
    public static func moons(count: Int, noise: Double, seed: UInt64) -> Dataset {
        var random = RandomGenerator(seed: seed, stream: .data)
        var (points, labels) = moonPoints(count)
        var order = Array(0..<count)
        random.shuffle(&order)
        var features: [Float] = []
        var rows: [Int32] = []
        for i in order {
            features.append(Float(points[i].0 + noise * random.nextGaussian()))
            features.append(Float(points[i].1 + noise * random.nextGaussian()))
            rows.append(labels[i])
        }
        points.removeAll()
        return Dataset(featureNames: ["x1", "x2"], features: features, targets: .classes(rows, labels: ["0", "1"]), targetName: "label")
    }

    /// Exactly `sklearn.datasets.make_moons(count, noise=noise)` drawing from `state` (a numpy
    /// legacy `RandomState`), e.g. `np.random.seed(0); make_moons(200, noise=0.2)` is
    /// `var s = NumpyRandomState(seed: 0); sklearnMoons(count: 200, noise: 0.2, state: &s)`.
    /// Leaves `state` where numpy's would be afterwards. Values are Double; they match numpy's
    /// to the last bit or two (the platform's sin/cos, and ``PortableMath/log(_:)``).
    public static func sklearnMoons(count: Int, noise: Double, state: inout NumpyRandomState) -> (features: [[Double]], labels: [Int]) {
        let (points, labels) = moonPoints(count)
        var indices = Array(0..<count)
        state.shuffle(&indices)
        var features = indices.map { [points[$0].0, points[$0].1] }
        for i in 0..<count {
            for j in 0..<2 { features[i][j] += state.normal(scale: noise) }
        }
        return (features, indices.map { Int(labels[$0]) })
    }

    /// Points before shuffling and noise: `count / 2` outer then the rest inner.
    private static func moonPoints(_ count: Int) -> ([(Double, Double)], [Int32]) {
        let outer = count / 2, inner = count - outer
        var points: [(Double, Double)] = []
        var labels: [Int32] = []
        for t in linspace(0, Double.pi, outer) { points.append((cos(t), sin(t))); labels.append(0) }
        for t in linspace(0, Double.pi, inner) { points.append((1 - cos(t), 1 - sin(t) - 0.5)); labels.append(1) }
        return (points, labels)
    }

    /// numpy's `linspace(start, stop, n)`: `start + i · step`, the last value exactly `stop`.
    static func linspace(_ start: Double, _ stop: Double, _ n: Int) -> [Double] {
        guard n > 1 else { return n == 1 ? [start] : [] }
        let step = (stop - start) / Double(n - 1)
        var values = (0..<n).map { Double($0) * step + start }
        values[n - 1] = stop
        return values
    }

    /// Two concentric circles (`make_circles`): outer radius 1 (label 0), inner radius
    /// `factor` (label 1), angles evenly spaced, rows shuffled, Gaussian noise added.
    public static func circles(count: Int, noise: Double, factor: Double = 0.5, seed: UInt64) -> Dataset {
        var random = RandomGenerator(seed: seed, stream: .data)
        let outer = count / 2, inner = count - outer
        var points: [(Double, Double, Int32)] = []
        for i in 0..<outer {
            let t = 2 * Double.pi * Double(i) / Double(outer)
            points.append((cos(t), sin(t), 0))
        }
        for i in 0..<inner {
            let t = 2 * Double.pi * Double(i) / Double(inner)
            points.append((factor * cos(t), factor * sin(t), 1))
        }
        var order = Array(0..<count)
        random.shuffle(&order)
        var features: [Float] = [], rows: [Int32] = []
        for i in order {
            features.append(Float(points[i].0 + noise * random.nextGaussian()))
            features.append(Float(points[i].1 + noise * random.nextGaussian()))
            rows.append(points[i].2)
        }
        return Dataset(featureNames: ["x1", "x2"], features: features, targets: .classes(rows, labels: ["0", "1"]), targetName: "label")
    }

    /// XOR: points around the four corners (0,0), (0,1), (1,0), (1,1) (round-robin), with
    /// Gaussian noise; the label is `a XOR b` of the corner.
    public static func xor(count: Int, noise: Double, seed: UInt64) -> Dataset {
        var random = RandomGenerator(seed: seed, stream: .data)
        var features: [Float] = [], rows: [Int32] = []
        for i in 0..<count {
            let a = i % 2, b = (i / 2) % 2
            features.append(Float(Double(a) + noise * random.nextGaussian()))
            features.append(Float(Double(b) + noise * random.nextGaussian()))
            rows.append(Int32(a ^ b))
        }
        return Dataset(featureNames: ["x1", "x2"], features: features, targets: .classes(rows, labels: ["0", "1"]), targetName: "label")
    }
}
