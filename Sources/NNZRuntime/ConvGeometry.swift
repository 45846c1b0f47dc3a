import NNZFormat

/// Shapes of one convolution, per sample: input `[inChannels, height, width]`, output
/// `[outChannels, outHeight, outWidth]`.
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

    /// Multiply-adds ×2 per sample.
    var flops: Int { saturatingProduct(2, outChannels, outHeight, outWidth, inChannels, kernelHeight, kernelWidth) }
}
