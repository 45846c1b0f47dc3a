import NNZFormat

/// Shapes of one pooling window layer (max, average or global average), per sample: input
/// `[channels, height, width]`, output `[channels, outHeight, outWidth]`.
struct PoolGeometry: Sendable {
    var channels, height, width, kernelHeight, kernelWidth: Int
    var strideHeight, strideWidth, padHeight, padWidth, outHeight, outWidth: Int

    /// The window `kernelHeight × kernelWidth` at the given stride and padding over an input
    /// `[C, H, W]` that produces `output`.
    init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int, padHeight: Int, padWidth: Int,
         input: [Int], output: [Int]) {
        channels = input[0]; height = input[1]; width = input[2]
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight; self.strideWidth = strideWidth; self.padHeight = padHeight; self.padWidth = padWidth
        outHeight = output[1]; outWidth = output[2]
    }

    /// The geometry of `p` applied to an input `[C, H, W]` that produces `output`.
    init(pooling p: MaxPoolLayer, input: [Int], output: [Int]) {
        self.init(kernelHeight: p.kernelHeight, kernelWidth: p.kernelWidth, strideHeight: p.strideHeight,
                  strideWidth: p.strideWidth, padHeight: p.padHeight, padWidth: p.padWidth, input: input, output: output)
    }

    /// The geometry of `p` applied to an input `[C, H, W]` that produces `output`.
    init(pooling p: AvgPoolLayer, input: [Int], output: [Int]) {
        self.init(kernelHeight: p.kernelHeight, kernelWidth: p.kernelWidth, strideHeight: p.strideHeight,
                  strideWidth: p.strideWidth, padHeight: p.padHeight, padWidth: p.padWidth, input: input, output: output)
    }

    /// Global average pooling of `[C, H, W]`: one `H × W` window, output `[C, 1, 1]`.
    init(globalPoolingOf input: [Int]) {
        self.init(kernelHeight: input[1], kernelWidth: input[2], strideHeight: 1, strideWidth: 1, padHeight: 0, padWidth: 0,
                  input: input, output: [input[0], 1, 1])
    }

    /// Comparisons or additions per sample.
    var flops: Int { saturatingProduct(channels, outHeight, outWidth, kernelHeight, kernelWidth) }
}
