import Foundation

/// ONNX external data: an initializer whose `data_location` is `EXTERNAL` keeps its bytes in
/// another file, named by its `external_data` entries `location` (a path relative to the model's
/// directory), `offset` and `length` (bytes; `length` absent means to the end of the file).
/// PyTorch's dynamo exporter writes every weight that way by default (`model.onnx.data`).
/// The bytes are read into `raw_data`, so the rest of the importer sees an ordinary tensor.
enum ExternalData {
    /// Files bigger than this are refused before reading (the importer's tensors are at most
    /// 2^30 elements; a model's data file can hold several).
    static let maxFileBytes = 1 << 34

    static func load(into graph: inout Onnx_GraphProto, directory: String?) throws(ONNXError) {
        var cache: [String: Data] = [:]
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
            let data: Data
            if let cached = cache[path] {
                data = cached
            } else {
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
                guard let size else {
                    throw ONNXError(.invalid, "\(what): cannot read its external data file \(path)")
                }
                guard size <= maxFileBytes else {
                    throw ONNXError(.invalid, "\(what): external data file \(path) has \(size) bytes, more than 2^34")
                }
                guard let read = FileManager.default.contents(atPath: path) else {
                    throw ONNXError(.invalid, "\(what): cannot read its external data file \(path)")
                }
                data = read
                cache[path] = read
            }
            let length = declared ?? max(0, data.count - offset)
            guard offset <= data.count, length <= data.count - offset else {
                throw ONNXError(.invalid, "\(what): external data at offset \(offset), \(length) bytes, runs past the end of \(path) (\(data.count) bytes)")
            }
            var resolved = tensor
            resolved.rawData = data.subdata(in: data.startIndex + offset ..< data.startIndex + offset + length)
            resolved.dataLocation = .default
            resolved.externalData = []
            graph.initializer[i] = resolved
        }
    }
}
