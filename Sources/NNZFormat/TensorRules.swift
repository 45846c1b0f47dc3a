/// The rules of docs/FORMAT.md §4 on a tensor's dtype and stored values, shared by the reader
/// (which adds the byte offset) and ``ModelFile/validate()`` (which the writer runs), so both
/// refuse with the same words.
enum TensorRules {
    /// Why `dtype` may not hold parameter `parameter` of layer `layerIndex`: int8 on anything
    /// but a dense or conv2d weight (malformed), or on one whose reduction is longer than
    /// ``Limits/maxInt8ReductionLength`` (limitExceeded). Nil when it may.
    static func dtypeProblem(_ dtype: TensorDType, tensor name: String, layer: Layer, layerIndex: Int,
                             parameter: String) -> (code: FormatError.Code, message: String)? {
        guard dtype == .int8 else { return nil }
        guard let length = layer.int8ReductionLength(ofParameter: parameter) else {
            return (.malformed, "tensor \(name) has dtype \(dtype.codeAndName); only dense and conv2d weights may be int8")
        }
        guard length <= Limits.maxInt8ReductionLength else {
            var what = "in_channels·kernel_h·kernel_w"
            if case .dense = layer { what = "inputs" }
            return (.limitExceeded, "layer \(layerIndex) (\(layer.kindName)): int8 weights with reduction length \(length) (\(what)) exceed the limit \(Limits.maxInt8ReductionLength), up to which int32 accumulation cannot overflow")
        }
        return nil
    }

    /// The `raw_length` a tensor of `shape` (`elements` values) and `dtype` has, and how a
    /// message names that layout ("float32", "int8 with 4 scales").
    static func rawLength(_ dtype: TensorDType, shape: [Int], elements: Int) -> (length: Int, layout: String) {
        switch dtype {
        case .float32: return (4 * elements, "float32")
        case .float16: return (2 * elements, "float16")
        case .int8:
            let channels = Tensor.int8ChannelAxis(rank: shape.count).map { shape[$0] } ?? 0
            return (4 * channels + elements, "int8 with \(channels) scales")
        }
    }

    /// The first stored value a file may not hold, with the byte offset of the culprit in the raw
    /// (decompressed, unshuffled) layout: a float16 NaN or infinity, an int8 scale that is not
    /// finite and > 0, an int8 value of −128. Nil when every value is allowed.
    static func valueProblem(_ data: TensorData, tensor name: String) -> (message: String, rawOffset: Int)? {
        switch data {
        case .float32:
            return nil
        case .float16(let bits):
            guard let i = bits.firstIndex(where: { !Float16Bits.isFinite($0) }) else { return nil }
            let value = Float16Bits.float(bits[i])
            return ("tensor \(name) holds \(floatText(value)) (float16 0x\(hex16(bits[i]))) at element \(i); float16 values must be finite", 2 * i)
        case .int8(let scales, let values):
            if let j = scales.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                return ("scale \(j) of tensor \(name) is \(floatText(scales[j])); an int8 scale must be finite and > 0", 4 * j)
            }
            if let i = values.firstIndex(of: -128) {
                return ("tensor \(name) holds -128 at element \(i); int8 weights are symmetric, -127...127", 4 * scales.count + i)
            }
            return nil
        }
    }

    /// A float as messages print it: Swift's description, but every NaN as `nan` (Swift would
    /// say `-nan` or `snan(0x2000)`), as Tools/nnz.py does.
    static func floatText(_ value: Float) -> String {
        value.isNaN ? "nan" : "\(value)"
    }

    private static func hex16(_ value: UInt16) -> String {
        hex(UInt8(value >> 8)) + hex(UInt8(value & 0xFF))
    }
}
