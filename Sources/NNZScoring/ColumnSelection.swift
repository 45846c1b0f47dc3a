import NNZCSV
import NNZRuntime

/// Which input columns feed the model and which pass through to the output.
struct ColumnSelection {
    /// CSV column → model input position.
    let features: CSVColumnMap
    /// 0-based input columns passed through (`--keep`), in the order asked for.
    let kept: [Int]
    /// Output names of the kept columns: their header names, or `column<N>` without a header.
    let keptNames: [String]

    /// The header rule: without `--header` / `--no-header`, a first record is a header when
    /// it is not all numbers.
    static func looksLikeHeader(_ record: [String]) -> Bool {
        !record.allSatisfy { FloatParser.parse($0) != nil }
    }

    /// Maps the columns of an input whose first record has `fieldCount` fields (and is the
    /// `header`, when there is one).
    init(model: Model, keep: [String], fieldCount: Int, header: [String]?, inputName: String, line: Int) throws(ScoringError) {
        var kept: [Int] = []
        for spec in keep {
            if let header, let index = header.firstIndex(where: { $0.utf8.elementsEqual(spec.utf8) }) {
                kept.append(index)
            } else if let number = Int(spec), (1...max(1, fieldCount)).contains(number), number <= fieldCount {
                kept.append(number - 1)
            } else {
                let available = header.map { ": the header has " + $0.joined(separator: ", ") } ?? " (no header: give a column number 1–\(fieldCount))"
                throw ScoringError(.usage, "\(inputName):\(line): --keep \(spec): no such column\(available)")
            }
        }
        self.kept = kept
        keptNames = kept.map { header?[$0] ?? "column\($0 + 1)" }
        if let header, let names = model.featureNames {
            let (map, missing, ambiguous) = CSVColumnMap.byName(header: header, names: names)
            if !missing.isEmpty {
                throw ScoringError(.badData, "\(inputName):\(line): missing column\(missing.count == 1 ? "" : "s") \(missing.map { "'\($0)'" }.joined(separator: ", ")) that the model needs (it expects \(names.count) named features)")
            }
            if !ambiguous.isEmpty {
                throw ScoringError(.badData, "\(inputName):\(line): column\(ambiguous.count == 1 ? "" : "s") \(ambiguous.map { "'\($0)'" }.joined(separator: ", ")) appear more than once in the header")
            }
            features = map!
            return
        }
        let featureColumns = (0..<fieldCount).filter { !kept.contains($0) }
        guard featureColumns.count == model.inputWidth else {
            throw ScoringError(.badData, "\(inputName):\(line): found \(featureColumns.count) feature column\(featureColumns.count == 1 ? "" : "s")\(kept.isEmpty ? "" : " (besides --keep)"), expected \(model.inputWidth) (the model's input width)")
        }
        var destinations = [Int32](repeating: -1, count: fieldCount)
        for (k, column) in featureColumns.enumerated() { destinations[column] = Int32(k) }
        features = CSVColumnMap(fieldCount: fieldCount, destinations: destinations)
    }
}
