import NNZFormat
import NNZKernels

/// Turns a validated ``ModelFile`` into a ``Plan``: one ``PlanStep`` per layer kind (see
/// `Steps/`), with batch-norms folded and activations fused where the options allow. Adding a
/// layer kind means a step file under `Steps/` and one case in ``compile(_:options:)``'s
/// switch (or, for a layer on `[C, H, W]` activations, an op in ``SpatialSegment``).
enum Compiler {
    static func compile(_ validated: ValidatedModel, options: RuntimeOptions) throws(FormatError) -> Plan {
        let file = validated.file
        let shapes = validated.layerOutputShapes
        try checkPackedSizes(file, shapes: shapes)
        var steps: [any PlanStep] = []
        let inputWidth = file.inputElementCount
        if let n = file.normalization { steps.append(NormalizeStep(n, width: inputWidth)) }
        var shape = file.inputShape
        var index = 0
        let layers = file.layers
        var arena = 0, sharedArena = 0
        // [C, H, W] of an NHWC segment output that the next dense layer reads through a flatten:
        // that layer's weight rows are permuted from (c, h, w) to (h, w, c) order.
        var nhwcInput: (channels: Int, height: Int, width: Int)?
        while index < layers.count {
            let layer = layers[index]
            if shape.count == 3, layer.startsSpatialSegment {
                var end = index
                var endShape = shape
                _ = SpatialSegment.layerCount(layers, shapes: shapes, from: &end, shape: &endShape)
                var nhwc = false
                if end + 1 < layers.count, case .flatten = layers[end], case .dense = layers[end + 1] {
                    nhwc = true
                    nhwcInput = (endShape[0], endShape[1], endShape[2])
                }
                let segment = SpatialSegment.compile(file, shapes: shapes, from: &index, shape: &shape, options: options,
                                                     arenaOffset: arena, nhwcOutput: nhwc)
                arena += segment.arenaSize
                sharedArena = max(sharedArena, segment.sharedArenaSize)
                steps.append(segment)
                continue
            }
            let outShape = shapes[index]
            let width = outShape.reduce(1, *)
            switch layer {
            case .dense(let d):
                let (step, consumed) = DenseStep.compile(d, file: file, at: index, nhwcInput: nhwcInput, options: options)
                nhwcInput = nil
                steps.append(step)
                index += consumed
                shape = shapes[index - 1]
                continue
            case .conv2d, .maxPool, .avgPool, .globalAvgPool:
                preconditionFailure("conv2d and the pooling layers take [C, H, W] inputs and always open a spatial segment")
            case .flatten:
                break // activations are already stored channel-major
            case .relu, .sigmoid, .tanh:
                steps.append(ActivationStep(ActivationStep.kernelActivation(layer)!, width: width))
            case .leakyRelu(let alpha):
                steps.append(LeakyReLUStep(alpha: alpha, width: width))
            case .softmax:
                steps.append(SoftmaxStep(width: width))
            case .dropout(let d):
                if let step = ScaleShiftStep(dropout: d, width: width) { steps.append(step) }
            case .batchNorm(let bn):
                steps.append(ScaleShiftStep(batchNorm: bn, at: index, file: file, shape: shape))
            }
            shape = outShape
            index += 1
        }
        return Plan(steps: steps, inputWidth: inputWidth, outputWidth: shapes.last![0], arenaSize: arena, sharedArenaSize: sharedArena,
                    passBudget: options.passBudget)
    }

    /// Floats one layer's weights may take once packed for the kernels: the format's limit for
    /// one tensor (2^30 bytes). Packing pads output columns to 16 or 32, so a valid file with
    /// one output and a 2^28-value weight would otherwise take 32 times that.
    static let maxPackedFloats = Limits.maxTensorBytes / 4

    /// Refuses (``FormatError/Code/limitExceeded``, naming the layer) a model whose weights for
    /// one layer would exceed ``maxPackedFloats`` once packed; checked before anything is packed.
    static func checkPackedSizes(_ file: ModelFile, shapes: [[Int]]) throws(FormatError) {
        for (index, layer) in file.layers.enumerated() {
            let floats: Int
            switch layer {
            case .dense(let d): floats = DenseStep.packedSize(d, int8: file.tensor(named: "layers.\(index).weight")?.dtype == .int8)
            case .conv2d(let c):
                let input = index == 0 ? file.inputShape : shapes[index - 1]
                floats = SpatialSegment.packedSize(ConvGeometry(convolution: c, input: input, output: shapes[index]),
                                                   int8: file.tensor(named: "layers.\(index).weight")?.dtype == .int8)
            default: continue
            }
            guard floats <= maxPackedFloats else {
                throw FormatError(.limitExceeded, "layer \(index) (\(layer.kindName)): its weights take \(floats * 4) bytes once packed for the kernels; the runtime's limit is \(maxPackedFloats * 4)")
            }
        }
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
        if options.fuseActivations, index + consumed < layers.count, let act = ActivationStep.kernelActivation(layers[index + consumed]) {
            activation = act
            consumed += 1
        }
        return (weight, bias, activation, consumed)
    }

    /// The stored int8 weights of dense or conv2d layer `index` (values −127…127 in the file's
    /// order, one scale per output channel), its float32 bias and a directly following ReLU /
    /// sigmoid / tanh fused per `options`; `nil` when the weight is not int8. A following
    /// batch-norm is *not* folded: that would change the int8 weights the file holds, and so
    /// the result (writers fold before quantizing, FORMAT.md §4); it runs as its own step.
    static func int8LinearLayer(_ file: ModelFile, at index: Int, hasBias: Bool, options: RuntimeOptions)
        -> (values: [Int8], scales: [Float], bias: [Float]?, activation: nnz_activation, consumed: Int)? {
        guard case .int8(let scales, let values) = file.tensor(named: "layers.\(index).weight")!.data else { return nil }
        let bias = hasBias ? file.tensor(named: "layers.\(index).bias")!.values : nil
        var activation = NNZ_ACT_NONE, consumed = 1
        if options.fuseActivations, index + 1 < file.layers.count, let act = ActivationStep.kernelActivation(file.layers[index + 1]) {
            activation = act
            consumed += 1
        }
        return (values, scales, bias, activation, consumed)
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
