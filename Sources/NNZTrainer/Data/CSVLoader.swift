import NNZCSV
import NNZRuntime


/// Reads a CSV file with a header row into a ``Dataset``, through NNZRuntime's streaming
/// ``CSVReader`` (RFC 4180 quoting, `\n`, `\r\n` or `\r` line ends, blank lines skipped, an
/// optional UTF-8 byte-order mark). Every row must have as many fields as the header.
///
/// The target column is chosen by name; every other column is a feature and must hold finite
/// numbers. The task follows from the target values (``TaskKind/automatic``): if every value is
/// a number and all are integers with at most 256 distinct values, the rows are classes labelled
/// by those integers in numeric order; any other all-numeric target is regression; a target
/// with any non-numeric value is classes labelled by the strings in byte order.
///
/// Errors read like nninfer's: `path:line:column: message` with the 1-based physical line and
/// the 1-based field number, saying what was found and what was expected.
///
/// ```swift
/// let data = try CSVLoader.load(path: "digits_train.csv", target: "label", inputShape: [1, 8, 8])
/// ```
public enum CSVLoader {
    /// What the target column means.
    public enum TaskKind: String, Sendable, CaseIterable {
        case automatic = "auto"
        case classification
        case regression
    }

    /// Loads `path` (`-` reads standard input). `target` nil means the last column.
    /// `inputShape` (e.g. `[1, 8, 8]`) must multiply to the number of features.
    /// `classLabels` fixes the classes and their order (a test file read with the training
    /// file's labels); a target value outside them is an error.
    public static func load(path: String, target: String?, task: TaskKind = .automatic, inputShape: [Int]? = nil,
                            classLabels: [String]? = nil) throws(DataError) -> Dataset {
        do {
            return try read(path: path, target: target, task: task, inputShape: inputShape, classLabels: classLabels)
        } catch let error as DataError {
            throw error
        } catch let error as CSVError {
            let kind: DataError.Kind = error.sysexitsCode == 66 ? .missingInput : error.sysexitsCode == 74 ? .io : .badData
            throw DataError(kind, error.message, path: error.path, line: error.line > 0 ? error.line : nil,
                            column: error.column > 0 ? error.column : nil)
        } catch {
            throw DataError(.io, "\(error)", path: path)
        }
    }

    private static func read(path: String, target: String?, task: TaskKind, inputShape: [Int]?,
                             classLabels: [String]?) throws -> Dataset {
        let reader = try CSVReader(path: path)
        guard let names = try reader.readHeader() else {
            throw DataError(.badData, "found an empty file, expected a header line with column names", path: path)
        }
        let headerLine = reader.line
        var seen: [String: Int] = [:]
        for (i, name) in names.enumerated() {
            if name.isEmpty {
                throw DataError(.badData, "found an empty column name, expected a name for every column", path: path, line: headerLine, column: i + 1)
            }
            if let first = seen[name] {
                throw DataError(.badData, "found the column name \"\(name)\" a second time (first in column \(first + 1)), expected unique names", path: path, line: headerLine, column: i + 1)
            }
            seen[name] = i
        }
        guard names.count >= 2 else {
            throw DataError(.badData, "found \(names.count) column, expected at least two (features and a target)", path: path, line: headerLine)
        }
        let targetIndex: Int
        if let target {
            guard let index = seen[target] else {
                throw DataError(.badData, "found no column named \"\(target)\", expected one of: \(names.joined(separator: ", "))", path: path, line: headerLine)
            }
            targetIndex = index
        } else {
            targetIndex = names.count - 1
        }
        let featureNames = names.enumerated().filter { $0.offset != targetIndex }.map(\.element)
        if let inputShape, inputShape.reduce(1, *) != featureNames.count {
            throw DataError(.badData, "found \(featureNames.count) feature columns, expected \(inputShape.reduce(1, *)) for the input shape \(inputShape.map(String.init).joined(separator: "x"))", path: path, line: headerLine)
        }

        var features: [Float] = []
        var targetTexts: [String] = []
        var targetLines: [Int] = []
        while try reader.nextRecord() {
            guard reader.fieldCount == names.count else {
                throw DataError(.badData, "found \(reader.fieldCount) fields, expected \(names.count) like the header", path: path, line: reader.line)
            }
            for i in 0..<names.count {
                if i == targetIndex {
                    targetTexts.append(try reader.string(at: i))
                    targetLines.append(reader.line)
                    continue
                }
                guard let value = reader.float(at: i), value.isFinite else {
                    let text = try reader.string(at: i)
                    let found = text.isEmpty ? "an empty field" : "\"\(text.count > 64 ? String(text.prefix(64)) + "…" : text)\""
                    throw DataError(.badData, "found \(found) in column \"\(names[i])\", expected a finite number", path: path, line: reader.line, column: i + 1)
                }
                features.append(value)
            }
        }
        guard !targetTexts.isEmpty else {
            throw DataError(.badData, "found a header but no data rows, expected at least one row", path: path)
        }
        let places = targetLines.map { (line: $0, column: targetIndex + 1) }
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
                    throw DataError(.badData, "found the class \"\(trimmed)\", expected one of the model's classes (\(classLabels.prefix(12).joined(separator: ", "))\(classLabels.count > 12 ? ", …" : ""))", path: path, line: places[i].line, column: places[i].column)
                }
                rows.append(label)
            }
            targets = .classes(rows, labels: classLabels)
        } else {
            targets = try makeTargets(targetTexts, places: places, name: names[targetIndex], task: task, path: path)
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
        if let i = trimmed.firstIndex(where: \.isEmpty) {
            throw DataError(.badData, "found an empty field in the target column \"\(name)\", expected a value", path: path, line: places[i].line, column: places[i].column)
        }
        let allIntegers = allNumeric && numbers.allSatisfy { $0 == $0.rounded() && abs($0) < 1e15 }

        let classification: Bool
        switch task {
        case .classification: classification = true
        case .regression:
            if let i = firstNonNumeric {
                throw DataError(.badData, "found \"\(texts[i])\" in the regression target \"\(name)\", expected a number", path: path, line: places[i].line, column: places[i].column)
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
                throw DataError(.badData, "found a single class (\(labels[0])) in the target column \"\(name)\", expected at least two", path: path)
            }
            return .classes(rows, labels: labels)
        }
        labels = Array(Set(trimmed)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        for (i, label) in labels.enumerated() { index[label] = Int32(i) }
        guard labels.count >= 2 else {
            throw DataError(.badData, "found a single class (\(labels[0])) in the target column \"\(name)\", expected at least two", path: path)
        }
        return .classes(trimmed.map { index[$0]! }, labels: labels)
    }
}

