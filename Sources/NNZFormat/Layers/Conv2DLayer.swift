/// Hyper-parameters of a 2-D convolution (kind 2): cross-correlation over NCHW activations with
/// zero padding; weight `[outChannels, inChannels, kernelHeight, kernelWidth]`.
public struct Conv2DLayer: Equatable, Sendable {
    /// Channels of the input image.
    public var inChannels: Int
    /// Channels produced (number of filters).
    public var outChannels: Int
    /// Window height.
    public var kernelHeight: Int
    /// Window width.
    public var kernelWidth: Int
    /// Vertical step between windows.
    public var strideHeight: Int
    /// Horizontal step between windows.
    public var strideWidth: Int
    /// Rows of padding above and below.
    public var padHeight: Int
    /// Columns of padding left and right.
    public var padWidth: Int
    /// Whether a bias is added per output channel.
    public var hasBias: Bool
    public init(inChannels: Int, outChannels: Int, kernelHeight: Int, kernelWidth: Int,
                strideHeight: Int = 1, strideWidth: Int = 1, padHeight: Int = 0, padWidth: Int = 0,
                hasBias: Bool = true) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padHeight = padHeight
        self.padWidth = padWidth
        self.hasBias = hasBias
    }
}

extension Conv2DLayer: SingleCodeLayerFormat {
    static let kindCode: UInt8 = 2
    static let kindName = "conv2d"

    static func decode(kind: UInt8, from d: inout ByteSource, index: Int) throws(FormatError) -> Layer {
        let n = "layer \(index) conv2d"
        let inC = try d.int("\(n) in_channels", in: Limits.dimensions), outC = try d.int("\(n) out_channels", in: Limits.dimensions)
        let w = try WindowFields.decode(n, from: &d)
        return .conv2d(Conv2DLayer(inChannels: inC, outChannels: outC, kernelHeight: w.kernelHeight, kernelWidth: w.kernelWidth,
                                   strideHeight: w.strideHeight, strideWidth: w.strideWidth, padHeight: w.padHeight,
                                   padWidth: w.padWidth, hasBias: try d.flag("\(n) has_bias")))
    }

    func encode(into d: inout ByteSink) {
        for v in [inChannels, outChannels] + window.values { d.u32(v) }
        d.u8(hasBias ? 1 : 0)
    }

    var fieldProblem: String? {
        for v in [inChannels, outChannels] where !Limits.dimensions.contains(v) { return "dimension \(v) outside 1...\(Limits.maxDimension)" }
        return window.problem(kernelLabel: "dimension")
    }

    var window: WindowFields {
        WindowFields(kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideHeight: strideHeight,
                     strideWidth: strideWidth, padHeight: padHeight, padWidth: padWidth)
    }

    var parameters: [(name: String, shape: [Int])] {
        let weight = [outChannels, inChannels, kernelHeight, kernelWidth]
        return hasBias ? [("weight", weight), ("bias", [outChannels])] : [("weight", weight)]
    }

    func outputShape(for input: [Int]) -> Result<[Int], ShapeMismatch> {
        guard input.count == 3 else {
            return .failure(ShapeMismatch("conv2d expects a [channels, height, width] input, got \(input)"))
        }
        guard input[0] == inChannels else {
            return .failure(ShapeMismatch("conv2d expects \(inChannels) input channels, got \(input[0])"))
        }
        guard let h = windowOutput(input[1], kernelHeight, strideHeight, padHeight),
              let w = windowOutput(input[2], kernelWidth, strideWidth, padWidth) else {
            return .failure(ShapeMismatch("conv2d kernel \(kernelHeight)x\(kernelWidth) does not fit input \(input[1])x\(input[2]) with padding \(padHeight),\(padWidth)"))
        }
        return .success([outChannels, h, w])
    }

    /// The runtime materializes the zero-padded input `[C, H + 2·pad_h, W + 2·pad_w]`, so it
    /// counts as an activation (docs/FORMAT.md §3).
    func materializedInputShape(for input: [Int]) -> [Int]? {
        guard input.count == 3, padHeight > 0 || padWidth > 0 else { return nil }
        return [input[0], input[1] + 2 * padHeight, input[2] + 2 * padWidth]
    }

    /// The weight may be int8; each output sums `in_channels · kernel_h · kernel_w` products.
    func int8ReductionLength(ofParameter name: String) -> Int? {
        name == "weight" ? ModelFile.elementCount([inChannels, kernelHeight, kernelWidth]) : nil   // saturating
    }

    var summary: String {
        "\(inChannels)→\(outChannels) \(kernelHeight)x\(kernelWidth) stride \(strideHeight),\(strideWidth) pad \(padHeight),\(padWidth)" + (hasBias ? "" : " no bias")
    }
}
