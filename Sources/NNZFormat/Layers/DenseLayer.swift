/// Hyper-parameters of a fully connected layer (kind 1): `y = x · W + b`, `W` shaped
/// `[inputs, outputs]`.
public struct DenseLayer: Equatable, Sendable {
    /// Input width (features).
    public var inputs: Int
    /// Output width (units).
    public var outputs: Int
    /// False for the tutorials' bias-free networks.
    public var hasBias: Bool
    public init(inputs: Int, outputs: Int, hasBias: Bool = true) {
        self.inputs = inputs
        self.outputs = outputs
        self.hasBias = hasBias
    }
}

extension DenseLayer: SingleCodeLayerFormat {
    static let kindCode: UInt8 = 1
    static let kindName = "dense"

    static func decode(kind: UInt8, from d: inout ByteSource, index: Int) throws(FormatError) -> Layer {
        let inputs = try d.int("layer \(index) dense inputs", in: Limits.dimensions)
        let outputs = try d.int("layer \(index) dense outputs", in: Limits.dimensions)
        return .dense(DenseLayer(inputs: inputs, outputs: outputs, hasBias: try d.flag("layer \(index) has_bias")))
    }

    func encode(into d: inout ByteSink) {
        d.u32(inputs); d.u32(outputs); d.u8(hasBias ? 1 : 0)
    }

    var fieldProblem: String? {
        if !Limits.dimensions.contains(inputs) || !Limits.dimensions.contains(outputs) {
            return "sizes \(inputs)→\(outputs) outside 1...\(Limits.maxDimension)"
        }
        return nil
    }

    var parameters: [(name: String, shape: [Int])] {
        hasBias ? [("weight", [inputs, outputs]), ("bias", [outputs])] : [("weight", [inputs, outputs])]
    }

    func outputShape(for input: [Int]) -> Result<[Int], ShapeMismatch> {
        guard input.count == 1 else {
            return .failure(ShapeMismatch("dense expects a flat input, got \(input)"))
        }
        guard input[0] == inputs else {
            return .failure(ShapeMismatch("dense expects \(inputs) inputs, the previous output has \(input[0])"))
        }
        return .success([outputs])
    }

    var summary: String { "\(inputs)→\(outputs)" + (hasBias ? "" : " no bias") }

    /// The weight may be int8; each output sums `inputs` products.
    func int8ReductionLength(ofParameter name: String) -> Int? { name == "weight" ? inputs : nil }
}
