/// Hyper-parameters of 2-D average pooling (kind 11, format 1.1), ONNX's `AveragePool`: the mean
/// over each window. With ``countIncludePad`` false the sum is divided by the number of real
/// (unpadded) positions in the window; with true by `kernelHeight · kernelWidth`, the padded
/// zeros counting. The padding is never materialized.
///
/// ```swift
/// let pool = Layer.avgPool(AvgPoolLayer(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
///                                       padHeight: 1, padWidth: 1))
/// print(pool.summary)   // 3x3 stride 2,2 pad 1,1 exclude-pad
/// ```
public struct AvgPoolLayer: Equatable, Sendable {
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
    /// Whether padded positions count in the divisor (ONNX `count_include_pad = 1`).
    public var countIncludePad: Bool
    /// A `kernelHeight × kernelWidth` window at the given stride, with `padHeight` rows and
    /// `padWidth` columns of padding (each smaller than the kernel), dividing by the real
    /// positions unless `countIncludePad`.
    public init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
                padHeight: Int = 0, padWidth: Int = 0, countIncludePad: Bool = false) {
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padHeight = padHeight
        self.padWidth = padWidth
        self.countIncludePad = countIncludePad
    }
}

extension AvgPoolLayer: SingleCodeLayerFormat {
    static let kindCode: UInt8 = 11
    static let kindName = "avgpool"
    static let introducedIn = FormatVersion.v1_1

    static func decode(kind: UInt8, from d: inout ByteSource, index: Int) throws(FormatError) -> Layer {
        let w = try WindowFields.decode("layer \(index) avgpool", from: &d)
        let flagOffset = d.position
        let code = try d.u8("layer \(index) avgpool count_include_pad")
        guard code <= 1 else {
            throw d.error(.malformed, "layer \(index) avgpool count_include_pad is \(code), expected 0 (divide by the real positions) or 1 (by kernel_h·kernel_w)", at: flagOffset)
        }
        return .avgPool(AvgPoolLayer(kernelHeight: w.kernelHeight, kernelWidth: w.kernelWidth, strideHeight: w.strideHeight,
                                     strideWidth: w.strideWidth, padHeight: w.padHeight, padWidth: w.padWidth,
                                     countIncludePad: code == 1))
    }

    func encode(into d: inout ByteSink) {
        for v in window.values { d.u32(v) }
        d.u8(countIncludePad ? 1 : 0)
    }

    var window: WindowFields {
        WindowFields(kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideHeight: strideHeight,
                     strideWidth: strideWidth, padHeight: padHeight, padWidth: padWidth)
    }

    var fieldProblem: String? { window.poolingProblem }

    func outputShape(for input: [Int]) -> Result<[Int], ShapeMismatch> {
        window.pooledShape("avgpool", for: input)
    }

    var summary: String {
        "\(kernelHeight)x\(kernelWidth) stride \(strideHeight),\(strideWidth) pad \(padHeight),\(padWidth) \(countIncludePad ? "include-pad" : "exclude-pad")"
    }
}
