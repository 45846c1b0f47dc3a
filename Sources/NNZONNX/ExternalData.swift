import Foundation

/// ONNX external data: an initializer whose `data_location` is `EXTERNAL` keeps its bytes in
/// another file, named by its `external_data` entries `location` (a path relative to the model's
/// directory), `offset` and `length` (bytes; `length` absent means to the end of the file).
/// PyTorch's dynamo exporter writes every weight that way by default (`model.onnx.data`).
/// The bytes are read into `raw_data`, so the rest of the importer sees an ordinary tensor.
enum ExternalData {
    /// The most bytes one initializer may take from a data file: 2^30 elements (the importer's
    /// limit for a tensor) of the widest element type (8 bytes). Only the tensor's own slice is
    /// read, so a data file of any size costs no more than that.
    static let maxTensorBytes = 1 << 33

    static func load(into graph: inout Onnx_GraphProto, directory: String?) throws(ONNXError) {
        for i in graph.initializer.indices where graph.initializer[i].dataLocation == .external {
            let tensor = graph.initializer[i]
            let what = "initializer \"\(tensor.name)\""
            guard let directory else {
                throw ONNXError(.unsupported, "\(what) keeps its data in an external file; give the model's directory (nnzconvert does), or save it with onnx.save(model, path, save_as_external_data=False)")
            }
            var entries: [String: String] = [:]
            for entry in tensor.externalData { entries[entry.key] = entry.value }
            guard let location = entries["location"], !location.isEmpty else {
                throw ONNXError(.invalid, "\(what) is external data without a location")
            }
            let parts = location.split(separator: "/", omittingEmptySubsequences: false)
            guard !location.hasPrefix("/"), !location.contains("\\"), !parts.contains(where: { $0 == ".." }) else {
                throw ONNXError(.invalid, "\(what): external data location \"\(location)\" must be a relative path inside the model's directory")
            }
            func number(_ key: String) throws(ONNXError) -> Int? {
                guard let text = entries[key] else { return nil }
                guard let value = Int(text), value >= 0 else {
                    throw ONNXError(.invalid, "\(what): external data \(key) \"\(text)\" is not a non-negative integer")
                }
                return value
            }
            let offset = try number("offset") ?? 0
            let declared = try number("length")
            let path = directory.isEmpty ? location : directory + "/" + location
            guard let file = FileHandle(forReadingAtPath: path) else {
                throw ONNXError(.invalid, "\(what): cannot read its external data file \(path)")
            }
            defer { try? file.close() }
            guard let size = try? Int(file.seekToEnd()) else {
                throw ONNXError(.invalid, "\(what): cannot read its external data file \(path)")
            }
            let length = declared ?? max(0, size - offset)
            guard offset <= size, length <= size - offset else {
                throw ONNXError(.invalid, "\(what): external data at offset \(offset), \(length) bytes, runs past the end of \(path) (\(size) bytes)")
            }
            guard length <= maxTensorBytes else {
                throw ONNXError(.invalid, "\(what): external data of \(length) bytes, more than 2^33 (2^30 elements of 8 bytes)")
            }
            let data: Data
            do {
                try file.seek(toOffset: UInt64(offset))
                data = try file.read(upToCount: length) ?? Data()
            } catch {
                throw ONNXError(.invalid, "\(what): cannot read its external data file \(path)")
            }
            guard data.count == length else {
                throw ONNXError(.invalid, "\(what): external data at offset \(offset), \(length) bytes, runs past the end of \(path) (\(size) bytes)")
            }
            var resolved = tensor
            resolved.rawData = data
            resolved.dataLocation = .default
            resolved.externalData = []
            graph.initializer[i] = resolved
        }
    }
}
