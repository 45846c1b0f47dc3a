import NNZCSV
import NNZRuntime

/// Lays out scored rows in CSV, TSV or JSON Lines, through a ``CSVWriter`` (in memory for a
/// worker's piece, or the output itself): the writer does all quoting and buffering.
struct RowFormatter: @unchecked Sendable {
    let format: OutputFormat
    let isClassifier: Bool
    let topK: Int?
    let precision: Int?
    /// Output value names: class labels, or `y0`, `y1`, … for regression.
    let names: [String]
    let separator: UInt8
    /// Pre-encoded output names: CSV fields (quoted where needed) or JSON strings.
    let encodedNames: [[UInt8]]
    /// Pre-encoded JSON keys (`"name":`), one per output value.
    let jsonKeys: [[UInt8]]
    /// Pre-encoded JSON keys of the kept input columns.
    let keptKeys: [[UInt8]]
    /// Pre-encoded JSON keys `"label_k":` and `"score_k":` for top-k output.
    let rankKeys: [(label: [UInt8], score: [UInt8])]

    init(model: Model, format: OutputFormat, topK: Int?, precision: Int?, keptNames: [String]) {
        self.format = format
        isClassifier = model.isClassifier
        let topK = topK.map { min($0, model.outputWidth) }
        self.topK = topK
        self.precision = precision
        names = model.isClassifier ? model.outputNames : (0..<model.outputWidth).map { "y\($0)" }
        let separator: UInt8 = format == .tsv ? 9 : UInt8(ascii: ",")
        self.separator = separator
        func jsonKey(_ name: String) -> [UInt8] { Array((JSONString.quoted(name) + ":").utf8) }
        encodedNames = names.map { format == .jsonl ? Array(JSONString.quoted($0).utf8) : RowFormatter.csvField($0, separator: separator) }
        jsonKeys = names.map(jsonKey)
        keptKeys = keptNames.map(jsonKey)
        rankKeys = (0..<(topK ?? 0)).map { (jsonKey("label_\($0 + 1)"), jsonKey("score_\($0 + 1)")) }
    }

    /// `text` as one CSV field with this separator, quoted per RFC 4180 where needed.
    static func csvField(_ text: String, separator: UInt8) -> [UInt8] {
        let writer = CSVWriter.inMemory(delimiter: separator, capacity: 256)
        try! writer.writeField(text)  // an in-memory writer cannot fail
        return Array(writer.bufferedBytes)
    }

    /// Column names, in output order.
    func columnNames(kept: [String]) -> [String] {
        var columns = kept
        if let topK {
            for k in 0..<topK { columns += ["label_\(k + 1)", "score_\(k + 1)"] }
        } else {
            columns += names
            if isClassifier { columns.append("predicted") }
        }
        return columns
    }

    /// The header line (CSV/TSV); nothing for JSON Lines.
    func writeHeader(kept: [String], to out: CSVWriter) throws(CSVError) {
        guard format != .jsonl else { return }
        for (i, name) in columnNames(kept: kept).enumerated() {
            if i > 0 { try out.write(byte: separator) }
            try out.writeField(name)
        }
        try out.writeNewline()
    }

    /// One output line: the kept input fields (raw UTF-8, already unquoted), then the values.
    func writeRow(_ values: UnsafeBufferPointer<Float>, kept: [UnsafeBufferPointer<UInt8>] = [],
                  to out: CSVWriter) throws(CSVError) {
        if format == .jsonl {
            try writeJSONRow(values, kept: kept, to: out)
            return
        }
        for field in kept {
            try out.writeField(field)
            try out.write(byte: separator)
        }
        if let topK {
            for (rank, index) in topIndices(values, topK).enumerated() {
                if rank > 0 { try out.write(byte: separator) }
                try out.write(encodedNames[index])
                try out.write(byte: separator)
                try writeNumber(values[index], to: out)
            }
        } else {
            for i in 0..<values.count {
                if i > 0 { try out.write(byte: separator) }
                try writeNumber(values[i], to: out)
            }
            if isClassifier {
                try out.write(byte: separator)
                try out.write(encodedNames[argmax(values)])
            }
        }
        try out.writeNewline()
    }

    private func writeJSONRow(_ values: UnsafeBufferPointer<Float>, kept: [UnsafeBufferPointer<UInt8>],
                              to out: CSVWriter) throws(CSVError) {
        try out.write(byte: UInt8(ascii: "{"))
        var first = true
        func key(_ bytes: [UInt8]) throws(CSVError) {
            if !first { try out.write(byte: UInt8(ascii: ",")) }
            first = false
            try out.write(bytes)
        }
        for (i, field) in kept.enumerated() {
            try key(keptKeys[i])
            try out.write(JSONString.quoted(String(decoding: field, as: UTF8.self)))
        }
        if let topK {
            for (rank, index) in topIndices(values, topK).enumerated() {
                try key(rankKeys[rank].label)
                try out.write(encodedNames[index])
                try key(rankKeys[rank].score)
                try writeJSONNumber(values[index], to: out)
            }
        } else {
            for i in 0..<values.count {
                try key(jsonKeys[i])
                try writeJSONNumber(values[i], to: out)
            }
            if isClassifier {
                try key(Array("\"predicted\":".utf8))
                try out.write(encodedNames[argmax(values)])
            }
        }
        try out.write(byte: UInt8(ascii: "}"))
        try out.writeNewline()
    }

    private func writeNumber(_ value: Float, to out: CSVWriter) throws(CSVError) {
        if let precision { try out.write(value, precision: precision) } else { try out.write(value) }
    }

    private func writeJSONNumber(_ value: Float, to out: CSVWriter) throws(CSVError) {
        if value.isFinite { try writeNumber(value, to: out) } else { try out.write("null") }
    }
}

extension CSVWriter {
    /// Appends pre-encoded bytes.
    func write(_ bytes: [UInt8]) throws(CSVError) {
        var failure: CSVError?
        bytes.withUnsafeBytes { raw in
            do throws(CSVError) { try write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
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
