import Foundation
import SwiftProtobuf

/// A tensor whose value the importer knows: an initializer, a `Constant` node, or a value
/// folded from them (shape arithmetic). Floats stay float32 bit for bit; integers are Int64,
/// where ``batch`` stands for the dynamic batch dimension that `Shape` of the activation gives.
struct Constant {
    /// The tensor's dimensions (`[]` for a scalar).
    var dims: [Int]
    /// The values, when the tensor is floating point (float16/float64 are widened/narrowed).
    var floats: [Float]?
    /// The values, when the tensor is an integer or bool tensor.
    var ints: [Int64]?
    /// The values, when the tensor holds strings (class labels).
    var strings: [String]?

    /// Marks the batch dimension inside folded shape vectors.
    static let batch = Int64.min

    var count: Int { floats?.count ?? ints?.count ?? strings?.count ?? 0 }

    init(dims: [Int], floats: [Float]) { self.dims = dims; self.floats = floats }
    init(dims: [Int], ints: [Int64]) { self.dims = dims; self.ints = ints }
    init(dims: [Int], strings: [String]) { self.dims = dims; self.strings = strings }

    /// The values as integers (shape and index inputs), or nil for floats or strings.
    var integerValues: [Int64]? { ints }

    /// Decodes an ONNX `TensorProto`; `what` names it in errors (e.g. `initializer "fc.weight"`).
    init(_ t: Onnx_TensorProto, what: String) throws(ONNXError) {
        if t.dataLocation == .external {
            throw ONNXError(.unsupported, "\(what) keeps its data in an external file; save the model with onnx.save(model, path, save_as_external_data=False)")
        }
        var count = 1
        var dims: [Int] = []
        for d in t.dims {
            guard d >= 0, d <= Int64(Int32.max) else { throw ONNXError(.invalid, "\(what) has dimension \(d)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, product <= 1 << 30 else { throw ONNXError(.invalid, "\(what) has \(t.dims) elements, more than 2^30") }
            count = product
            dims.append(Int(d))
        }
        let raw = t.hasRawData ? [UInt8](t.rawData) : nil
        func rawCount(_ width: Int) throws(ONNXError) -> Int {
            guard let raw else { return 0 }
            guard raw.count == count * width else {
                throw ONNXError(.invalid, "\(what): raw_data holds \(raw.count) bytes, its dims \(t.dims) need \(count * width)")
            }
            return count
        }
        func check(_ n: Int) throws(ONNXError) {
            guard n == count else { throw ONNXError(.invalid, "\(what) holds \(n) values, its dims \(t.dims) need \(count)") }
        }
        switch t.dataType {
        case 1: // FLOAT
            if let raw {
                _ = try rawCount(4)
                var values = [Float](repeating: 0, count: count)
                for i in 0..<count {
                    let b = Int(i * 4)
                    let bits = UInt32(raw[b]) | UInt32(raw[b + 1]) << 8 | UInt32(raw[b + 2]) << 16 | UInt32(raw[b + 3]) << 24
                    values[i] = Float(bitPattern: bits)
                }
                self.init(dims: dims, floats: values)
            } else {
                try check(t.floatData.count)
                self.init(dims: dims, floats: t.floatData)
            }
        case 11: // DOUBLE
            if let raw {
                _ = try rawCount(8)
                var values = [Float](repeating: 0, count: count)
                for i in 0..<count {
                    var bits: UInt64 = 0
                    for k in 0..<8 { bits |= UInt64(raw[i * 8 + k]) << (8 * k) }
                    values[i] = Float(Double(bitPattern: bits))
                }
                self.init(dims: dims, floats: values)
            } else {
                try check(t.doubleData.count)
                self.init(dims: dims, floats: t.doubleData.map { Float($0) })
            }
        case 10: // FLOAT16 (int32_data holds the bit patterns when not raw)
            var bits: [UInt16] = []
            if let raw {
                _ = try rawCount(2)
                bits = (0..<count).map { UInt16(raw[$0 * 2]) | UInt16(raw[$0 * 2 + 1]) << 8 }
            } else {
                try check(t.int32Data.count)
                bits = t.int32Data.map { UInt16(truncatingIfNeeded: $0) }
            }
            self.init(dims: dims, floats: bits.map(Constant.widen))
        case 7: // INT64
            if let raw {
                _ = try rawCount(8)
                self.init(dims: dims, ints: (0..<count).map { i in
                    var v: UInt64 = 0
                    for k in 0..<8 { v |= UInt64(raw[i * 8 + k]) << (8 * k) }
                    return Int64(bitPattern: v)
                })
            } else {
                try check(t.int64Data.count)
                self.init(dims: dims, ints: t.int64Data)
            }
        case 6, 5, 4, 3, 2, 9: // INT32, INT16, UINT16, INT8, UINT8, BOOL: int32_data or raw
            let width = [6: 4, 5: 2, 4: 2, 3: 1, 2: 1, 9: 1][Int(t.dataType)]!
            if let raw {
                _ = try rawCount(width)
                self.init(dims: dims, ints: (0..<count).map { i in
                    var v: UInt32 = 0
                    for k in 0..<width { v |= UInt32(raw[i * width + k]) << (8 * k) }
                    switch t.dataType {
                    case 6: return Int64(Int32(bitPattern: v))
                    case 5: return Int64(Int16(truncatingIfNeeded: v))
                    case 3: return Int64(Int8(truncatingIfNeeded: v))
                    default: return Int64(v)
                    }
                })
            } else {
                try check(t.int32Data.count)
                self.init(dims: dims, ints: t.int32Data.map { Int64($0) })
            }
        case 8: // STRING
            try check(t.stringData.count)
            self.init(dims: dims, strings: t.stringData.map { String(decoding: $0, as: UTF8.self) })
        default:
            throw ONNXError(.unsupported, "\(what) has data type \(t.dataType) (\(Constant.typeName(t.dataType))); the importer reads float, float16, double, integer, bool and string tensors")
        }
    }

    /// IEEE binary16 → binary32, exact (written out: `Float16` is missing on Intel macOS).
    static func widen(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
        if exponent == 0 {
            let magnitude = Float(mantissa) * (1.0 / 16_777_216.0) // mantissa · 2^-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | mantissa << 13)
    }

    /// ONNX's name for a `TensorProto.DataType` value.
    static func typeName(_ type: Int32) -> String {
        let names = [0: "undefined", 1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
                     8: "string", 9: "bool", 10: "float16", 11: "double", 12: "uint32", 13: "uint64", 14: "complex64",
                     15: "complex128", 16: "bfloat16", 17: "float8e4m3fn", 18: "float8e4m3fnuz", 19: "float8e5m2",
                     20: "float8e5m2fnuz", 21: "uint4", 22: "int4", 23: "float4e2m1"]
        return names[Int(type)] ?? "unknown"
    }
}
