import NNZFormat

extension ModelFile {
    /// The same model with every batch-norm that directly follows a dense or conv2d layer
    /// folded into that layer's weights and bias (a bias is added where the layer had none) and
    /// removed from the layer list; tensors are renamed for the new layer indices. The
    /// arithmetic is the runtime's own fold at load (float32, in this order):
    /// `s = gamma / sqrt(running_var + epsilon)`, `W'[·, o] = W[·, o]·s[o]`,
    /// `b'[o] = (b[o] − running_mean[o])·s[o] + beta[o]`. Writers fold before quantizing weights
    /// (``NNZPrecision``), so the stored int8 weights already include the batch-norm scale.
    /// Tensors are read as float32 (``Tensor/values``); the result stores float32 tensors for
    /// the layers it changed and keeps every other tensor as it was.
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
            func keep(_ param: String, from old: Int) {
                if var t = tensor(named: "layers.\(old).\(param)") {
                    t.name = "layers.\(newIndex).\(param)"
                    result.tensors.append(t)
                }
            }
            let layer = layers[index]
            let next = index + 1 < layers.count ? layers[index + 1] : nil
            if case .batchNorm(let bn)? = next {
                var outputs = 0, rowsPerOutput = 0
                var weightIndex: (Int, Int) -> Int = { _, _ in 0 }
                var folded: Layer?
                switch layer {
                case .dense(var d):
                    outputs = d.outputs; rowsPerOutput = d.inputs
                    weightIndex = { i, o in i * d.outputs + o }
                    d.hasBias = true
                    folded = .dense(d)
                case .conv2d(var c):
                    outputs = c.outChannels; rowsPerOutput = c.inChannels * c.kernelHeight * c.kernelWidth
                    weightIndex = { i, o in o * rowsPerOutput + i }
                    c.hasBias = true
                    folded = .conv2d(c)
                default:
                    break
                }
                if let folded {
                    var weight = tensor(named: "layers.\(index).weight")!
                    var values = weight.values
                    var bias = tensor(named: "layers.\(index).bias")?.values
                    Compiler.fold(bn: bn, layerIndex: index + 1, file: self, weight: &values, bias: &bias,
                                  outputs: outputs, weightIndex: weightIndex, rowsPerOutput: rowsPerOutput)
                    weight.values = values
                    weight.name = "layers.\(newIndex).weight"
                    result.layers.append(folded)
                    result.tensors.append(weight)
                    result.tensors.append(Tensor(name: "layers.\(newIndex).bias", shape: [outputs], values: bias!))
                    index += 2
                    continue
                }
            }
            result.layers.append(layer)
            for param in ["weight", "bias", "gamma", "beta", "running_mean", "running_var"] { keep(param, from: index) }
            index += 1
        }
        return result
    }
}
