import NNZFormat

/// Shapes of one max-pool, per sample: input `[channels, height, width]`, output
/// `[channels, outHeight, outWidth]`.
struct PoolGeometry: Sendable {
    var channels, height, width, kernelHeight, kernelWidth: Int
    var strideHeight, strideWidth, padHeight, padWidth, outHeight, outWidth: Int

    /// The geometry of `p` applied to an input `[C, H, W]` that produces `output`.
    init(pooling p: MaxPoolLayer, input: [Int], output: [Int]) {
        channels = input[0]; height = input[1]; width = input[2]
        kernelHeight = p.kernelHeight; kernelWidth = p.kernelWidth
        strideHeight = p.strideHeight; strideWidth = p.strideWidth; padHeight = p.padHeight; padWidth = p.padWidth
        outHeight = output[1]; outWidth = output[2]
    }

    /// Comparisons per sample.
    var flops: Int { saturatingProduct(channels, outHeight, outWidth, kernelHeight, kernelWidth) }
}
