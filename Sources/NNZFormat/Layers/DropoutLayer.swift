/// Hyper-parameters of a dropout layer (kind 9): at inference either the identity or a scale
/// by `1 - ratio`.
public struct DropoutLayer: Equatable, Sendable {
    /// Probability of dropping a unit during training, in `[0, 1)`.
    public var ratio: Float
    /// What inference does with the activations.
    public var convention: DropoutConvention
    public init(ratio: Float, convention: DropoutConvention) {
        self.ratio = ratio
        self.convention = convention
    }
}

extension DropoutLayer: SingleCodeLayerFormat {
    static let kindCode: UInt8 = 9
    static let kindName = "dropout"

    static func decode(kind: UInt8, from d: inout ByteSource, index: Int) throws(FormatError) -> Layer {
        let ratio = try d.f32("layer \(index) dropout ratio")
        let conventionOffset = d.position
        let code = try d.u8("layer \(index) dropout convention")
        guard let convention = DropoutConvention(rawValue: code) else {
            throw d.error(.malformed, "layer \(index) dropout convention is \(code), expected 0 (inverted) or 1 (scale-at-inference)", at: conventionOffset)
        }
        return .dropout(DropoutLayer(ratio: ratio, convention: convention))
    }

    func encode(into d: inout ByteSink) {
        d.f32(ratio); d.u8(convention.rawValue)
    }

    var fieldProblem: String? {
        ratio.isFinite && ratio >= 0 && ratio < 1 ? nil : "ratio \(ratio) outside [0, 1)"
    }

    func outputShape(for input: [Int]) -> Result<[Int], ShapeMismatch> { .success(input) }

    var summary: String { "\(ratio) \(convention == .inverted ? "inverted" : "scale-at-inference")" }
}
