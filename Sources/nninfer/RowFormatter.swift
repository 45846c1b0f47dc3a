import NNZRuntime

/// A growable byte buffer that output rows are formatted into before one large write.
struct ByteBuffer {
    private(set) var storage: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 1 << 16) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    mutating func removeAll() { count = 0 }

    /// Room for `n` more bytes at `storage + count`.
    mutating func reserve(_ n: Int) {
        guard count + n > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < count + n { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: storage, count: count)
        storage.deallocate()
        storage = grown
        capacity = newCapacity
    }

    mutating func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    mutating func append(_ bytes: [UInt8]) {
        reserve(bytes.count)
        bytes.withUnsafeBufferPointer { (storage + count).update(from: $0.baseAddress!, count: $0.count) }
        count += bytes.count
    }

    mutating func append(_ value: Float, precision: Int?) {
        reserve(FloatFormatter.maxLength)
        if let precision {
            count += FloatFormatter.write(value, precision: precision, to: storage + count)
        } else {
            count += FloatFormatter.writeShortest(value, to: storage + count)
        }
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: count) }
}

/// Lays out output rows in CSV, TSV or JSON Lines.
struct RowFormatter: @unchecked Sendable {
    let format: OutputFormat
    let isClassifier: Bool
    let topK: Int?
    let precision: Int?
    let names: [String]
    let separator: UInt8
    /// Pre-encoded output names: quoted CSV fields, or JSON strings.
    let encodedNames: [[UInt8]]
    /// Pre-encoded keys for JSON Lines (`"name":`), one per value column.
    let jsonKeys: [[UInt8]]
    /// Names of the kept input columns (JSON keys), set once the header is known.
    var keptNames: [String] = []

    init(model: Model, format: OutputFormat, topK: Int?, precision: Int?) {
        self.format = format
        isClassifier = model.isClassifier
        self.topK = topK.map { min($0, model.outputWidth) }
        self.precision = precision
        names = model.isClassifier ? model.outputNames : (0..<model.outputWidth).map { "y\($0)" }
        separator = format == .tsv ? 9 : UInt8(ascii: ",")
        let sep = separator
        encodedNames = names.map { format == .jsonl ? Array(JSONWriter.quoted($0).utf8) : csvField($0, separator: sep) }
        jsonKeys = names.map { Array((JSONWriter.quoted($0) + ":").utf8) }
    }

    /// Column names, in output order.
    func columnNames(kept: [String]) -> [String] {
        var columns = kept
        if let topK {
            for k in 1...topK { columns += ["label_\(k)", "score_\(k)"] }
        } else {
            columns += names
            if isClassifier { columns.append("predicted") }
        }
        return columns
    }

    /// The header line (CSV/TSV); nothing for JSON Lines.
    func header(kept: [String]) -> [UInt8] {
        guard format != .jsonl else { return [] }
        var out: [UInt8] = []
        for (i, name) in columnNames(kept: kept).enumerated() {
            if i > 0 { out.append(separator) }
            out += csvField(name, separator: separator)
        }
        out.append(10)
        return out
    }

    /// One whole output line for the slow path (with kept input columns).
    func row(_ values: [Float], kept: [String]) -> [UInt8] {
        var buffer = ByteBuffer(capacity: 256)
        values.withUnsafeBufferPointer { append($0, kept: kept, to: &buffer) }
        return Array(buffer.bytes)
    }

    func append(_ values: UnsafeBufferPointer<Float>, to out: inout ByteBuffer) {
        append(values, kept: [], to: &out)
    }

    func append(_ values: UnsafeBufferPointer<Float>, kept: [String], to out: inout ByteBuffer) {
        let keptNames = kept.isEmpty ? [] : columnNamesForKept(kept.count)
        if format == .jsonl {
            out.append(UInt8(ascii: "{"))
            var first = true
            func key(_ bytes: [UInt8]) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                out.append(bytes)
            }
            for (i, text) in kept.enumerated() {
                key(Array((JSONWriter.quoted(keptNames[i]) + ":").utf8))
                out.append(Array(JSONWriter.quoted(text).utf8))
            }
            if let topK {
                for (rank, index) in topIndices(values, topK).enumerated() {
                    key(Array("\"label_\(rank + 1)\":".utf8)); out.append(encodedNames[index])
                    key(Array("\"score_\(rank + 1)\":".utf8)); appendJSON(values[index], to: &out)
                }
            } else {
                for i in 0..<values.count {
                    key(jsonKeys[i])
                    appendJSON(values[i], to: &out)
                }
                if isClassifier {
                    key(Array("\"predicted\":".utf8))
                    out.append(encodedNames[argmax(values)])
                }
            }
            out.append(UInt8(ascii: "}"))
            out.append(10)
            return
        }
        for text in kept {
            out.append(csvField(text, separator: separator))
            out.append(separator)
        }
        if let topK {
            for (rank, index) in topIndices(values, topK).enumerated() {
                if rank > 0 { out.append(separator) }
                out.append(encodedNames[index])
                out.append(separator)
                out.append(values[index], precision: precision)
            }
        } else {
            for i in 0..<values.count {
                if i > 0 { out.append(separator) }
                out.append(values[i], precision: precision)
            }
            if isClassifier {
                out.append(separator)
                out.append(encodedNames[argmax(values)])
            }
        }
        out.append(10)
    }

    private func columnNamesForKept(_ count: Int) -> [String] {
        keptNames.count == count ? keptNames : (0..<count).map { "column\($0 + 1)" }
    }

    private func appendJSON(_ value: Float, to out: inout ByteBuffer) {
        if value.isFinite { out.append(value, precision: precision) } else { out.append(Array("null".utf8)) }
    }
}

/// Index of the largest value (the first on ties; NaN never wins).
func argmax(_ values: UnsafeBufferPointer<Float>) -> Int {
    var best = 0
    for i in 1..<max(1, values.count) where values[i] > values[best] || values[best].isNaN { best = i }
    return best
}

/// Indices of the `k` largest values, best first, ties in index order.
func topIndices(_ values: UnsafeBufferPointer<Float>, _ k: Int) -> [Int] {
    Array(values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }.prefix(k))
}

/// A field quoted per RFC 4180 when it holds the separator, a quote, CR or LF.
func csvField(_ text: String, separator: UInt8) -> [UInt8] {
    let bytes = Array(text.utf8)
    guard bytes.contains(where: { $0 == separator || $0 == 34 || $0 == 10 || $0 == 13 }) else { return bytes }
    var out: [UInt8] = [34]
    for b in bytes {
        if b == 34 { out.append(34) }
        out.append(b)
    }
    out.append(34)
    return out
}
