/// Reads a CSV file with a header row into a ``Dataset``.
///
/// Format: comma-separated, first line is the header, fields may be quoted with `"` (a quote
/// inside is written `""`), `\n` or `\r\n` line ends, blank lines ignored, an optional UTF-8
/// byte-order mark. Every row must have as many fields as the header.
///
/// The target column is chosen by name; every other column is a feature and must hold finite
/// numbers. The task follows from the target values (``TaskKind/automatic``): if every value is
/// a number and all are integers with at most 256 distinct values, the rows are classes labelled
/// by those integers in numeric order; any other all-numeric target is regression; a target
/// with any non-numeric value is classes labelled by the strings in byte order.
///
/// ```swift
/// let data = try CSVLoader.load(path: "digits_train.csv", target: "label", inputShape: [1, 8, 8])
/// ```
public enum CSVLoader {
    /// What the target column means.
    public enum TaskKind: String, Sendable {
        case automatic = "auto"
        case classification
        case regression
    }

    /// Loads `path`. `inputShape` (e.g. `[1, 8, 8]`) must multiply to the number of features.
    /// `classLabels` fixes the classes and their order (a test file read with the training
    /// file's labels); a target value outside them is an error.
    public static func load(path: String, target: String?, task: TaskKind = .automatic, inputShape: [Int]? = nil,
                            classLabels: [String]? = nil) throws(DataError) -> Dataset {
        let bytes = try FileIO.read(path)
        return try parse(bytes, path: path, target: target, task: task, inputShape: inputShape, classLabels: classLabels)
    }

    /// Parses CSV text already in memory; `path` only names the source in errors.
    /// `target` nil means the last column.
    public static func parse(_ bytes: [UInt8], path: String? = nil, target: String?, task: TaskKind = .automatic,
                             inputShape: [Int]? = nil, classLabels: [String]? = nil) throws(DataError) -> Dataset {
        var records = try CSVRecords(bytes, path: path)
        guard let header = try records.next() else {
            throw DataError(.badData, "the file is empty; expected a header line with column names", path: path)
        }
        let names = header.fields.map(\.text)
        var seen: [String: Int] = [:]
        for (i, name) in names.enumerated() {
            if name.isEmpty {
                throw DataError(.badData, "column \(i + 1) of the header has no name", path: path, line: header.line, column: header.fields[i].column)
            }
            if let first = seen[name] {
                throw DataError(.badData, "the column name \"\(name)\" appears twice (columns \(first + 1) and \(i + 1))", path: path, line: header.line, column: header.fields[i].column)
            }
            seen[name] = i
        }
        let targetIndex: Int
        if let target {
            guard let index = seen[target] else {
                throw DataError(.badData, "no column named \"\(target)\"; the columns are: \(names.joined(separator: ", "))", path: path, line: header.line, column: 1)
            }
            targetIndex = index
        } else {
            targetIndex = names.count - 1
        }
        guard names.count >= 2 else {
            throw DataError(.badData, "expected at least two columns (features and a target), found \(names.count)", path: path, line: header.line)
        }
        let featureNames = names.enumerated().filter { $0.offset != targetIndex }.map(\.element)
        if let inputShape, inputShape.reduce(1, *) != featureNames.count {
            throw DataError(.badData, "the input shape \(inputShape.map(String.init).joined(separator: "x")) holds \(inputShape.reduce(1, *)) values but the file has \(featureNames.count) feature columns", path: path)
        }

        var features: [Float] = []
        var targetTexts: [String] = []
        var targetPlaces: [(line: Int, column: Int)] = []
        while let record = try records.next() {
            guard record.fields.count == names.count else {
                throw DataError(.badData, "expected \(names.count) fields like the header, found \(record.fields.count)", path: path, line: record.line, column: record.fields.count > names.count ? record.fields[names.count].column : nil)
            }
            for (i, field) in record.fields.enumerated() {
                if i == targetIndex {
                    targetTexts.append(field.text)
                    targetPlaces.append((record.line, field.column))
                    continue
                }
                guard let value = Float(field.text.trimmingSpaces), value.isFinite else {
                    let found = field.text.isEmpty ? "an empty field" : "\"\(field.text)\""
                    throw DataError(.badData, "expected a finite number in column \"\(names[i])\", found \(found)", path: path, line: record.line, column: field.column)
                }
                features.append(value)
            }
        }
        guard !targetTexts.isEmpty else {
            throw DataError(.badData, "the file has a header but no data rows", path: path)
        }
        let targets: Targets
        if let classLabels {
            var index: [String: Int32] = [:]
            for (i, label) in classLabels.enumerated() { index[label] = Int32(i) }
            var rows: [Int32] = []
            rows.reserveCapacity(targetTexts.count)
            for (i, text) in targetTexts.enumerated() {
                let trimmed = text.trimmingSpaces
                // Integer labels match by value ("07" is class "7").
                let key = Int64(trimmed).map(String.init) ?? trimmed
                guard let label = index[trimmed] ?? index[key] else {
                    throw DataError(.badData, "the class \"\(trimmed)\" is not one of the model's classes (\(classLabels.prefix(12).joined(separator: ", "))\(classLabels.count > 12 ? ", …" : ""))", path: path, line: targetPlaces[i].line, column: targetPlaces[i].column)
                }
                rows.append(label)
            }
            targets = .classes(rows, labels: classLabels)
        } else {
            targets = try makeTargets(targetTexts, places: targetPlaces, name: names[targetIndex], task: task, path: path)
        }
        return Dataset(featureNames: featureNames, sampleShape: inputShape ?? [featureNames.count], features: features,
                       targets: targets, targetName: names[targetIndex])
    }

    private static func makeTargets(_ texts: [String], places: [(line: Int, column: Int)], name: String,
                                    task: TaskKind, path: String?) throws(DataError) -> Targets {
        let trimmed = texts.map { $0.trimmingSpaces }
        var numbers: [Double] = []
        numbers.reserveCapacity(trimmed.count)
        var firstNonNumeric: Int?
        for (i, text) in trimmed.enumerated() {
            if let v = Double(text), v.isFinite { numbers.append(v) } else { firstNonNumeric = i; break }
        }
        let allNumeric = firstNonNumeric == nil
        if let i = firstNonNumeric, trimmed[i].isEmpty {
            throw DataError(.badData, "the target column \"\(name)\" is empty here; expected a value", path: path, line: places[i].line, column: places[i].column)
        }
        let allIntegers = allNumeric && numbers.allSatisfy { $0 == $0.rounded() && abs($0) < 1e15 }
        let distinct = Set(trimmed).count

        let classification: Bool
        switch task {
        case .classification: classification = true
        case .regression:
            if let i = firstNonNumeric {
                throw DataError(.badData, "expected a number in the regression target \"\(name)\", found \"\(texts[i])\"", path: path, line: places[i].line, column: places[i].column)
            }
            classification = false
        case .automatic:
            classification = !allNumeric || (allIntegers && Set(numbers).count <= 256)
        }
        if !classification {
            return .values(numbers.map { Float($0) }, width: 1)
        }
        // Class labels: integers in numeric order, otherwise strings in byte order.
        var labels: [String]
        var index: [String: Int32] = [:]
        if allIntegers {
            let values = Array(Set(numbers)).sorted()
            labels = values.map { String(Int64($0)) }
            for (i, v) in values.enumerated() { index[String(Int64(v))] = Int32(i) }
            let rows = numbers.map { index[String(Int64($0))]! }
            guard labels.count >= 2 else {
                throw DataError(.badData, "the target column \"\(name)\" holds a single class (\(labels[0])); classification needs at least two", path: path)
            }
            return .classes(rows, labels: labels)
        }
        labels = Array(Set(trimmed)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        for (i, label) in labels.enumerated() { index[label] = Int32(i) }
        guard labels.count >= 2 else {
            throw DataError(.badData, "the target column \"\(name)\" holds a single class (\(labels[0])); classification needs at least two", path: path)
        }
        _ = distinct
        return .classes(trimmed.map { index[$0]! }, labels: labels)
    }
}

/// One CSV record: its fields with their 1-based character columns, and its line number.
struct CSVRecord {
    var fields: [(text: String, column: Int)]
    var line: Int
}

/// A pull parser over CSV bytes (RFC 4180 quoting, blank lines skipped).
struct CSVRecords {
    private let bytes: [UInt8]
    private let path: String?
    private var position = 0
    private var line = 1

    init(_ bytes: [UInt8], path: String?) throws(DataError) {
        self.bytes = bytes
        self.path = path
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    mutating func next() throws(DataError) -> CSVRecord? {
        // Skip blank lines.
        while position < bytes.count && (bytes[position] == 0x0A || bytes[position] == 0x0D) {
            if bytes[position] == 0x0A { line += 1 }
            position += 1
        }
        guard position < bytes.count else { return nil }
        let recordLine = line
        var lineStart = position
        var fields: [(text: String, column: Int)] = []
        var field: [UInt8] = []
        var fieldColumn = 1
        // Character (not byte) columns, counted incrementally from the line start.
        var scanOffset = lineStart, scanColumn = 1
        func column(at offset: Int, lineStart: Int) -> Int {
            if scanOffset < lineStart || offset < scanOffset { scanOffset = lineStart; scanColumn = 1 }
            while scanOffset < offset {
                if bytes[scanOffset] & 0xC0 != 0x80 { scanColumn += 1 }
                scanOffset += 1
            }
            return scanColumn
        }
        while true {
            fieldColumn = column(at: position, lineStart: lineStart)
            field.removeAll(keepingCapacity: true)
            if position < bytes.count && bytes[position] == 0x22 { // quoted field
                let openLine = line, openColumn = fieldColumn
                position += 1
                while true {
                    guard position < bytes.count else {
                        throw DataError(.badData, "a quoted field is never closed; expected a closing '\"'", path: path, line: openLine, column: openColumn)
                    }
                    let b = bytes[position]
                    if b == 0x22 {
                        if position + 1 < bytes.count && bytes[position + 1] == 0x22 {
                            field.append(0x22)
                            position += 2
                            continue
                        }
                        position += 1
                        break
                    }
                    if b == 0x0A { line += 1; lineStart = position + 1 }
                    field.append(b)
                    position += 1
                }
                if position < bytes.count && bytes[position] != 0x2C && bytes[position] != 0x0A && bytes[position] != 0x0D {
                    throw DataError(.badData, "expected a comma or the end of the line after a quoted field", path: path, line: line, column: column(at: position, lineStart: lineStart))
                }
            } else {
                while position < bytes.count {
                    let b = bytes[position]
                    if b == 0x2C || b == 0x0A || b == 0x0D { break }
                    field.append(b)
                    position += 1
                }
            }
            guard let text = String(validating: field, as: UTF8.self) else {
                throw DataError(.badData, "the field is not valid UTF-8", path: path, line: line, column: fieldColumn)
            }
            fields.append((text, fieldColumn))
            if position < bytes.count && bytes[position] == 0x2C {
                position += 1
                continue
            }
            // End of record.
            if position < bytes.count && bytes[position] == 0x0D { position += 1 }
            if position < bytes.count && bytes[position] == 0x0A { position += 1; line += 1 }
            return CSVRecord(fields: fields, line: recordLine)
        }
    }
}
