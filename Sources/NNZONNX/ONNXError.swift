/// Why an ONNX model could not be converted (in either direction).
///
/// The description names everything a user needs to find the cause: the file, the node (index,
/// name, op type and domain) and the opset when the problem is at a node, and what is supported.
///
/// ```swift
/// do { _ = try ONNXImporter.convert(bytes: bytes, file: "model.onnx") }
/// catch { print(error) }  // model.onnx: node 4 "/conv/Conv" (Conv, domain ai.onnx, opset 17): group 2 …
/// ```
public struct ONNXError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of problem this is.
    public enum Code: Equatable, Sendable {
        /// The bytes are not a protobuf `ModelProto` (truncated, random, a different format).
        case malformed
        /// The IR version, an opset or a domain is outside what the importer reads.
        case unsupportedVersion
        /// An op, an attribute value or a graph pattern nnz cannot represent.
        case unsupported
        /// The graph forks: a residual connection, a concatenation of branches, a second output.
        case branches
        /// The graph is valid ONNX but inconsistent (a shape that does not fit, a missing tensor).
        case invalid
        /// Exporting: the `.nnz` model cannot be written at the requested opset.
        case exportUnsupported
    }

    /// The kind of problem.
    public var code: Code
    /// The file the error is about (as the caller named it); empty when converting bytes.
    public var file: String
    /// Where in the graph, when the problem is at one node.
    public var node: NodeLocation?
    /// What is wrong and what is supported, in a sentence or two.
    public var reason: String

    /// One node of the graph: its position in `graph.node`, name, op type, domain and the opset
    /// in force for that domain.
    public struct NodeLocation: Equatable, Sendable {
        /// The node's position in `graph.node`, counting from 0.
        public var index: Int
        /// The node's `name` (often empty in hand-made graphs).
        public var name: String
        /// The node's `op_type`.
        public var opType: String
        /// The node's domain, `ai.onnx` for the default one.
        public var domain: String
        /// The opset version imported for that domain.
        public var opset: Int
        /// A node location.
        public init(index: Int, name: String, opType: String, domain: String, opset: Int) {
            self.index = index
            self.name = name
            self.opType = opType
            self.domain = domain
            self.opset = opset
        }
    }

    /// An error with its parts.
    public init(_ code: Code, file: String = "", node: NodeLocation? = nil, _ reason: String) {
        self.code = code
        self.file = file
        self.node = node
        self.reason = reason
    }

    /// `file: node 3 "/fc1/Gemm" (Gemm, domain ai.onnx, opset 13): reason`.
    public var description: String {
        var text = file.isEmpty ? "" : "\(file): "
        if let n = node {
            let name = n.name.isEmpty ? "" : " \"\(n.name)\""
            text += "node \(n.index)\(name) (\(n.opType), domain \(n.domain), opset \(n.opset)): "
        }
        return text + reason
    }

    /// The same error about `file`.
    public func about(_ file: String) -> ONNXError {
        var copy = self
        copy.file = file
        return copy
    }
}
