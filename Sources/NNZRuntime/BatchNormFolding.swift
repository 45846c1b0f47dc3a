import NNZFormat

extension ModelFile {
    /// The same model with every batch-norm that directly follows a dense or conv2d layer
    /// folded into that layer's weight and bias (a bias is added where the layer had none) and
    /// removed from the layer list; later layers are renumbered and their tensors renamed. The
    /// arithmetic is the runtime's own fold at load (``Compiler``), per output channel `o`, one
    /// float32 operation at a time:
    /// `s = gamma[o] / sqrt(running_var[o] + epsilon)`, `W'[·, o] = W[·, o]·s`,
    /// `b'[o] = (b[o] − running_mean[o])·s + beta[o]` — the same bits as `fold_batchnorm` in
    /// `Tools/nnz.py`. Writers fold before they quantize to int8 (FORMAT.md §4), so the stored
    /// int8 weights include the batch-norm scale.
    ///
    /// The layers it changes get float32 tensors (read through ``Tensor/values``); every other
    /// tensor, the normalization, metadata, self-test and ancillary chunks are kept as they are.
    ///
    /// ```swift
    /// let folded = file.foldingBatchNorm()   // conv2d, batchnorm, relu → conv2d (with bias), relu
    /// ```
    public func foldingBatchNorm() -> ModelFile {
        var result = self
        result.layers = []
        result.tensors = []
        var index = 0
        while index < layers.count {
            let newIndex = result.layers.count
            let layer = layers[index]
            if index + 1 < layers.count, case .batchNorm(let bn) = layers[index + 1],
               let (folded, outputs, rowsPerOutput, weightIndex) = Self.foldTarget(layer) {
                var weight = tensor(named: "layers.\(index).weight")!.values
                var bias = folded.hasBiasBefore ? tensor(named: "layers.\(index).bias")!.values : nil
                Compiler.fold(bn: bn, layerIndex: index + 1, file: self, weight: &weight, bias: &bias,
                              outputs: outputs, weightIndex: weightIndex, rowsPerOutput: rowsPerOutput)
                let shape = tensor(named: "layers.\(index).weight")!.shape
                result.layers.append(folded.layer)
                result.tensors.append(Tensor(name: "layers.\(newIndex).weight", shape: shape, values: weight))
                result.tensors.append(Tensor(name: "layers.\(newIndex).bias", shape: [outputs], values: bias!))
                index += 2
                continue
            }
            result.layers.append(layer)
            for parameter in layer.parameterNames {
                if var t = tensor(named: "layers.\(index).\(parameter)") {
                    t.name = "layers.\(newIndex).\(parameter)"
                    result.tensors.append(t)
                }
            }
            index += 1
        }
        return result
    }

    /// A dense or conv2d layer with `hasBias` set, whether it had a bias, its output count,
    /// the weight values per output and the index of weight `(i, o)`; nil for other kinds.
    private static func foldTarget(_ layer: Layer)
        -> ((layer: Layer, hasBiasBefore: Bool), Int, Int, (Int, Int) -> Int)? {
        switch layer {
        case .dense(var d):
            let had = d.hasBias, outputs = d.outputs
            d.hasBias = true
            return ((.dense(d), had), d.outputs, d.inputs, { i, o in i * outputs + o })
        case .conv2d(var c):
            let had = c.hasBias
            let perOutput = c.inChannels * c.kernelHeight * c.kernelWidth
            c.hasBias = true
            return ((.conv2d(c), had), c.outChannels, perOutput, { i, o in o * perOutput + i })
        default:
            return nil
        }
    }
}
