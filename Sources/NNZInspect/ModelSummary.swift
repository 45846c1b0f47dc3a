import NNZFormat
import NNZRuntime

// What `nninfer inspect` reports about a model file, as text and as JSON: one place, used by
// nninfer and by nnzserve's `GET /v1/models/{name}`.

/// Everything `inspect` reports, computed once for both output forms.
public struct ModelSummary: Sendable {
    public struct Row: Sendable { public let index: Int; public let kind: String; public let detail: String; public let shape: [Int]; public let parameters: Int }
    public let file: ModelFile
    public let chunks: [ChunkInfo]
    public let fileBytes: Int
    public let rows: [Row]
    public let selfTest: SelfTestReport?

    /// Runs the self-test with a freshly compiled ``Model`` (none when it does not compile).
    public init(file validated: ValidatedModel, chunks: [ChunkInfo], fileBytes: Int) {
        self.init(file: validated, chunks: chunks, fileBytes: fileBytes, selfTest: (try? Model(validated: validated))?.runSelfTest())
    }

    /// With the self-test report of a model already compiled (a server's).
    public init(file validated: ValidatedModel, chunks: [ChunkInfo], fileBytes: Int, selfTest: SelfTestReport?) {
        let file = validated.file
        self.file = file
        self.chunks = chunks
        self.fileBytes = fileBytes
        let shapes = validated.layerOutputShapes
        rows = file.layers.enumerated().map { index, layer in
            let parameters = layer.parameterShapes.reduce(0) { $0 + $1.reduce(1, *) }
            return Row(index: index, kind: layer.kindName, detail: layer.summary, shape: shapes[index], parameters: parameters)
        }
        self.selfTest = selfTest
    }

    public var totalParameters: Int { rows.reduce(0) { $0 + $1.parameters } }
    /// The raw stored size of every tensor (values in their dtype, int8 scales included).
    public var storedTensorBytes: Int { file.tensors.reduce(0) { $0 + $1.storedByteCount } }
    /// The same tensors as float32.
    public var float32TensorBytes: Int { file.tensors.reduce(0) { $0 + 4 * $1.elementCount } }

    /// `0.28×`: stored / float32, two decimals.
    public var sizeRatioText: String {
        guard float32TensorBytes > 0 else { return "1.00×" }
        let hundredths = Int((Double(storedTensorBytes) / Double(float32TensorBytes) * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)×"
    }

    public func dtypeText(_ tensor: Tensor) -> String {
        if case .int8(let scales, _) = tensor.data { return "int8 (\(scales.count) scales)" }
        return tensor.dtype.description
    }

    /// `nninfer inspect`'s text summary.
    public func text() -> String {
        var out = ""
        let name = file.metadata.name.map { " \($0)" } ?? ""
        out += "Model\(name): format \(file.formatVersion), \(grouped(fileBytes)) bytes\n"
        out += "Input: \(file.inputShape)"
        if let n = file.normalization {
            out += ", normalization \(n.kind == .standard ? "standard (x - mean) / std" : "min-max (x - min) / (max - min)")"
            out += n.first.count == 1 ? " (one pair for all values)" : " (per value)"
        }
        out += "\n"
        let outputWidth = rows.last?.shape.first ?? 0
        out += "Output: \(outputWidth) \(kindText(file.outputKind))"
        if let labels = file.metadata.classLabels { out += ", labels: " + labels.joined(separator: ", ") }
        out += "\n\n"
        let table = [["#", "Layer", "Output shape", "Params"]] + rows.map {
            ["\($0.index)", $0.kind + ($0.detail.isEmpty ? "" : " " + $0.detail), shapeText($0.shape), grouped($0.parameters)]
        }
        out += formatTable(table, rightAligned: [0, 3])
        out += "Total params: \(grouped(totalParameters))\n\n"
        if !file.tensors.isEmpty {
            out += "Tensors:\n"
            let tensorRows = [["Tensor", "Shape", "DType", "Stored", "As float32"]] + file.tensors.map {
                [$0.name, shapeText($0.shape), dtypeText($0), grouped($0.storedByteCount), grouped(4 * $0.elementCount)]
            }
            out += formatTable(tensorRows, rightAligned: [3, 4])
            out += "Total tensor bytes: \(grouped(storedTensorBytes)) stored, \(grouped(float32TensorBytes)) as float32 (\(sizeRatioText))\n\n"
        }
        out += "Sections:\n"
        let sectionRows = [["Chunk", "Offset", "Stored", "Raw", "Encoding"]] + chunks.map {
            [$0.type + ($0.tensorName.map { " " + $0 } ?? ""), grouped($0.offset), grouped($0.storedLength), grouped($0.rawLength), $0.encoding ?? (($0.isCritical ? "critical" : "ancillary"))]
        }
        out += formatTable(sectionRows, rightAligned: [1, 2, 3])
        if !file.ancillaryChunks.isEmpty {
            out += "\nUnknown ancillary chunks (carried along when the model is written again):\n"
            let ancillaryRows = [["Chunk", "Bytes"]] + file.ancillaryChunks.map { [$0.type, grouped($0.data.count)] }
            out += formatTable(ancillaryRows, rightAligned: [1])
        }
        if !file.metadata.isEmpty {
            out += "\nMetadata:\n"
            for (key, value) in file.metadata.entries { out += "  \(key) = \(valueText(value))\n" }
        }
        out += "\nSelf-test: "
        if let test = file.selfTest, let report = selfTest {
            out += "\(test.inputs.count) rows, tolerance \(test.tolerance): \(report.passed ? "passed" : "FAILED") (max difference \(report.maxDifference))\n"
        } else {
            out += "none\n"
        }
        return out
    }

    /// `nninfer inspect --json`'s object; `leading` writes fields of its own first (nnzserve's
    /// name, path and generation).
    public func json(leading: ((JSONWriter) -> Void)? = nil) -> String {
        let j = JSONWriter()
        j.object {
            leading?(j)
            j.key("format_version"); j.string(file.formatVersion.description)
            j.key("file_bytes"); j.number(fileBytes)
            j.key("input_shape"); j.array(file.inputShape.map { .int($0) })
            j.key("output_kind"); j.string(kindText(file.outputKind))
            j.key("output_width"); j.number(rows.last?.shape.first ?? 0)
            if let n = file.normalization {
                j.key("normalization")
                j.object {
                    j.key("kind"); j.string(n.kind == .standard ? "standard" : "minmax")
                    j.key(n.kind == .standard ? "mean" : "min"); j.array(n.first.map { .float($0) })
                    j.key(n.kind == .standard ? "std" : "max"); j.array(n.second.map { .float($0) })
                }
            }
            j.key("layers")
            j.arrayOfObjects(rows) { row in
                j.key("index"); j.number(row.index)
                j.key("kind"); j.string(row.kind)
                j.key("detail"); j.string(row.detail)
                j.key("output_shape"); j.array(row.shape.map { .int($0) })
                j.key("parameters"); j.number(row.parameters)
            }
            j.key("total_parameters"); j.number(totalParameters)
            j.key("tensors")
            j.arrayOfObjects(file.tensors) { t in
                j.key("name"); j.string(t.name)
                j.key("shape"); j.array(t.shape.map { .int($0) })
                j.key("dtype"); j.string(t.dtype.description)
                if case .int8(let scales, _) = t.data { j.key("scales"); j.number(scales.count) }
                j.key("stored_bytes"); j.number(t.storedByteCount)
                j.key("float32_bytes"); j.number(4 * t.elementCount)
            }
            j.key("tensor_bytes"); j.number(storedTensorBytes)
            j.key("float32_tensor_bytes"); j.number(float32TensorBytes)
            j.key("sections")
            j.arrayOfObjects(chunks) { c in
                j.key("type"); j.string(c.type)
                if let name = c.tensorName { j.key("tensor"); j.string(name) }
                j.key("offset"); j.number(c.offset)
                j.key("stored_bytes"); j.number(c.storedLength)
                j.key("raw_bytes"); j.number(c.rawLength)
                if let e = c.encoding { j.key("encoding"); j.string(e) }
                j.key("critical"); j.bool(c.isCritical)
            }
            if !file.ancillaryChunks.isEmpty {
                j.key("ancillary_chunks")
                j.arrayOfObjects(file.ancillaryChunks) { chunk in
                    j.key("type"); j.string(chunk.type)
                    j.key("bytes"); j.number(chunk.data.count)
                }
            }
            j.key("metadata")
            j.object {
                for (key, value) in file.metadata.entries {
                    j.key(key)
                    switch value {
                    case .string(let s): j.string(s)
                    case .number(let d): j.double(d)
                    case .bool(let b): j.bool(b)
                    case .stringList(let l): j.array(l.map { .string($0) })
                    }
                }
            }
            j.key("self_test")
            if let test = file.selfTest, let report = selfTest {
                j.object {
                    j.key("rows"); j.number(test.inputs.count)
                    j.key("tolerance"); j.float(test.tolerance)
                    j.key("max_difference"); j.float(report.maxDifference)
                    j.key("passed"); j.bool(report.passed)
                }
            } else {
                j.null()
            }
        }
        return j.text
    }
}

public func kindText(_ kind: OutputKind) -> String {
    switch kind {
    case .scores: return "scores"
    case .probabilities: return "probabilities"
    case .regression: return "regression values"
    }
}

public func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

public func valueText(_ value: MetadataValue) -> String {
    switch value {
    case .string(let s): return "\"\(s)\""
    case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : "\(d)"
    case .bool(let b): return b ? "true" : "false"
    case .stringList(let l): return l.count > 12 ? "[\(l.prefix(6).joined(separator: ", ")), … (\(l.count) items)]" : "[\(l.joined(separator: ", "))]"
    }
}

public func grouped(_ n: Int) -> String {
    let digits = Array(String(n))
    var out = ""
    for (i, d) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
        out.append(d)
    }
    return out
}

public func formatTable(_ rows: [[String]], rightAligned: Set<Int>) -> String {
    var widths = [Int](repeating: 0, count: rows.first?.count ?? 0)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    var out = ""
    for row in rows {
        var line = ""
        for (i, cell) in row.enumerated() {
            let pad = String(repeating: " ", count: widths[i] - cell.count)
            line += i == 0 ? "  " : "  "
            line += rightAligned.contains(i) ? pad + cell : cell + pad
        }
        while line.hasSuffix(" ") { line.removeLast() }
        out += line + "\n"
    }
    return out
}
