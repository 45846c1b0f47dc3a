import NNZFormat
import NNZKernels

/// Convolution, pooling, activation and per-channel scale layers that follow one another on
/// `[C, H, W]` activations, run image by image in NHWC layout so that every intermediate
/// image stays in L1/L2: the input row is copied into an NHWC buffer, each layer writes the
/// interior of its own buffer (whose zero border is the padding the next convolution reads:
/// no im2col, no padding copies), and the last buffer is written back as an NCHW row.
/// Buffers normally have memory of their own in ``Scratch/arena``, whose zero borders are
/// written once. When that would take more than ``dedicatedArenaLimit`` for the whole plan,
/// the segment instead alternates its buffers between two regions of ``Scratch/sharedArena``
/// (each layer reads only the buffer the layer before it wrote) and rewrites a buffer's zero
/// border before each convolution reads it: memory per image is then two buffers, whatever
/// the number of layers.
/// Weights are packed once here (``nnz_conv_pack``); bias and activation are fused into the
/// convolution. Results do not depend on the batch size or on how a batch is split.
final class SpatialSegment: PlanStep, @unchecked Sendable {
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

        /// Writes zeros over the border (the padding a convolution reads around the interior).
        func clearBorder(in arena: UnsafeMutablePointer<Float>) {
            guard borderHeight > 0 || borderWidth > 0 else { return }
            let start = arena + offset
            start.update(repeating: 0, count: borderHeight * rowStride)
            (start + (borderHeight + height) * rowStride).update(repeating: 0, count: borderHeight * rowStride)
            let side = borderWidth * channels
            guard side > 0 else { return }
            for h in 0..<height {
                let row = start + (borderHeight + h) * rowStride
                row.update(repeating: 0, count: side)
                (row + rowStride - side).update(repeating: 0, count: side)
            }
        }
    }

    /// Values of ``Scratch/arena`` (buffers with their own memory, borders zeroed once per
    /// scratch) that the segments of one plan may take together: 2^24 floats, 64 MiB. Every
    /// model of the fixtures and benchmarks needs far less (cnn_small: 1.4 k floats).
    static let dedicatedArenaLimit = 1 << 24

    enum Op {
        /// Direct convolution (``nnz_conv2d_nhwc``), optionally with a fused 2×2 stride-2
        /// max-pool (``nnz_conv2d_nhwc_pool2``; then `target` has the pooled shape).
        case conv(packed: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?, geometry: ConvGeometry,
                  activation: nnz_activation, pool: Bool, source: Int, target: Int)
        /// 3×3 stride-1 convolution by Winograd F(2×2, 3×3) (``nnz_conv3x3_winograd_nhwc``),
        /// optionally with a fused 2×2 stride-2 max-pool (then `target` has the pooled shape).
        case winograd(packed: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?, geometry: ConvGeometry,
                      activation: nnz_activation, pool: Bool, source: Int, target: Int)
        /// Direct convolution with int8 weights (FORMAT.md §4 "int8 layers at inference"): the
        /// source image is quantized into ``Scratch/bytes`` with a border of its zero point
        /// (``nnz_quantize_nhwc_u8``), then ``nnz_conv2d_int8_nhwc`` (or `_pool2`, fused 2×2
        /// max-pool) with the dequantize, bias and activation epilogue.
        case int8Conv(weights: Kernels.Int8ConvWeights, geometry: ConvGeometry, activation: nnz_activation, pool: Bool,
                      source: Int, target: Int)
        case maxPool(PoolGeometry, source: Int, target: Int)
        /// Average pooling (``nnz_avgpool_nhwc``), global average pooling too (one window).
        case avgPool(PoolGeometry, includePad: Bool, source: Int, target: Int)
        /// In place on the interior of `buffer`.
        case activation(nnz_activation, buffer: Int)
        /// Leaky ReLU (``nnz_leaky_relu``), in place on the interior of `buffer`.
        case leakyRelu(alpha: Float, buffer: Int)
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
    /// Whether the buffers alternate between two regions of ``Scratch/sharedArena`` (borders
    /// rewritten before each read) instead of having memory of their own in ``Scratch/arena``.
    let sharesArena: Bool
    /// Values this segment takes in ``Scratch/arena`` (from the offset it was given; 0 when it
    /// shares) and in ``Scratch/sharedArena`` (0 when it does not).
    let arenaSize: Int
    let sharedArenaSize: Int
    /// Multiply-adds ×2 per image, for the thread-split heuristics.
    let flopsPerRow: Int

    /// Arena offset of the Winograd workspace.
    let workOffset: Int

    /// Lays out `buffers` in ``Scratch/arena`` from `arenaOffset` if the plan's arena then
    /// stays within ``dedicatedArenaLimit``, else in two regions of ``Scratch/sharedArena``.
    init(buffers: [Buffer], ops: [Op], arenaOffset: Int, nhwcOutput: Bool, arenaLimit: Int = dedicatedArenaLimit) {
        self.nhwcOutput = nhwcOutput
        let work = ops.reduce(0) { work, op in
            if case .winograd(_, _, let g, _, _, _, _) = op {
                return max(work, nnz_winograd_work_size(Int32(g.inChannels), Int32(g.outChannels)))
            }
            return work
        }
        let aligned = { (floats: Int) in (floats + 15) / 16 * 16 } // 64-byte aligned buffers
        let dedicated = buffers.reduce(work) { saturatingSum($0, aligned($1.size)) }
        var laidOut = buffers
        if saturatingSum(arenaOffset, dedicated) <= arenaLimit {
            var offset = arenaOffset
            for index in laidOut.indices {
                laidOut[index].offset = offset
                offset += aligned(laidOut[index].size)
            }
            workOffset = offset
            sharesArena = false
            arenaSize = dedicated
            sharedArenaSize = 0
        } else {
            // Buffer i is read only by the op that writes buffer i + 1 (the others work in
            // place): even buffers in the first region, odd ones in the second.
            let first = stride(from: 0, to: laidOut.count, by: 2).map { aligned(laidOut[$0].size) }.max() ?? 0
            let second = stride(from: 1, to: laidOut.count, by: 2).map { aligned(laidOut[$0].size) }.max() ?? 0
            for index in laidOut.indices { laidOut[index].offset = index % 2 == 0 ? 0 : first }
            workOffset = first + second
            sharesArena = true
            arenaSize = 0
            sharedArenaSize = first + second + work
        }
        self.buffers = laidOut
        self.ops = ops
        let first = laidOut[0], last = laidOut[laidOut.count - 1]
        inputWidth = first.channels * first.height * first.width
        let outputWidth = last.channels * last.height * last.width
        self.outputWidth = outputWidth
        flopsPerRow = ops.reduce(0) { total, op in
            switch op {
            case .conv(_, _, let g, _, _, _, _), .winograd(_, _, let g, _, _, _, _): return saturatingSum(total, g.flops)
            case .int8Conv(_, let g, _, _, _, _): return saturatingSum(total, g.flops / 2)
            case .maxPool(let g, _, _), .avgPool(let g, _, _, _): return saturatingSum(total, g.flops)
            default: return saturatingSum(total, outputWidth)
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

    /// Bytes of one image's quantized, padded input for the largest int8 convolution (plus the
    /// 3 bytes a kernel row's last 4-byte group may read past it), whatever the batch size.
    func byteScratch(rows: Int) -> Int {
        ops.reduce(0) { size, op in
            guard case .int8Conv(_, let g, _, _, _, _) = op else { return size }
            return max(size, Self.int8InputBytes(g) + 64)
        }
    }

    /// Bytes of a convolution's u8 input with its padding border.
    static func int8InputBytes(_ g: ConvGeometry) -> Int {
        saturatingProduct(g.height + 2 * g.padHeight, g.width + 2 * g.padWidth, g.inChannels)
    }

    func run(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, scratch: Scratch) {
        let first = buffers[0], lastIndex = buffers.count - 1, last = buffers[lastIndex]
        let base = sharesArena ? scratch.sharedArena : scratch.arena
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
                    if sharesArena { s.clearBorder(in: base) }
                    // tap (0, 0) of output (0, 0) reads input element (-padHeight, -padWidth)
                    let origin = base + s.interior - g.padHeight * s.rowStride - g.padWidth * s.channels
                    (pool ? nnz_conv2d_nhwc_pool2 : nnz_conv2d_nhwc)(Int32(g.outHeight), Int32(g.outWidth), Int32(g.inChannels),
                                    Int32(g.kernelHeight), Int32(g.kernelWidth), Int32(g.strideHeight), Int32(g.strideWidth),
                                    origin, s.rowStride, packed, bias, Int32(g.outChannels), act,
                                    interior(target), t.rowStride)
                case .winograd(let packed, let bias, let g, let act, let pool, let source, let target):
                    let s = buffers[source], t = buffers[target]
                    if sharesArena { s.clearBorder(in: base) }
                    let origin = base + s.interior - g.padHeight * s.rowStride - g.padWidth * s.channels
                    nnz_conv3x3_winograd_nhwc(Int32(g.outHeight), Int32(g.outWidth), Int32(g.inChannels), origin, s.rowStride,
                                              packed, bias, Int32(g.outChannels), act, pool ? 2 : 0,
                                              interior(target), t.rowStride, base + workOffset)
                case .int8Conv(let w, let g, let act, let pool, let source, let target):
                    let s = buffers[source], t = buffers[target]
                    let bytes = scratch.bytes.assumingMemoryBound(to: UInt8.self)
                    let byteRowStride = (g.width + 2 * g.padWidth) * g.inChannels
                    var r: Float = 0
                    var zp: Int32 = 0
                    nnz_quantize_nhwc_u8(Int32(g.inChannels), Int32(g.height), Int32(g.width), base + s.interior, s.rowStride,
                                         Int32(g.padHeight), Int32(g.padWidth),
                                         bytes + g.padHeight * byteRowStride + g.padWidth * g.inChannels, byteRowStride, &r, &zp)
                    w.scales.withUnsafeBufferPointer { scales in
                        w.bias.withUnsafeBufferPointerIfPresent { bias in
                            (pool ? nnz_conv2d_int8_nhwc_pool2 : nnz_conv2d_int8_nhwc)(
                                Int32(g.outHeight), Int32(g.outWidth), Int32(g.inChannels), Int32(g.kernelHeight), Int32(g.kernelWidth),
                                Int32(g.strideHeight), Int32(g.strideWidth), bytes, byteRowStride, r, zp, w.packed, scales.baseAddress,
                                bias, Int32(g.outChannels), act, interior(target), t.rowStride)
                        }
                    }
                case .maxPool(let g, let source, let target):
                    let s = buffers[source], t = buffers[target]
                    nnz_maxpool_nhwc(Int32(g.channels), Int32(g.height), Int32(g.width), base + s.interior, s.rowStride,
                                     Int32(g.kernelHeight), Int32(g.kernelWidth), Int32(g.strideHeight), Int32(g.strideWidth),
                                     Int32(g.padHeight), Int32(g.padWidth), Int32(g.outHeight), Int32(g.outWidth),
                                     interior(target), t.rowStride)
                case .avgPool(let g, let includePad, let source, let target):
                    let s = buffers[source], t = buffers[target]
                    nnz_avgpool_nhwc(Int32(g.channels), Int32(g.height), Int32(g.width), base + s.interior, s.rowStride,
                                     Int32(g.kernelHeight), Int32(g.kernelWidth), Int32(g.strideHeight), Int32(g.strideWidth),
                                     Int32(g.padHeight), Int32(g.padWidth), Int32(g.outHeight), Int32(g.outWidth), includePad ? 1 : 0,
                                     interior(target), t.rowStride)
                case .activation(let act, let index):
                    let b = buffers[index]
                    for h in 0..<b.height {
                        let row = interior(index) + h * b.rowStride
                        ActivationStep.apply(act, row, row, count: b.width * b.channels)
                    }
                case .leakyRelu(let alpha, let index):
                    let b = buffers[index]
                    for h in 0..<b.height {
                        let row = interior(index) + h * b.rowStride
                        nnz_leaky_relu(row, row, b.width * b.channels, alpha)
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

extension SpatialSegment {
    /// Compiles the layers from `index` on that run on `[C, H, W]` activations (conv2d,
    /// max-, average and global average pooling, activations, leaky ReLU, channel batch-norm,
    /// dropout) into one NHWC segment; leaves
    /// `index` at the first layer it did not take and `shape` at the segment's output shape.
    static func compile(_ file: ModelFile, shapes: [[Int]], from index: inout Int, shape: inout [Int],
                        options: RuntimeOptions, arenaOffset: Int, nhwcOutput: Bool) -> SpatialSegment {
        typealias Buffer = SpatialSegment.Buffer
        let layers = file.layers
        var buffers = [Buffer(channels: shape[0], height: shape[1], width: shape[2])]
        var ops: [SpatialSegment.Op] = []
        func addBuffer(_ shape: [Int]) -> Int {
            buffers.append(Buffer(channels: shape[0], height: shape[1], width: shape[2]))
            return buffers.count - 1
        }
        loop: while index < layers.count, shape.count == 3 {
            let current = buffers.count - 1
            let outShape = shapes[index]
            switch layers[index] {
            case .conv2d(let c):
                let perOutput = c.inChannels * c.kernelHeight * c.kernelWidth
                let g = ConvGeometry(convolution: c, input: shape, output: outShape)
                if let int8 = Compiler.int8LinearLayer(file, at: index, hasBias: c.hasBias, options: options) {
                    var consumed = int8.consumed
                    var pool = false
                    if index + consumed < layers.count, case .maxPool(let p) = layers[index + consumed], p.isFusable2x2 {
                        pool = true
                        consumed += 1
                    }
                    let target = addBuffer(shapes[index + consumed - 1])
                    let weights = Kernels.Int8ConvWeights(outChannels: c.outChannels, inChannels: c.inChannels,
                                                          kernelHeight: c.kernelHeight, kernelWidth: c.kernelWidth,
                                                          values: int8.values, scales: int8.scales, bias: int8.bias)
                    ops.append(.int8Conv(weights: weights, geometry: g, activation: int8.activation, pool: pool,
                                         source: current, target: target))
                    index += consumed
                    shape = shapes[index - 1]
                    continue loop
                }
                let winograd = useWinograd(g)
                var (weight, bias, activation, consumed) = Compiler.linearLayer(
                    file, at: index, hasBias: c.hasBias, outputs: c.outChannels, rowsPerOutput: perOutput,
                    weightIndex: { i, o in o * perOutput + i }, options: options)
                var biasPointer: UnsafeMutablePointer<Float>?
                if let bias {
                    let p = allocateAligned(floats: bias.count)
                    p.initialize(from: bias, count: bias.count)
                    biasPointer = p
                }
                // the source buffer's zero border is this convolution's padding
                buffers[current].borderHeight = max(buffers[current].borderHeight, c.padHeight)
                buffers[current].borderWidth = max(buffers[current].borderWidth, c.padWidth)
                // a following 2×2 stride-2 unpadded max-pool is fused into the convolution
                var pool = false
                if index + consumed < layers.count, case .maxPool(let p) = layers[index + consumed], p.isFusable2x2 {
                    pool = true
                    consumed += 1
                }
                let target = addBuffer(shapes[index + consumed - 1])
                if winograd {
                    let packed = allocateAligned(floats: packedSize(g))
                    weight.withUnsafeBufferPointer {
                        nnz_winograd_pack(Int32(g.outChannels), Int32(g.inChannels), $0.baseAddress, packed)
                    }
                    ops.append(.winograd(packed: packed, bias: biasPointer, geometry: g, activation: activation, pool: pool,
                                         source: current, target: target))
                } else {
                    let packed = allocateAligned(floats: packedSize(g))
                    weight.withUnsafeBufferPointer {
                        nnz_conv_pack(Int32(g.outChannels), Int32(g.inChannels), Int32(g.kernelHeight), Int32(g.kernelWidth),
                                      $0.baseAddress, packed)
                    }
                    ops.append(.conv(packed: packed, bias: biasPointer, geometry: g, activation: activation, pool: pool,
                                     source: current, target: target))
                }
                index += consumed
                shape = shapes[index - 1]
            case .maxPool(let p):
                let g = PoolGeometry(pooling: p, input: shape, output: outShape)
                let target = addBuffer(outShape)
                ops.append(.maxPool(g, source: current, target: target))
                index += 1
                shape = outShape
            case .avgPool(let p):
                let g = PoolGeometry(pooling: p, input: shape, output: outShape)
                let target = addBuffer(outShape)
                ops.append(.avgPool(g, includePad: p.countIncludePad, source: current, target: target))
                index += 1
                shape = outShape
            case .globalAvgPool:
                let target = addBuffer(outShape)
                ops.append(.avgPool(PoolGeometry(globalPoolingOf: shape), includePad: false, source: current, target: target))
                index += 1
                shape = outShape
            case .relu, .sigmoid, .tanh:
                ops.append(.activation(ActivationStep.kernelActivation(layers[index])!, buffer: current))
                index += 1
            case .leakyRelu(let alpha):
                ops.append(.leakyRelu(alpha: alpha, buffer: current))
                index += 1
            case .batchNorm(let bn) where bn.axis == .channels:
                let (scale, shift) = Compiler.batchNormScaleShift(bn, layerIndex: index, file: file)
                ops.append(.scaleShift(scale: scale, shift: shift, buffer: current))
                index += 1
            case .dropout(let d):
                if d.convention == .scaleAtInference, d.ratio != 0 {
                    ops.append(.scaleShift(scale: Array(repeating: 1 - d.ratio, count: shape[0]),
                                           shift: Array(repeating: 0, count: shape[0]), buffer: current))
                }
                index += 1
            default:
                break loop
            }
        }
        return SpatialSegment(buffers: buffers, ops: ops, arenaOffset: arenaOffset, nhwcOutput: nhwcOutput,
                              arenaLimit: options.dedicatedArenaLimit)
    }

    /// Floats of a convolution's weights packed for its kernel (output channels padded to 16,
    /// Winograd also input channels, times 16 transformed taps); for int8 weights, the bytes
    /// of ``nnz_int8_conv_pack`` counted in floats.
    static func packedSize(_ g: ConvGeometry, int8: Bool = false) -> Int {
        if int8 {
            return (nnz_int8_conv_pack_size(Int32(g.outChannels), Int32(g.inChannels), Int32(g.kernelHeight),
                                            Int32(g.kernelWidth)) + 3) / 4
        }
        return useWinograd(g)
            ? nnz_winograd_pack_size(Int32(g.outChannels), Int32(g.inChannels))
            : nnz_conv_pack_size(Int32(g.outChannels), Int32(g.inChannels), Int32(g.kernelHeight), Int32(g.kernelWidth))
    }

    /// Winograd F(2×2, 3×3) for 3×3 stride-1 convolutions with enough input channels that its
    /// 16 small GEMMs (K = input channels) run near full speed; measured on cnn_small's
    /// 16→32 layer (14×14): 5.7 µs against 7.9 µs direct + pool. With one input channel the
    /// transforms cost more than they save: direct.
    static func useWinograd(_ g: ConvGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1 && g.inChannels >= 8
    }

    /// How many layers from `index` on ``compile(_:shapes:from:shape:options:arenaOffset:nhwcOutput:)`` would take (same rule, no work);
    /// moves `index` and `shape` past them.
    static func layerCount(_ layers: [Layer], shapes: [[Int]], from index: inout Int, shape: inout [Int]) -> Int {
        let start = index
        loop: while index < layers.count, shape.count == 3 {
            switch layers[index] {
            case .conv2d, .maxPool, .avgPool, .globalAvgPool, .relu, .sigmoid, .tanh, .leakyRelu, .dropout: break
            case .batchNorm(let bn) where bn.axis == .channels: break
            default: break loop
            }
            shape = shapes[index]
            index += 1
        }
        return index - start
    }
}

extension MaxPoolLayer {
    /// A 2×2, stride-2, unpadded max-pool: the one the convolution kernels fuse.
    var isFusable2x2: Bool {
        kernelHeight == 2 && kernelWidth == 2 && strideHeight == 2 && strideWidth == 2 && padHeight == 0 && padWidth == 0
    }
}

extension Layer {
    /// Layers that open an NHWC spatial segment (the per-channel ones join a segment but do
    /// not open one).
    var startsSpatialSegment: Bool {
        switch self {
        case .conv2d, .maxPool, .avgPool, .globalAvgPool: return true
        default: return false
        }
    }
}
