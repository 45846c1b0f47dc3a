import NNZFormat
import NNZKernels

/// Options that change how a model is compiled for inference.
public struct RuntimeOptions: Sendable, Equatable {
    /// Fold each batch-norm that directly follows a dense or conv2d layer into that layer's
    /// weights and bias at load (one pass fewer over the activations; outputs agree with the
    /// unfolded computation to about 1e-6). Default true.
    public var foldBatchNorm: Bool
    /// Fuse ReLU / sigmoid / tanh into the preceding dense or conv2d layer's output pass. Default true.
    public var fuseActivations: Bool

    public init(foldBatchNorm: Bool = true, fuseActivations: Bool = true) {
        self.foldBatchNorm = foldBatchNorm
        self.fuseActivations = fuseActivations
    }
}

/// Turns a validated ``ModelFile`` into a ``Plan``.
enum Compiler {
    static func compile(_ file: ModelFile, options: RuntimeOptions) throws(FormatError) -> Plan {
        let shapes = try file.layerOutputShapes()
        var steps: [Step] = []
        let inputWidth = file.inputElementCount
        var maxWidth = inputWidth
        if let n = file.normalization {
            let divisor: [Float]
            switch n.kind {
            case .standard: divisor = n.second
            case .minMax: divisor = zip(n.first, n.second).map { $1 - $0 }
            }
            steps.append(.normalize(offset: n.first, divisor: divisor, width: inputWidth))
        }
        var shape = file.inputShape
        var index = 0
        let layers = file.layers
        var arena = 0
        // [C, H, W] of an NHWC segment output that the next dense layer reads through a flatten:
        // that layer's weight rows are permuted from (c, h, w) to (h, w, c) order.
        var nhwcInput: (channels: Int, height: Int, width: Int)?
        while index < layers.count {
            let layer = layers[index]
            if shape.count == 3, layer.startsSpatialSegment {
                var end = index
                var endShape = shape
                _ = spatialLayerCount(layers, shapes: shapes, from: &end, shape: &endShape)
                var nhwc = false
                if end + 1 < layers.count, case .flatten = layers[end], case .dense = layers[end + 1] {
                    nhwc = true
                    nhwcInput = (endShape[0], endShape[1], endShape[2])
                }
                let segment = spatialSegment(file, shapes: shapes, from: &index, shape: &shape, options: options,
                                             arenaOffset: arena, nhwcOutput: nhwc)
                arena += segment.arenaSize
                maxWidth = max(maxWidth, segment.outputWidth)
                steps.append(.spatial(segment))
                continue
            }
            let outShape = shapes[index]
            maxWidth = max(maxWidth, outShape.reduce(1, *))
            switch layer {
            case .dense(let d):
                var (weight, bias, activation, consumed) = linearLayer(
                    file, at: index, hasBias: d.hasBias, outputs: d.outputs, rowsPerOutput: d.inputs,
                    weightIndex: { i, o in i * d.outputs + o }, options: options)
                // Folding scales columns, so permuting rows afterwards gives the same weights.
                if let input = nhwcInput {
                    weight = permuteRowsToNHWC(weight, channels: input.channels, height: input.height, width: input.width,
                                               outputs: d.outputs)
                    nhwcInput = nil
                }
                let packed = allocateAligned(floats: nnz_pack_b_size(Int32(d.inputs), Int32(d.outputs)))
                weight.withUnsafeBufferPointer { nnz_pack_b(Int32(d.inputs), Int32(d.outputs), $0.baseAddress, Int32(d.outputs), packed) }
                steps.append(.dense(packed: packed, bias: bias, inputs: d.inputs, outputs: d.outputs, activation: activation))
                index += consumed
                shape = shapes[index - 1]
                continue
            case .conv2d, .maxPool:
                preconditionFailure("conv2d and max-pool take [C, H, W] inputs and always open a spatial segment")
            case .flatten:
                break // activations are already stored channel-major
            case .relu, .sigmoid, .tanh:
                steps.append(.activation(kernelActivation(layer)!, width: outShape.reduce(1, *)))
            case .softmax:
                steps.append(.softmax(width: outShape[0]))
            case .dropout(let d):
                if d.convention == .scaleAtInference, d.ratio != 0 {
                    let width = outShape.reduce(1, *)
                    steps.append(.scaleShift(scale: [1 - d.ratio], shift: [0], channels: 1, spatial: width))
                }
            case .batchNorm(let bn):
                let (scale, shift) = batchNormScaleShift(bn, layerIndex: index, file: file)
                let spatial = bn.axis == .channels ? shape[1] * shape[2] : 1
                steps.append(.scaleShift(scale: scale, shift: shift, channels: bn.channels, spatial: spatial))
            }
            shape = outShape
            index += 1
        }
        return Plan(steps: steps, maxWidth: maxWidth,
                    inputWidth: inputWidth, outputWidth: shapes.last![0])
    }

    /// Compiles the layers from `index` on that run on `[C, H, W]` activations (conv2d,
    /// max-pool, activations, channel batch-norm, dropout) into one NHWC segment; leaves
    /// `index` at the first layer it did not take and `shape` at the segment's output shape.
    static func spatialSegment(_ file: ModelFile, shapes: [[Int]], from index: inout Int, shape: inout [Int],
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
                var (weight, bias, activation, consumed) = linearLayer(
                    file, at: index, hasBias: c.hasBias, outputs: c.outChannels, rowsPerOutput: perOutput,
                    weightIndex: { i, o in o * perOutput + i }, options: options)
                let g = ConvGeometry(convolution: c, input: shape, output: outShape)
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
                if index + consumed < layers.count, case .maxPool(let p) = layers[index + consumed],
                   p.kernelHeight == 2, p.kernelWidth == 2, p.strideHeight == 2, p.strideWidth == 2,
                   p.padHeight == 0, p.padWidth == 0 {
                    pool = true
                    consumed += 1
                }
                let target = addBuffer(shapes[index + consumed - 1])
                if useWinograd(g) {
                    let packed = allocateAligned(floats: nnz_winograd_pack_size(Int32(g.outChannels), Int32(g.inChannels)))
                    weight.withUnsafeBufferPointer {
                        nnz_winograd_pack(Int32(g.outChannels), Int32(g.inChannels), $0.baseAddress, packed)
                    }
                    ops.append(.winograd(packed: packed, bias: biasPointer, geometry: g, activation: activation, pool: pool,
                                         source: current, target: target))
                } else {
                    let packed = allocateAligned(floats: nnz_conv_pack_size(Int32(g.outChannels), Int32(g.inChannels),
                                                                            Int32(g.kernelHeight), Int32(g.kernelWidth)))
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
                let g = PoolGeometry(channels: shape[0], height: shape[1], width: shape[2],
                                     kernelHeight: p.kernelHeight, kernelWidth: p.kernelWidth,
                                     strideHeight: p.strideHeight, strideWidth: p.strideWidth,
                                     padHeight: p.padHeight, padWidth: p.padWidth,
                                     outHeight: outShape[1], outWidth: outShape[2])
                let target = addBuffer(outShape)
                ops.append(.maxPool(g, source: current, target: target))
                index += 1
                shape = outShape
            case .relu, .sigmoid, .tanh:
                ops.append(.activation(kernelActivation(layers[index])!, buffer: current))
                index += 1
            case .batchNorm(let bn) where bn.axis == .channels:
                let (scale, shift) = batchNormScaleShift(bn, layerIndex: index, file: file)
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
        return SpatialSegment(buffers: buffers, ops: ops, arenaOffset: arenaOffset, nhwcOutput: nhwcOutput)
    }

    /// Winograd F(2×2, 3×3) for 3×3 stride-1 convolutions with enough input channels that its
    /// 16 small GEMMs (K = input channels) run near full speed; measured on cnn_small's
    /// 16→32 layer (14×14): 5.7 µs against 7.9 µs direct + pool. With one input channel the
    /// transforms cost more than they save: direct.
    static func useWinograd(_ g: ConvGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1 && g.inChannels >= 8
    }

    /// How many layers from `index` on ``spatialSegment`` would take (same rule, no work);
    /// moves `index` and `shape` past them.
    static func spatialLayerCount(_ layers: [Layer], shapes: [[Int]], from index: inout Int, shape: inout [Int]) -> Int {
        let start = index
        loop: while index < layers.count, shape.count == 3 {
            switch layers[index] {
            case .conv2d, .maxPool, .relu, .sigmoid, .tanh, .dropout: break
            case .batchNorm(let bn) where bn.axis == .channels: break
            default: break loop
            }
            shape = shapes[index]
            index += 1
        }
        return index - start
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

    /// A dense or conv2d layer's weights and bias with a directly following batch-norm folded
    /// in, and a directly following ReLU / sigmoid / tanh fused, per `options`; `consumed` is
    /// how many layers that covers.
    static func linearLayer(_ file: ModelFile, at index: Int, hasBias: Bool, outputs: Int, rowsPerOutput: Int,
                            weightIndex: (Int, Int) -> Int, options: RuntimeOptions)
        -> (weight: [Float], bias: [Float]?, activation: nnz_activation, consumed: Int) {
        let layers = file.layers
        var weight = file.tensor(named: "layers.\(index).weight")!.values
        var bias = hasBias ? file.tensor(named: "layers.\(index).bias")!.values : nil
        var consumed = 1
        if options.foldBatchNorm, index + 1 < layers.count, case .batchNorm(let bn) = layers[index + 1] {
            fold(bn: bn, layerIndex: index + 1, file: file, weight: &weight, bias: &bias,
                 outputs: outputs, weightIndex: weightIndex, rowsPerOutput: rowsPerOutput)
            consumed += 1
        }
        var activation = NNZ_ACT_NONE
        if options.fuseActivations, index + consumed < layers.count, let act = kernelActivation(layers[index + consumed]) {
            activation = act
            consumed += 1
        }
        return (weight, bias, activation, consumed)
    }

    static func kernelActivation(_ layer: Layer) -> nnz_activation? {
        switch layer {
        case .relu: return NNZ_ACT_RELU
        case .sigmoid: return NNZ_ACT_SIGMOID
        case .tanh: return NNZ_ACT_TANH
        default: return nil
        }
    }

    /// Batch-norm at inference as `y = x·scale + shift` per channel.
    static func batchNormScaleShift(_ bn: BatchNormLayer, layerIndex: Int, file: ModelFile) -> ([Float], [Float]) {
        let t = { (name: String) in file.tensor(named: "layers.\(layerIndex).\(name)")!.values }
        let gamma = t("gamma"), beta = t("beta"), mean = t("running_mean"), variance = t("running_var")
        var scale = [Float](repeating: 0, count: bn.channels), shift = scale
        for c in 0..<bn.channels {
            scale[c] = gamma[c] / (variance[c] + bn.epsilon).squareRoot()
            shift[c] = beta[c] - mean[c] * scale[c]
        }
        return (scale, shift)
    }

    /// Folds batch-norm into the preceding linear layer: `W'[·, o] = W[·, o]·s[o]`,
    /// `b'[o] = (b[o] − mean[o])·s[o] + beta[o]` with `s = gamma / sqrt(var + eps)`.
    static func fold(bn: BatchNormLayer, layerIndex: Int, file: ModelFile, weight: inout [Float], bias: inout [Float]?,
                     outputs: Int, weightIndex: (Int, Int) -> Int, rowsPerOutput: Int) {
        let t = { (name: String) in file.tensor(named: "layers.\(layerIndex).\(name)")!.values }
        let gamma = t("gamma"), beta = t("beta"), mean = t("running_mean"), variance = t("running_var")
        var newBias = bias ?? [Float](repeating: 0, count: outputs)
        for o in 0..<outputs {
            let s = gamma[o] / (variance[o] + bn.epsilon).squareRoot()
            for i in 0..<rowsPerOutput { weight[weightIndex(i, o)] *= s }
            newBias[o] = (newBias[o] - mean[o]) * s + beta[o]
        }
        bias = newBias
    }
}

extension Layer {
    /// Layers that open an NHWC spatial segment (the per-channel ones join a segment but do
    /// not open one).
    var startsSpatialSegment: Bool {
        switch self {
        case .conv2d, .maxPool: return true
        default: return false
        }
    }
}
