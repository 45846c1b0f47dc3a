import NNZKernels

/// A softmax layer over each row (``nnz_softmax_rows``: the row maximum is subtracted first).
final class SoftmaxStep: PlanStep {
    let outputWidth: Int
    var flopsPerRow: Int { outputWidth }

    init(width: Int) { outputWidth = width }

    func run(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, scratch: Scratch) {
        nnz_softmax_rows(input, output, Int32(rows), Int32(outputWidth))
    }
}
