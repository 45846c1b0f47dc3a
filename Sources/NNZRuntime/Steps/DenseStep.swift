import NNZFormat
import NNZKernels

/// A dense layer, `y = act(x · W + b)`, with a following batch-norm folded in and a following
/// ReLU / sigmoid / tanh fused (per ``RuntimeOptions``); `W` is packed once for
/// ``nnz_gemm_packed``, whose rows do not depend on the batch size or split.
final class DenseStep: PlanStep, @unchecked Sendable {
    let packed: UnsafeMutablePointer<Float>
    let bias: [Float]?
    let inputs: Int
    let activation: nnz_activation
    let outputWidth: Int
    var flopsPerRow: Int { saturatingProduct(2, inputs, outputWidth) }

    /// Compiles layer `index` (a dense layer) and the layers folded into it; `consumed` is how
    /// many layers that covers. `nhwcInput` is the `[C, H, W]` of an NHWC spatial segment
    /// output read through a flatten: the weight rows are then permuted from (c, h, w) to
    /// (h, w, c) order.
    static func compile(_ d: DenseLayer, file: ModelFile, at index: Int, nhwcInput: (channels: Int, height: Int, width: Int)?,
                        options: RuntimeOptions) -> (step: DenseStep, consumed: Int) {
        var (weight, bias, activation, consumed) = Compiler.linearLayer(
            file, at: index, hasBias: d.hasBias, outputs: d.outputs, rowsPerOutput: d.inputs,
            weightIndex: { i, o in i * d.outputs + o }, options: options)
        // Folding scales columns, so permuting rows afterwards gives the same weights.
        if let input = nhwcInput {
            weight = permuteRowsToNHWC(weight, channels: input.channels, height: input.height, width: input.width,
                                       outputs: d.outputs)
        }
        let packed = allocateAligned(floats: packedSize(d))
        weight.withUnsafeBufferPointer { nnz_pack_b(Int32(d.inputs), Int32(d.outputs), $0.baseAddress, Int32(d.outputs), packed) }
        return (DenseStep(packed: packed, bias: bias, inputs: d.inputs, outputs: d.outputs, activation: activation), consumed)
    }

    /// Floats of `d`'s weights packed for ``nnz_gemm_packed`` (outputs padded to 32).
    static func packedSize(_ d: DenseLayer) -> Int { nnz_pack_b_size(Int32(d.inputs), Int32(d.outputs)) }

    private init(packed: UnsafeMutablePointer<Float>, bias: [Float]?, inputs: Int, outputs: Int, activation: nnz_activation) {
        self.packed = packed
        self.bias = bias
        self.inputs = inputs
        self.activation = activation
        outputWidth = outputs
    }

    deinit { deallocateAligned(packed) }

    func run(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, scratch: Scratch) {
        if let bias {
            bias.withUnsafeBufferPointer {
                nnz_gemm_packed(Int32(rows), Int32(outputWidth), Int32(inputs), input, Int32(inputs), packed, $0.baseAddress,
                                activation, output, Int32(outputWidth))
            }
        } else {
            nnz_gemm_packed(Int32(rows), Int32(outputWidth), Int32(inputs), input, Int32(inputs), packed, nil,
                            activation, output, Int32(outputWidth))
        }
    }

    /// Dense weights `[C·H·W, outputs]` whose rows are in flatten (c, h, w) order, reordered
    /// to (h, w, c) order for an NHWC input.
    static func permuteRowsToNHWC(_ weight: [Float], channels: Int, height: Int, width: Int, outputs: Int) -> [Float] {
        var result = [Float](repeating: 0, count: weight.count)
        for c in 0..<channels {
            for h in 0..<height {
                for w in 0..<width {
                    let from = ((c * height + h) * width + w) * outputs
                    let to = ((h * width + w) * channels + c) * outputs
                    for o in 0..<outputs { result[to + o] = weight[from + o] }
                }
            }
        }
        return result
    }
}
