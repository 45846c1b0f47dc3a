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

    var fieldProblem: String? { window.poolingProblem }

    func outputShape(for input: [Int]) -> Result<[Int], ShapeMismatch> {
        window.pooledShape("maxpool", for: input)
    }

    var summary: String {
        "\(kernelHeight)x\(kernelWidth) stride \(strideHeight),\(strideWidth) pad \(padHeight),\(padWidth)"
    }
}
