/// The conversions writers use to store a float32 tensor in a narrower dtype (docs/FORMAT.md
/// §4, "Conversions"). `Tools/nnz.py` (`to_float16`, `to_int8`) gives the same bits.
extension Tensor {
    /// This tensor with its ``values`` rounded to float16, to nearest with ties to even. Float32
    /// values below half the smallest float16 subnormal become ±0.
    ///
    /// Throws `writeFailed` when a value is not finite or rounds beyond the float16 range
    /// (|x| ≥ 65520): "tensor layers.0.weight value 70000.0 at element 3 is out of float16
    /// range (|x| <= 65504)".
    ///
    /// ```swift
    /// let half = try Tensor(name: "layers.0.bias", shape: [2], values: [0.1, 1e-6]).float16()
    /// print(half.data)     // float16([11878, 17]): 0.0999755859375 and the subnormal 17·2^-24
    /// ```
    public func float16() throws(FormatError) -> Tensor {
        if case .float16 = data { return self }
        let source = values
        var bits: [UInt16] = []
        bits.reserveCapacity(source.count)
        for (i, x) in source.enumerated() {
            guard let h = Float16Bits.bits(x) else {
                if x.isNaN {
                    throw FormatError(.writeFailed, "tensor \(name) value nan at element \(i) cannot be stored as float16 (values must be finite)")
                }
                throw FormatError(.writeFailed, "tensor \(name) value \(x) at element \(i) is out of float16 range (|x| <= 65504)")
            }
            bits.append(h)
        }
        return Tensor(name: name, shape: shape, data: .float16(bits))
    }

    /// This tensor quantized to int8 with one scale per index of `outputAxis`, the layer's output
    /// channels: 1 for a dense weight `[inputs, outputs]`, 0 for a conv2d weight
    /// `[out, in, kh, kw]` (the only axes the format stores, ``int8ChannelAxis(rank:)``).
    ///
    /// Per channel `c`: `m` = the largest |w| (float32); `m == 0` gives scale 1 and all values 0,
    /// else scale = `m / 127` and each value `clamp(rint(w / scale), -127, 127)`, a float32
    /// division rounded half to even. An int8 tensor is returned unchanged.
    ///
    /// Throws `writeFailed` for another axis, a value that is not finite, or a channel whose
    /// largest |w| is so small that `m / 127` rounds to 0.
    ///
    /// ```swift
    /// let w = Tensor(name: "layers.0.weight", shape: [2, 2], values: [1, -1, 0.5, 2])
    /// print(try w.int8(outputAxis: 1).data)   // int8(scales: [0.007874016, 0.015748031], values: [127, -64, 64, 127])
    /// ```
    public func int8(outputAxis: Int) throws(FormatError) -> Tensor {
        if case .int8 = data { return self }
        guard let axis = Self.int8ChannelAxis(rank: shape.count), axis == outputAxis else {
            throw FormatError(.writeFailed, "tensor \(name) \(shape): int8 scales run along axis 1 of a rank-2 (dense) weight or axis 0 of a rank-4 (conv2d) weight, not axis \(outputAxis) of rank \(shape.count)")
        }
        let source = values
        guard source.count == elementCount else {
            throw FormatError(.writeFailed, "tensor \(name) holds \(source.count) values, its shape \(shape) needs \(elementCount)")
        }
        if let i = source.firstIndex(where: { !$0.isFinite }) {
            throw FormatError(.writeFailed, "tensor \(name) value \(TensorRules.floatText(source[i])) at element \(i) cannot be quantized to int8 (values must be finite)")
        }
        let channels = shape[axis]
        var largest = [Float](repeating: 0, count: channels)
        for (i, w) in source.enumerated() {
            let c = Self.channel(ofElement: i, shape: shape)
            largest[c] = max(largest[c], abs(w))
        }
        var scales = [Float](repeating: 1, count: channels)
        for c in 0..<channels where largest[c] != 0 {
            scales[c] = largest[c] / 127
            guard scales[c] > 0 else {
                throw FormatError(.writeFailed, "tensor \(name) channel \(c): its largest |value| \(largest[c]) is too small for an int8 scale (\(largest[c]) / 127 rounds to 0)")
            }
        }
        let quantized = source.enumerated().map { i, w -> Int8 in
            let c = Self.channel(ofElement: i, shape: shape)
            guard largest[c] != 0 else { return 0 }
            return Int8(min(max((w / scales[c]).rounded(.toNearestOrEven), -127), 127))
        }
        return Tensor(name: name, shape: shape, data: .int8(scales: scales, values: quantized))
    }
}
