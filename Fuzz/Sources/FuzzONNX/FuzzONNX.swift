import NNZFormat
import NNZONNX
import NNZRuntime

/// Feeds arbitrary bytes to the ONNX importer. What it accepts must be a valid .nnz model that
/// exports to ONNX and imports back to the same layers and tensor bits. Any crash, hang or
/// sanitizer report is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let result = try? ONNXImporter.convert(bytes: bytes, options: ONNXImportOptions(selfTest: false)) else { return 0 }
    let model = result.model
    guard let encoded = try? NNZWriter.encode(model), (try? NNZReader.decodeValidated(encoded)) != nil else {
        preconditionFailure("the importer returned a model that does not validate")
    }
    // Export and import again: same layers, same tensor bits.
    guard let onnx = try? ONNXExporter.export(model) else { preconditionFailure("an imported model does not export") }
    guard let back = try? ONNXImporter.convert(bytes: onnx, options: ONNXImportOptions(selfTest: false)).model else {
        preconditionFailure("an exported model does not import")
    }
    precondition(back.layers == model.layers, "the round trip changed the layers")
    precondition(back.tensors.map { $0.values.map(\.bitPattern) } == model.tensors.map { $0.values.map(\.bitPattern) },
                 "the round trip changed tensor bits")
    return 0
}
