import NNZCSV
import NNZRuntime

extension CSVScorer {
    /// Reads every row of `input` as model input, with the header and column rules of
    /// ``score(_:to:badRow:)`` (a header detected or forced by ``ScoringOptions/header``,
    /// columns matched by feature name when the model has names and the input a header,
    /// otherwise by position leaving out ``ScoringOptions/keep``), without scoring them:
    /// for callers that batch rows themselves, like a server answering requests.
    ///
    /// ```swift
    /// let scorer = try CSVScorer(model: model)
    /// let (values, rows) = try scorer.readRows(reader)   // rows × model.inputWidth floats, input order
    /// ```
    ///
    /// Errors are those of a scoring run with the same message (file, line and column): a
    /// ragged row, a cell that is not a finite number, a missing feature column, empty input.
    /// ``ScoringOptions/skipBadRows`` does not apply here: the first bad row is thrown.
    /// `maxRows` bounds the rows read (a ``ScoringError/Kind/badData`` error past it).
    public func readRows(_ input: CSVReader, maxRows: Int = .max) throws(ScoringError) -> (values: [Float], rows: Int) {
        let width = model.inputWidth
        let first: [String]?
        do throws(CSVError) {
            first = try input.nextRecord() ? input.strings() : nil
        } catch {
            throw ScoringError(error)
        }
        guard let first else {
            throw ScoringError(.badData, "\(input.name): empty input, expected a header line or rows of \(width) numbers")
        }
        let hasHeader = options.header ?? ColumnSelection.looksLikeHeader(first)
        let columns = try ColumnSelection(model: model, keep: options.keep, fieldCount: first.count,
                                          header: hasHeader ? first : nil, inputName: input.name, line: input.line)
        var values: [Float] = []
        var rows = 0
        do throws(CSVError) {
            if !hasHeader {
                values = [Float](repeating: 0, count: width)
                try values.withUnsafeMutableBufferPointer { (row) throws(CSVError) in
                    try ScoringRun.parseCurrentRecord(input, columns: columns, into: row.baseAddress!)
                }
                rows = 1
            }
            let step = max(1, min(256, (1 << 22) / max(1, width)))
            while true {
                values.append(contentsOf: repeatElement(0, count: step * width))
                let got = try values.withUnsafeMutableBufferPointer { (buffer) throws(CSVError) in
                    try input.readFloatRows(columns: columns.features, into: buffer.baseAddress! + rows * width,
                                            rowStride: width, maxRows: step)
                }
                rows += got
                values.removeLast((step - got) * width)
                if got < step || rows > maxRows { break }
            }
        } catch {
            throw ScoringError(error)
        }
        if rows > maxRows {
            throw ScoringError(.badData, "\(input.name): more than \(maxRows) rows")
        }
        return (values, rows)
    }
}
