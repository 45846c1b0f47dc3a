/// Leaky ReLU (kind 13, format 1.1), ONNX's `LeakyRelu`: `y = x` for `x ≥ 0`, `alpha · x`
/// otherwise, on any shape. ``Layer/leakyRelu(alpha:)`` carries the one field; this type holds
/// its format rules.
struct LeakyReLULayer: SingleCodeLayerFormat {
    static let kindCode: UInt8 = 13
    static let kindName = "leakyrelu"
    static let introducedIn = FormatVersion.v1_1

    /// The slope for negative inputs; any finite value.
    let alpha: Float

    static func decode(kind: UInt8, from d: inout ByteSource, index: Int) throws(FormatError) -> Layer {
        .leakyRelu(alpha: try d.f32("layer \(index) leakyrelu alpha"))
    }

    func encode(into d: inout ByteSink) { d.f32(alpha) }

    var fieldProblem: String? { alpha.isFinite ? nil : "alpha \(alpha) must be finite" }

    func outputShape(for input: [Int]) -> Result<[Int], ShapeMismatch> { .success(input) }

    var summary: String { "alpha \(alpha)" }
}
