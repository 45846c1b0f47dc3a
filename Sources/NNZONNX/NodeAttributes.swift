import Foundation

/// Typed access to one node's attributes, with errors that name the node.
struct NodeAttributes {
    let node: Onnx_NodeProto
    let location: ONNXError.NodeLocation

    init(_ node: Onnx_NodeProto, location: ONNXError.NodeLocation) {
        self.node = node
        self.location = location
    }

    private func find(_ name: String) -> Onnx_AttributeProto? { node.attribute.first { $0.name == name } }

    func error(_ reason: String, _ code: ONNXError.Code = .unsupported) -> ONNXError {
        ONNXError(code, node: location, reason)
    }

    /// Whether the attribute is present.
    func has(_ name: String) -> Bool { find(name) != nil }

    func int(_ name: String, default value: Int64) throws(ONNXError) -> Int64 {
        guard let a = find(name) else { return value }
        guard a.type == .int || (a.type == .undefined && a.hasI) else { throw error("attribute \(name) must be an int", .invalid) }
        return a.i
    }

    func float(_ name: String, default value: Float) throws(ONNXError) -> Float {
        guard let a = find(name) else { return value }
        guard a.type == .float || (a.type == .undefined && a.hasF) else { throw error("attribute \(name) must be a float", .invalid) }
        return a.f
    }

    func ints(_ name: String) throws(ONNXError) -> [Int64]? {
        guard let a = find(name) else { return nil }
        guard a.type == .ints || a.type == .undefined else { throw error("attribute \(name) must be a list of ints", .invalid) }
        return a.ints
    }

    func floats(_ name: String) throws(ONNXError) -> [Float]? {
        guard let a = find(name) else { return nil }
        guard a.type == .floats || a.type == .undefined else { throw error("attribute \(name) must be a list of floats", .invalid) }
        return a.floats
    }

    func string(_ name: String, default value: String) throws(ONNXError) -> String {
        guard let a = find(name) else { return value }
        guard a.type == .string || (a.type == .undefined && a.hasS) else { throw error("attribute \(name) must be a string", .invalid) }
        return String(decoding: a.s, as: UTF8.self)
    }

    func strings(_ name: String) -> [String]? {
        guard let a = find(name), !a.strings.isEmpty || a.type == .strings else { return nil }
        return a.strings.map { String(decoding: $0, as: UTF8.self) }
    }

    func tensor(_ name: String) -> Onnx_TensorProto? {
        guard let a = find(name), a.type == .tensor || a.hasT else { return nil }
        return a.t
    }
}
