import NNZFormat
import NNZKernels

/// A leaky ReLU outside a spatial segment (flat activations, or a `[C, H, W]` input no
/// convolution or pooling opened a segment for): `nnz_leaky_relu` over the whole batch. Not
/// fused into a dense layer's epilogue (the kernels' fused activations take no parameter).
final class LeakyReLUStep: PlanStep {
    let alpha: Float
    let outputWidth: Int
    var flopsPerRow: Int { outputWidth }

    init(alpha: Float, width: Int) {
        self.alpha = alpha
        outputWidth = width
    }

    func run(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, scratch: Scratch) {
        nnz_leaky_relu(input, output, rows * outputWidth, alpha)
    }
}
