import NNZFormat
import NNZKernels

/// One step of the compiled inference plan. Built once at load; immutable afterwards.
enum Step: @unchecked Sendable {
    /// `x' = (x - offset) * inverseScale`, per input value (count 1 broadcasts).
    case normalize(offset: [Float], divisor: [Float], width: Int)
    /// `y = act(x · W + b)` with `W` packed for the GEMM kernel.
    case dense(packed: UnsafeMutablePointer<Float>, bias: [Float]?, inputs: Int, outputs: Int, activation: nnz_activation)
    /// A run of convolution / pooling / per-channel layers, computed image by image in NHWC
    /// with packed weights (see ``SpatialSegment``). Reads and writes NCHW rows.
    case spatial(SpatialSegment)
    /// `y[c, s] = x[c, s] · scale[c] + shift[c]`: unfolded batch-norm or scale-at-inference dropout.
    case scaleShift(scale: [Float], shift: [Float], channels: Int, spatial: Int)
    case activation(nnz_activation, width: Int)
    case softmax(width: Int)
}

struct ConvGeometry: Sendable {
    var inChannels, height, width, outChannels, kernelHeight, kernelWidth: Int
    var strideHeight, strideWidth, padHeight, padWidth, outHeight, outWidth: Int

    /// The geometry of `c` applied to an input `[C, H, W]` that produces `output`.
    init(convolution c: Conv2DLayer, input: [Int], output: [Int]) {
        inChannels = c.inChannels; height = input[1]; width = input[2]; outChannels = c.outChannels
        kernelHeight = c.kernelHeight; kernelWidth = c.kernelWidth
        strideHeight = c.strideHeight; strideWidth = c.strideWidth; padHeight = c.padHeight; padWidth = c.padWidth
        outHeight = output[1]; outWidth = output[2]
    }
}

struct PoolGeometry: Sendable {
    var channels, height, width, kernelHeight, kernelWidth: Int
    var strideHeight, strideWidth, padHeight, padWidth, outHeight, outWidth: Int
}

/// The compiled steps plus the buffer sizes they need, per sample.
final class Plan: @unchecked Sendable {
    let steps: [Step]
    /// Largest activation (values per sample) any step reads or writes.
    let maxWidth: Int
    /// Per-image NHWC buffers of the spatial segments (values, zeroed once per ``Scratch``).
    let spatialArena: Int
    let inputWidth: Int
    let outputWidth: Int

    init(steps: [Step], maxWidth: Int, inputWidth: Int, outputWidth: Int) {
        self.steps = steps
        self.maxWidth = maxWidth
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        spatialArena = steps.reduce(0) { total, step in
            if case .spatial(let segment) = step { return max(total, segment.arenaOffset + segment.arenaSize) }
            return total
        }
    }

    deinit {
        for step in steps {
            if case .dense(let packed, _, _, _, _) = step { deallocateAligned(packed) }
        }
    }

    /// Runs `rows` samples from `input` into `output` using `scratch` (two ping-pong buffers of
    /// `rows * maxWidth` values plus the spatial segments' arena).
    func run(input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>, scratch: Scratch) {
        var source = input
        var width = inputWidth
        var current = 0
        let buffers = [scratch.a, scratch.b]
        for (index, step) in steps.enumerated() {
            // The last step writes straight into the caller's output.
            let target = index == steps.count - 1 ? output : buffers[current]
            switch step {
            case .normalize(let offset, let divisor, let w):
                offset.withUnsafeBufferPointer { o in
                    divisor.withUnsafeBufferPointer { d in
                        let broadcast = o.count == 1
                        for r in 0..<rows {
                            let x = source + r * w, y = target + r * w
                            if broadcast {
                                let a = o[0], b = d[0]
                                for i in 0..<w { y[i] = (x[i] - a) / b }
                            } else {
                                for i in 0..<w { y[i] = (x[i] - o[i]) / d[i] }
                            }
                        }
                    }
                }
                width = w
            case .dense(let packed, let bias, let inputs, let outputs, let act):
                if let bias {
                    bias.withUnsafeBufferPointer {
                        nnz_gemm_packed(Int32(rows), Int32(outputs), Int32(inputs), source, Int32(inputs), packed, $0.baseAddress, act, target, Int32(outputs))
                    }
                } else {
                    nnz_gemm_packed(Int32(rows), Int32(outputs), Int32(inputs), source, Int32(inputs), packed, nil, act, target, Int32(outputs))
                }
                width = outputs
            case .spatial(let segment):
                segment.run(input: source, rows: rows, output: target, arena: scratch.arena + segment.arenaOffset)
                width = segment.outputWidth
            case .scaleShift(let scale, let shift, let channels, let spatial):
                scale.withUnsafeBufferPointer { s in
                    shift.withUnsafeBufferPointer { t in
                        nnz_scale_shift_channels(source, target, Int32(rows), Int32(channels), Int32(spatial), s.baseAddress, t.baseAddress)
                    }
                }
            case .activation(let act, let w):
                let n = rows * w
                switch act {
                case NNZ_ACT_RELU: nnz_relu(source, target, n)
                case NNZ_ACT_SIGMOID: nnz_sigmoid(source, target, n)
                case NNZ_ACT_TANH: nnz_tanh(source, target, n)
                default: if UnsafePointer(target) != source { target.update(from: source, count: n) }
                }
            case .softmax(let w):
                nnz_softmax_rows(source, target, Int32(rows), Int32(w))
            }
            source = UnsafePointer(target)
            current ^= 1
        }
        if steps.isEmpty { output.update(from: input, count: rows * width) }
    }
}

/// Per-call working memory for ``Plan/run(input:rows:output:scratch:)``.
final class Scratch {
    let a: UnsafeMutablePointer<Float>
    let b: UnsafeMutablePointer<Float>
    /// NHWC buffers of the spatial segments; their zero borders are never written.
    let arena: UnsafeMutablePointer<Float>
    let rows: Int

    init(plan: Plan, rows: Int) {
        self.rows = rows
        let size = rows * plan.maxWidth
        a = allocateAligned(floats: size)
        b = allocateAligned(floats: size)
        arena = allocateAligned(floats: plan.spatialArena)
        arena.initialize(repeating: 0, count: max(1, plan.spatialArena))
    }

    deinit {
        deallocateAligned(a)
        deallocateAligned(b)
        deallocateAligned(arena)
    }
}

/// Float storage aligned to 64 bytes, so that 512-bit loads never straddle two cache lines.
func allocateAligned(floats count: Int) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
        .bindMemory(to: Float.self, capacity: max(1, count))
}

func deallocateAligned(_ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).deallocate()
}

/// Convolution, max-pool, activation and per-channel scale layers that follow one another on
/// `[C, H, W]` activations, run image by image in NHWC layout so that every intermediate
/// image stays in L1/L2: the input row is copied into an NHWC buffer, each layer writes the
/// interior of its own buffer (whose zero border is the padding the next convolution reads:
/// no im2col, no padding copies), and the last buffer is written back as an NCHW row.
/// Weights are packed once here (``nnz_conv_pack``); bias and activation are fused into the
/// convolution. Results do not depend on the batch size or on how a batch is split.
final class SpatialSegment: @unchecked Sendable {
    /// One NHWC image of the per-image arena, with a zero border of `borderHeight` rows and
    /// `borderWidth` columns around its `height × width` interior.
    struct Buffer {
        var channels, height, width: Int
        var borderHeight = 0, borderWidth = 0
        var offset = 0
        var rowStride: Int { (width + 2 * borderWidth) * channels }
        var size: Int { (height + 2 * borderHeight) * rowStride }
        /// Arena offset of interior element (0, 0, 0).
        var interior: Int { offset + borderHeight * rowStride + borderWidth * channels }
    }

    enum Op {
        /// Direct convolution (``nnz_conv2d_nhwc``), optionally with a fused 2×2 stride-2
        /// max-pool (``nnz_conv2d_nhwc_pool2``; then `target` has the pooled shape).
        case conv(packed: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?, geometry: ConvGeometry,
                  activation: nnz_activation, pool: Bool, source: Int, target: Int)
        /// 3×3 stride-1 convolution by Winograd F(2×2, 3×3) (``nnz_conv3x3_winograd_nhwc``),
        /// optionally with a fused 2×2 stride-2 max-pool (then `target` has the pooled shape).
        case winograd(packed: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?, geometry: ConvGeometry,
                      activation: nnz_activation, pool: Bool, source: Int, target: Int)
        case maxPool(PoolGeometry, source: Int, target: Int)
        /// In place on the interior of `buffer`.
        case activation(nnz_activation, buffer: Int)
        /// In place: `x[h, w, c] = x[h, w, c]·scale[c] + shift[c]`.
        case scaleShift(scale: [Float], shift: [Float], buffer: Int)
    }

    let buffers: [Buffer]
    let ops: [Op]
    /// Whether output rows are NHWC (`[H, W, C]`, for a following flatten + dense whose weight
    /// rows the compiler permuted) instead of NCHW. NHWC output rows are written by the last
    /// layer directly (no copy, no transposition).
    let nhwcOutput: Bool
    /// Values per image in and out (NCHW rows).
    let inputWidth: Int
    let outputWidth: Int
    /// Where this segment's buffers start in ``Scratch/arena``, and how many values they take.
    let arenaOffset: Int
    let arenaSize: Int
    /// Multiply-adds ×2 per image, for the thread-split heuristics.
    let flopsPerImage: Int

    /// Arena offset of the Winograd workspace.
    let workOffset: Int

    init(buffers: [Buffer], ops: [Op], arenaOffset: Int, nhwcOutput: Bool) {
        self.nhwcOutput = nhwcOutput
        var laidOut = buffers
        var offset = arenaOffset
        for index in laidOut.indices {
            laidOut[index].offset = offset
            offset += (laidOut[index].size + 15) / 16 * 16 // 64-byte aligned buffers
        }
        workOffset = offset
        offset += ops.reduce(0) { work, op in
            if case .winograd(_, _, let g, _, _, _, _) = op {
                return max(work, nnz_winograd_work_size(Int32(g.inChannels), Int32(g.outChannels)))
            }
            return work
        }
        self.buffers = laidOut
        self.ops = ops
        self.arenaOffset = arenaOffset
        arenaSize = offset - arenaOffset
        let first = laidOut[0], last = laidOut[laidOut.count - 1]
        inputWidth = first.channels * first.height * first.width
        let outputWidth = last.channels * last.height * last.width
        self.outputWidth = outputWidth
        flopsPerImage = ops.reduce(0) { total, op in
            switch op {
            case .conv(_, _, let g, _, _, _, _), .winograd(_, _, let g, _, _, _, _):
                return total + 2 * g.outChannels * g.outHeight * g.outWidth * g.inChannels * g.kernelHeight * g.kernelWidth
            case .maxPool(let g, _, _): return total + g.channels * g.outHeight * g.outWidth * g.kernelHeight * g.kernelWidth
            default: return total + outputWidth
            }
        }
    }

    deinit {
        for op in ops {
            switch op {
            case .conv(let packed, let bias, _, _, _, _, _), .winograd(let packed, let bias, _, _, _, _, _):
                deallocateAligned(packed)
                if let bias { deallocateAligned(bias) }
            default: break
            }
        }
    }

    /// `arena` points at this segment's part of the scratch arena (``arenaOffset`` applied).
    func run(input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>, arena: UnsafeMutablePointer<Float>) {
        let first = buffers[0], lastIndex = buffers.count - 1, last = buffers[lastIndex]
        let base = arena - arenaOffset
        // The last buffer has no border (no convolution of this segment reads it): with NHWC
        // output it is the output row itself.
        let direct = nhwcOutput && last.borderHeight == 0 && last.borderWidth == 0
        for r in 0..<rows {
            let outRow = output + r * outputWidth
            @inline(__always) func interior(_ index: Int) -> UnsafeMutablePointer<Float> {
                direct && index == lastIndex ? outRow : base + buffers[index].interior
            }
            nnz_nchw_to_nhwc(Int32(first.channels), Int32(first.height), Int32(first.width), input + r * inputWidth,
                             base + first.interior, first.rowStride)
            for op in ops {
                switch op {
                case .conv(let packed, let bias, let g, let act, let pool, let source, let target):
                    let s = buffers[source], t = buffers[target]
                    // tap (0, 0) of output (0, 0) reads input element (-padHeight, -padWidth)
                    let origin = base + s.interior - g.padHeight * s.rowStride - g.padWidth * s.channels
                    (pool ? nnz_conv2d_nhwc_pool2 : nnz_conv2d_nhwc)(Int32(g.outHeight), Int32(g.outWidth), Int32(g.inChannels),
                                    Int32(g.kernelHeight), Int32(g.kernelWidth), Int32(g.strideHeight), Int32(g.strideWidth),
                                    origin, s.rowStride, packed, bias, Int32(g.outChannels), act,
                                    interior(target), t.rowStride)
                case .winograd(let packed, let bias, let g, let act, let pool, let source, let target):
                    let s = buffers[source], t = buffers[target]
                    let origin = base + s.interior - g.padHeight * s.rowStride - g.padWidth * s.channels
                    nnz_conv3x3_winograd_nhwc(Int32(g.outHeight), Int32(g.outWidth), Int32(g.inChannels), origin, s.rowStride,
                                              packed, bias, Int32(g.outChannels), act, pool ? 2 : 0,
                                              interior(target), t.rowStride, base + workOffset)
                case .maxPool(let g, let source, let target):
                    let s = buffers[source], t = buffers[target]
                    nnz_maxpool_nhwc(Int32(g.channels), Int32(g.height), Int32(g.width), base + s.interior, s.rowStride,
                                     Int32(g.kernelHeight), Int32(g.kernelWidth), Int32(g.strideHeight), Int32(g.strideWidth),
                                     Int32(g.padHeight), Int32(g.padWidth), Int32(g.outHeight), Int32(g.outWidth),
                                     interior(target), t.rowStride)
                case .activation(let act, let index):
                    let b = buffers[index]
                    let n = b.width * b.channels
                    for h in 0..<b.height {
                        let row = interior(index) + h * b.rowStride
                        switch act {
                        case NNZ_ACT_RELU: nnz_relu(row, row, n)
                        case NNZ_ACT_SIGMOID: nnz_sigmoid(row, row, n)
                        case NNZ_ACT_TANH: nnz_tanh(row, row, n)
                        default: break
                        }
                    }
                case .scaleShift(let scale, let shift, let index):
                    let b = buffers[index]
                    scale.withUnsafeBufferPointer { sc in
                        shift.withUnsafeBufferPointer { sh in
                            for h in 0..<b.height {
                                var x = interior(index) + h * b.rowStride
                                for _ in 0..<b.width {
                                    for c in 0..<b.channels { x[c] = x[c] * sc[c] + sh[c] }
                                    x += b.channels
                                }
                            }
                        }
                    }
                }
            }
            if !nhwcOutput {
                nnz_nhwc_to_nchw(Int32(last.channels), Int32(last.height), Int32(last.width), base + last.interior, last.rowStride, outRow)
            } else if !direct {
                for h in 0..<last.height {
                    (outRow + h * last.width * last.channels).update(from: base + last.interior + h * last.rowStride,
                                                                     count: last.width * last.channels)
                }
            }
        }
    }
}
