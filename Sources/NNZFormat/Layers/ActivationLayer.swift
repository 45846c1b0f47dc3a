/// The field-less activations: relu (kind 5), sigmoid (6), tanh (7) on any shape, and softmax
/// (8) over a flat input. ``Layer`` has one case per function; this type holds their format rules.
struct ActivationLayer: LayerFormat {
    /// Which function, by its ARCH kind code.
    enum Function: UInt8, CaseIterable {
        case relu = 5
        case sigmoid = 6
        case tanh = 7
        case softmax = 8
    }

    let function: Function

    static var kindCodes: [UInt8] { Function.allCases.map(\.rawValue) }
    var kindCode: UInt8 { function.rawValue }
    static func kindName(ofCode code: UInt8) -> String {
        switch Function(rawValue: code)! { // only called for kindCodes
        case .relu: return "relu"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .softmax: return "softmax"
        }
    }

    static func decode(kind: UInt8, from d: inout ByteSource, index: Int) throws(FormatError) -> Layer {
        switch Function(rawValue: kind)! { // only called for kindCodes
        case .relu: return .relu
        case .sigmoid: return .sigmoid
        case .tanh: return .tanh
        case .softmax: return .softmax
        }
    }

    func encode(into d: inout ByteSink) {}

    func outputShape(for input: [Int]) -> Result<[Int], ShapeMismatch> {
        if function == .softmax, input.count != 1 {
            return .failure(ShapeMismatch("softmax expects a flat input, got \(input); add a flatten layer"))
        }
        return .success(input)
    }
}
