import NNZFormat
import NNZKernels

/// A ReLU, sigmoid or tanh layer that was not fused into the layer before it.
final class ActivationStep: PlanStep {
    let activation: nnz_activation
    let outputWidth: Int
    var flopsPerRow: Int { outputWidth }

    init(_ activation: nnz_activation, width: Int) {
        self.activation = activation
        outputWidth = width
    }

    /// The kernel activation of a ReLU / sigmoid / tanh layer; nil for every other kind.
    static func kernelActivation(_ layer: Layer) -> nnz_activation? {
        switch layer {
        case .relu: return NNZ_ACT_RELU
        case .sigmoid: return NNZ_ACT_SIGMOID
        case .tanh: return NNZ_ACT_TANH
        default: return nil
        }
    }

    func run(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, scratch: Scratch) {
        Self.apply(activation, input, output, count: rows * outputWidth)
    }

    /// `y = act(x)` over `count` values (in place allowed).
    static func apply(_ activation: nnz_activation, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        switch activation {
        case NNZ_ACT_RELU: nnz_relu(x, y, count)
        case NNZ_ACT_SIGMOID: nnz_sigmoid(x, y, count)
        case NNZ_ACT_TANH: nnz_tanh(x, y, count)
        default: if UnsafePointer(y) != x { y.update(from: x, count: count) }
        }
    }
}
