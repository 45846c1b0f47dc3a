import NNZFormat

/// The file's input normalization: `x' = (x − offset) / divisor` per input value (one offset
/// and divisor broadcast to every value when the file stores one).
final class NormalizeStep: PlanStep {
    let offset: [Float]
    let divisor: [Float]
    let outputWidth: Int
    var flopsPerRow: Int { outputWidth }

    /// Standard: `(x − mean) / std`; min-max: `(x − min) / (max − min)`.
    init(_ n: InputNormalization, width: Int) {
        offset = n.first
        switch n.kind {
        case .standard: divisor = n.second
        case .minMax: divisor = zip(n.first, n.second).map { $1 - $0 }
        }
        outputWidth = width
    }

    func run(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, scratch: Scratch) {
        let w = outputWidth
        offset.withUnsafeBufferPointer { o in
            divisor.withUnsafeBufferPointer { d in
                let broadcast = o.count == 1
                for r in 0..<rows {
                    let x = input + r * w, y = output + r * w
                    if broadcast {
                        let a = o[0], b = d[0]
                        for i in 0..<w { y[i] = (x[i] - a) / b }
                    } else {
                        for i in 0..<w { y[i] = (x[i] - o[i]) / d[i] }
                    }
                }
            }
        }
    }
}
