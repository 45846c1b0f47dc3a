/// Hyper-parameters of 2-D max pooling (kind 3); padded positions never win, and the padding
/// is never materialized.
public struct MaxPoolLayer: Equatable, Sendable {
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
    public init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
                padHeight: Int = 0, padWidth: Int = 0) {
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padHeight = padHeight
        self.padWidth = padWidth
    }
}

extension MaxPoolLayer: SingleCodeLayerFormat {
    static let kindCode: UInt8 = 3
    static let kindName = "maxpool"

    static func decode(kind: UInt8, from d: inout ByteSource, index: Int) throws(FormatError) -> Layer {
        let w = try WindowFields.decode("layer \(index) maxpool", from: &d)
        return .maxPool(MaxPoolLayer(kernelHeight: w.kernelHeight, kernelWidth: w.kernelWidth, strideHeight: w.strideHeight,
                                     strideWidth: w.strideWidth, padHeight: w.padHeight, padWidth: w.padWidth))
    }

    func encode(into d: inout ByteSink) {
        for v in window.values { d.u32(v) }
    }

    var window: WindowFields {
        WindowFields(kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideHeight: strideHeight,
                     strideWidth: strideWidth, padHeight: padHeight, padWidth: padWidth)
    }

    var fieldProblem: String? {
        if let problem = window.problem(kernelLabel: "kernel") { return problem }
        // Every window must hold at least one real value.
        if padHeight >= kernelHeight || padWidth >= kernelWidth { return "padding must be smaller than the kernel" }
        return nil
    }

    func outputShape(for input: [Int]) -> Result<[Int], ShapeMismatch> {
        guard input.count == 3 else {
            return .failure(ShapeMismatch("maxpool expects a [channels, height, width] input, got \(input)"))
        }
        guard padHeight < kernelHeight, padWidth < kernelWidth,
              let h = windowOutput(input[1], kernelHeight, strideHeight, padHeight),
              let w = windowOutput(input[2], kernelWidth, strideWidth, padWidth) else {
            return .failure(ShapeMismatch("maxpool window \(kernelHeight)x\(kernelWidth) (padding \(padHeight),\(padWidth)) does not fit input \(input[1])x\(input[2])"))
        }
        return .success([input[0], h, w])
    }

    var summary: String {
        "\(kernelHeight)x\(kernelWidth) stride \(strideHeight),\(strideWidth) pad \(padHeight),\(padWidth)"
    }
}
