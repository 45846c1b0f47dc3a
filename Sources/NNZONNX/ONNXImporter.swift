import Foundation
import NNZFormat
import NNZRuntime
import SwiftProtobuf

/// What the caller knows that an ONNX file does not say.
public struct ONNXImportOptions: Sendable {
    /// The model's `name` in META (default: the graph's name).
    public var name: String?
    /// One name per input value (default: none, or the names an nnz export carried).
    public var featureNames: [String]?
    /// One label per output (default: the classes skl2onnx stored, or none).
    public var classLabels: [String]?
    /// The input shape without the batch axis, `[C, H, W]` or `[F]`, when the graph's own is
    /// symbolic or should be read as an image (a flat `[N, C·H·W]` input).
    public var inputShape: [Int]?
    /// Read the default domain as this opset instead of the one the file imports.
    public var opset: Int?
    /// Add a self-test (4 rows computed by NNZRuntime, fewer when a row has over 2^18 values;
    /// none beyond 2^20) so `nninfer verify` checks the file.
    public var selfTest: Bool = true
    /// The directory of the `.onnx` file, where initializers saved as external data (PyTorch's
    /// dynamo exporter writes `model.onnx.data` beside the model by default) are read from.
    /// `nil` refuses external data.
    public var externalDataDirectory: String?

    /// Options with every default.
    public init(name: String? = nil, featureNames: [String]? = nil, classLabels: [String]? = nil,
                inputShape: [Int]? = nil, opset: Int? = nil, selfTest: Bool = true,
                externalDataDirectory: String? = nil) {
        self.externalDataDirectory = externalDataDirectory
        self.name = name
        self.featureNames = featureNames
        self.classLabels = classLabels
        self.inputShape = inputShape
        self.opset = opset
        self.selfTest = selfTest
    }
}

/// A converted model and what the importer wants the user to know about it.
public struct ONNXImportResult: Sendable {
    /// The `.nnz` model, validated.
    public var model: ModelFile
    /// Warnings (an opset newer than the importer knows, ops dropped as inference no-ops, …).
    public var warnings: [String]
    /// The ONNX producer, e.g. `pytorch 2.9.1` or `skl2onnx 1.20.0`.
    public var producer: String
}

/// Converts an ONNX model (a chain of supported ops) into an nnz ``ModelFile``.
///
/// It reads what PyTorch's TorchScript and dynamo exporters and skl2onnx write for small
/// networks: `Gemm`/`MatMul`+`Add`, `Conv`, pooling, `BatchNormalization`, activations,
/// `Softmax` (with each opset's axis rule), `Flatten`/`Reshape` (shape chains folded),
/// `Dropout`/`Identity`/`Cast` (dropped), leading `Sub`/`Div`/`Mul`/`Scaler` as input
/// normalization, and skl2onnx's `ArgMax`/`ZipMap` post-processing as class labels.
/// Anything else is refused with an ``ONNXError`` naming the node.
///
/// ```swift
/// let bytes = try NNZReader.readFile("model.onnx")
/// let result = try ONNXImporter.convert(bytes: bytes, file: "model.onnx")
/// try NNZWriter.write(result.model, to: "model.nnz")
/// ```
public enum ONNXImporter {
    /// The ONNX IR versions read.
    public static let irVersions: ClosedRange<Int64> = 3...13
    /// The default-domain opsets whose semantics the importer implements.
    public static let opsets: ClosedRange<Int> = 9...23

    /// Converts the bytes of an `.onnx` file; `file` names it in errors. Initializers stored as
    /// external data are read from `options.externalDataDirectory`.
    public static func convert(bytes: [UInt8], file: String = "",
                               options: ONNXImportOptions = ONNXImportOptions()) throws(ONNXError) -> ONNXImportResult {
        do {
            return try convertUnlabelled(bytes: bytes, options: options)
        } catch {
            throw error.about(file)
        }
    }

    private static func convertUnlabelled(bytes: [UInt8], options: ONNXImportOptions) throws(ONNXError) -> ONNXImportResult {
        guard !bytes.isEmpty else { throw ONNXError(.malformed, "the file is empty; expected an ONNX ModelProto") }
        if bytes.count >= 8, bytes[0] == 0x89, bytes[1] == 0x4E, bytes[2] == 0x4E, bytes[3] == 0x5A {
            throw ONNXError(.malformed, "this is an .nnz file, not ONNX; to export it, name the output .onnx: nnzconvert model.nnz model.onnx")
        }
        var proto: Onnx_ModelProto
        do {
            var decodingOptions = BinaryDecodingOptions()
            decodingOptions.messageDepthLimit = 64
            proto = try Onnx_ModelProto(serializedBytes: bytes, options: decodingOptions)
        } catch {
            throw ONNXError(.malformed, "not a valid ONNX protobuf (\(error)); expected an ONNX ModelProto")
        }
        try ExternalData.load(into: &proto.graph, directory: options.externalDataDirectory)
        let walker = try GraphWalker(proto: proto, options: options)
        return try walker.run()
    }
}
