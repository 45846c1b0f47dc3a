/// One learned tensor: its name, shape and values in row-major (C) order, stored as float32,
/// float16 or int8 with per-channel scales (``TensorData``).
///
/// Code that only needs numbers reads ``values``: float32 as stored, float16 widened exactly,
/// int8 dequantized (`value · scale`, one float32 multiply). Setting ``values`` makes the tensor
/// float32.
///
/// ```swift
/// let weight = Tensor(name: "layers.0.weight", shape: [2, 2], values: [1, -1, 0.5, 2])
/// let small = try weight.int8(outputAxis: 1)      // one scale per column
/// print(small.dtype, small.values)                // int8 [1.0, -1.007874, 0.503937, 2.0]
/// ```
public struct Tensor: Equatable, Sendable {
    /// `layers.<index>.<parameter>`, e.g. `layers.0.weight`.
    public var name: String
    /// Dimensions, outermost first. Dense weights are `[inputs, outputs]`; convolution weights
    /// are `[outChannels, inChannels, kernelHeight, kernelWidth]`.
    public var shape: [Int]
    /// The values as stored, `shape.reduce(1, *)` of them.
    public var data: TensorData

    /// A float32 tensor.
    public init(name: String, shape: [Int], values: [Float]) {
        self.init(name: name, shape: shape, data: .float32(values))
    }

    /// A tensor of any dtype.
    public init(name: String, shape: [Int], data: TensorData) {
        self.name = name
        self.shape = shape
        self.data = data
    }

    /// The values as float32: float32 as stored, float16 widened (exactly), int8 as
    /// `Float(value) * scale[channel]`. For an int8 tensor whose shape and scales disagree
    /// (which validation refuses) the values without a scale are NaN. Setting it replaces
    /// ``data`` with `.float32`.
    public var values: [Float] {
        get {
            switch data {
            case .float32(let values): return values
            case .float16(let bits): return bits.map(Float16Bits.float)
            case .int8(let scales, let values): return Self.dequantized(values, scales: scales, shape: shape)
            }
        }
        set {
            data = .float32(newValue)
        }
        // In place for float32, so `tensor.values[i] += x` does not copy the array each time.
        _modify {
            var values: [Float]
            if case .float32(let stored) = data {
                values = stored
                data = .float32([])
            } else {
                values = self.values
            }
            defer { data = .float32(values) }
            yield &values
        }
    }

    /// The stored dtype.
    public var dtype: TensorDType { data.dtype }

    /// The TNSR `raw_length` of the stored values (``TensorData/storedByteCount``).
    public var storedByteCount: Int { data.storedByteCount }

    /// Number of elements the shape describes.
    public var elementCount: Int { shape.reduce(1, *) }

    /// The axis an int8 tensor of rank `rank` has one scale per index of: 1 for a rank-2 dense
    /// weight `[inputs, outputs]` (one per column), 0 for a rank-4 conv2d weight
    /// `[out, in, kh, kw]`; nil for other ranks, which cannot be int8 (docs/FORMAT.md §4).
    public static func int8ChannelAxis(rank: Int) -> Int? {
        switch rank {
        case 2: return 1
        case 4: return 0
        default: return nil
        }
    }

    /// The number of scales an int8 tensor of this shape holds (its output channels), or nil
    /// when the shape cannot be int8.
    public var int8ChannelCount: Int? {
        Self.int8ChannelAxis(rank: shape.count).map { shape[$0] }
    }

    /// Element `i` of a row-major tensor of `shape` → its channel along the int8 axis.
    static func channel(ofElement i: Int, shape: [Int]) -> Int {
        // Rank 2 [inputs, outputs]: the column; rank 4 [out, ...]: the outermost index.
        shape.count == 2 ? i % shape[1] : i / (shape.dropFirst().reduce(1, *))
    }

    static func dequantized(_ values: [Int8], scales: [Float], shape: [Int]) -> [Float] {
        guard let axis = int8ChannelAxis(rank: shape.count), shape[axis] == scales.count,
              shape.allSatisfy({ $0 > 0 }) else {
            return [Float](repeating: .nan, count: values.count)
        }
        return values.indices.map { i in
            let c = channel(ofElement: i, shape: shape)
            return c < scales.count ? Float(values[i]) * scales[c] : .nan
        }
    }
}
