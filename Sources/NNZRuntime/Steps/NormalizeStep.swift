import NNZFormat
import NNZKernels

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
        nnz_normalize_rows(input, output, Int32(rows), Int32(outputWidth), offset, divisor, offset.count == 1 ? 1 : 0)
    }
}
