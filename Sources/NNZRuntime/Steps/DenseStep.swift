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
                        options: RuntimeOptions) -> (step: any PlanStep, consumed: Int) {
        if let int8 = Compiler.int8LinearLayer(file, at: index, hasBias: d.hasBias, options: options) {
            var values = int8.values
            if let input = nhwcInput {
                values = permuteRowsToNHWC(values, channels: input.channels, height: input.height, width: input.width,
                                           outputs: d.outputs)
            }
            let weights = Kernels.Int8DenseWeights(inputs: d.inputs, outputs: d.outputs, values: values, scales: int8.scales,
                                                   bias: int8.bias)
            return (Int8DenseStep(weights: weights, activation: int8.activation), int8.consumed)
        }
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

    /// Floats of `d`'s weights packed for ``nnz_gemm_packed`` (outputs padded to 32), or, for
    /// int8 weights, the bytes ``nnz_int8_pack_b`` takes counted in floats.
    static func packedSize(_ d: DenseLayer, int8: Bool = false) -> Int {
        int8 ? (nnz_int8_packed_size(Int32(d.inputs), Int32(d.outputs)) + 3) / 4 : nnz_pack_b_size(Int32(d.inputs), Int32(d.outputs))
    }

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
    static func permuteRowsToNHWC<T: Numeric>(_ weight: [T], channels: Int, height: Int, width: Int, outputs: Int) -> [T] {
        var result = [T](repeating: 0, count: weight.count)
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

/// A dense layer with int8 weights (FORMAT.md §4 "int8 layers at inference"): each row of the
/// pass is quantized to u8 with its own scale and zero point (``nnz_quantize_rows_u8``), then
/// multiplied with exact int32 sums and dequantized with the bias and the fused activation in
/// one epilogue (``nnz_gemm_int8_packed``). Rows go through in blocks of ``blockRows`` so that
/// their bytes stay in cache between the two kernels. A row's result depends on that row only,
/// and (with no activation or ReLU) on no kernel path.
final class Int8DenseStep: PlanStep, @unchecked Sendable {
    let weights: Kernels.Int8DenseWeights
    let activation: nnz_activation
    var outputWidth: Int { weights.outputs }
    /// An int8 multiply-add counted as half a float one (it runs about four times as fast).
    var flopsPerRow: Int { saturatingProduct(weights.inputs, weights.outputs) }
    /// Rows quantized and multiplied at a time (measured best on the digits MLP chain).
    static let blockRows = 256

    init(weights: Kernels.Int8DenseWeights, activation: nnz_activation) {
        self.weights = weights
        self.activation = activation
    }

    /// The quantized rows of one block, then their scales and zero points.
    func byteScratch(rows: Int) -> Int {
        let block = min(rows, Self.blockRows)
        return saturatingSum(saturatingProduct(block, weights.inputs + 63) / 64 * 64, 8 * block)
    }

    func run(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, scratch: Scratch) {
        let k = weights.inputs, n = weights.outputs
        let block = min(rows, Self.blockRows)
        let quantized = scratch.bytes.assumingMemoryBound(to: UInt8.self)
        let tail = (block * (k + 63)) / 64 * 64
        let rowScales = (scratch.bytes + tail).assumingMemoryBound(to: Float.self)
        let zeroPoints = (scratch.bytes + tail + 4 * block).assumingMemoryBound(to: Int32.self)
        weights.scales.withUnsafeBufferPointer { scales in
            let bias = weights.bias
            bias.withUnsafeBufferPointerIfPresent { bias in
                var start = 0
                while start < rows {
                    let m = min(block, rows - start)
                    nnz_quantize_rows_u8(input + start * k, Int32(m), Int32(k), Int32(k), quantized, Int32(k), rowScales, zeroPoints)
                    nnz_gemm_int8_packed(Int32(m), Int32(n), Int32(k), quantized, Int32(k), rowScales, zeroPoints, weights.packed,
                                         scales.baseAddress, bias, activation, output + start * n, Int32(n))
                    start += m
                }
            }
        }
    }
}

extension Optional where Wrapped == [Float] {
    /// `body` with the array's base address, or with `nil` when there is no array.
    func withUnsafeBufferPointerIfPresent<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .some(let array): return array.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: return body(nil)
        }
    }
}
