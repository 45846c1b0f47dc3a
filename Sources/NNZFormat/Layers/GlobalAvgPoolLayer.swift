/// Global average pooling (kind 12, format 1.1), ONNX's `GlobalAveragePool`: `[C, H, W]` →
/// `[C, 1, 1]`, each channel's mean over its `H · W` values (a following flatten makes it
/// `[C]`). No fields, so ``Layer/globalAvgPool`` carries no value; this type holds its rules.
struct GlobalAvgPoolLayer: SingleCodeLayerFormat {
    static let kindCode: UInt8 = 12
    static let kindName = "globalavgpool"
    static let introducedIn = FormatVersion.v1_1

    static func decode(kind: UInt8, from d: inout ByteSource, index: Int) throws(FormatError) -> Layer { .globalAvgPool }

    func encode(into d: inout ByteSink) {}

    func outputShape(for input: [Int]) -> Result<[Int], ShapeMismatch> {
        guard input.count == 3 else {
            return .failure(ShapeMismatch("globalavgpool expects a [channels, height, width] input, got \(input)"))
        }
        return .success([input[0], 1, 1])
    }
}
