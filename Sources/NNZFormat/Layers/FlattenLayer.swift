/// Flatten (kind 4): `[C, H, W]` → `[C·H·W]`, channel-major; the identity on a flat input.
/// No fields, so ``Layer/flatten`` carries no value; this type holds its format rules.
struct FlattenLayer: SingleCodeLayerFormat {
    static let kindCode: UInt8 = 4
    static let kindName = "flatten"

    static func decode(kind: UInt8, from d: inout ByteSource, index: Int) throws(FormatError) -> Layer { .flatten }

    func encode(into d: inout ByteSink) {}

    func outputShape(for input: [Int]) -> Result<[Int], ShapeMismatch> {
        .success([input.reduce(1, *)])
    }
}
