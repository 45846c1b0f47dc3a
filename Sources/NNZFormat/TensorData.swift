/// A tensor's values as the file stores them, one case per ``TensorDType``, row-major (C order).
///
/// ```swift
/// let data = TensorData.int8(scales: [0.5, 0.25], values: [127, -3, 12, 0])   // [2, 2] dense weight
/// print(data.dtype, data.storedByteCount)                                   // int8 12
/// ```
public enum TensorData: Equatable, Sendable {
    /// dtype 1: float32 values.
    case float32([Float])
    /// dtype 2: IEEE binary16 bit patterns (sign, 5 exponent bits, 10 mantissa bits), each finite.
    case float16([UInt16])
    /// dtype 3: one scale per output channel (`scales.count` is the weight's output channels:
    /// its columns for a dense `[inputs, outputs]` weight, its first axis for a conv2d
    /// `[out, in, kh, kw]` weight) and the values −127…127; value `i` of channel `c` stands for
    /// `Float(values[i]) * scales[c]`.
    case int8(scales: [Float], values: [Int8])

    /// Which dtype this is.
    public var dtype: TensorDType {
        switch self {
        case .float32: return .float32
        case .float16: return .float16
        case .int8: return .int8
        }
    }

    /// Number of values held (the scales of int8 not counted).
    public var count: Int {
        switch self {
        case .float32(let values): return values.count
        case .float16(let bits): return bits.count
        case .int8(_, let values): return values.count
        }
    }

    /// The TNSR `raw_length` of these values: `4·n` for float32, `2·n` for float16,
    /// `4·C + n` for int8 with `C` scales.
    public var storedByteCount: Int {
        switch self {
        case .float32(let values): return 4 * values.count
        case .float16(let bits): return 2 * bits.count
        case .int8(let scales, let values): return 4 * scales.count + values.count
        }
    }
}
