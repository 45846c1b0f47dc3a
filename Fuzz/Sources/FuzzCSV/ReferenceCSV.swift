// The slow, obviously-correct reading of the CSV rules the fuzz target checks NNZCSV against,
// written straight from CSVReader's documentation (RFC 4180 with its stated conventions):
//
// * a record ends at LF, CR LF or a lone CR outside quotes, or at the end of the input;
// * a line holding nothing before its terminator is blank and skipped;
// * a field starting with `"` is quoted: up to the closing quote, `""` stands for one quote,
//   delimiters and line breaks are literal; after the closing quote comes a delimiter, a line
//   end or the end of the input, anything else is an error, and so is the end of the input
//   inside quotes; a `"` inside an unquoted field is an error;
// * lines are physical lines: LF, CR LF and lone CR each end one, also inside quoted fields;
//   errors name the line and byte offset where the offending field starts (the record, for a
//   wrong field count), columns are 1-based.
//
// One byte at a time, no lookup tables, no pointers.

/// What a syntax or content failure the reference finds looks like; NNZCSV must report the same.
struct ReferenceError: Equatable, CustomStringConvertible {
    enum Kind: Equatable { case unterminatedQuote, quoteInUnquotedField, garbageAfterQuote, raggedRow(expected: Int, found: Int), invalidNumber }
    var kind: Kind
    var line: Int
    var column: Int
    var byteOffset: Int

    var description: String { "\(kind) at line \(line), column \(column), offset \(byteOffset)" }
}

/// One field: the raw content between its quotes (doubled quotes kept), the collapsed value.
struct ReferenceField {
    var rawStart: Int
    var rawEnd: Int
    var value: [UInt8]
    var hasDoubledQuotes: Bool
    var quoted: Bool
    var line: Int
    var offset: Int
}

struct ReferenceRecord {
    var offset: Int
    var line: Int
    var fields: [ReferenceField]
    /// Offset just after the record (after its terminator).
    var end: Int
    /// Physical lines it spans (1 + line breaks inside its quoted fields).
    var lines: Int
}

/// The whole input read by the rules above: records up to the first syntax error, the error,
/// every record boundary, and the physical line count consumed.
struct ReferenceCSV {
    var records: [ReferenceRecord] = []
    var syntaxError: ReferenceError?
    /// The fields read before the syntax error in the record holding it (numbers in them are
    /// checked before the parser reaches the error).
    var fieldsBeforeError: [ReferenceField] = []
    /// Every record boundary (0, and the offset after each terminator outside quotes, and the
    /// end of a last record without one) → the physical line that starts there.
    var lineAt: [Int: Int] = [0: 1]

    init(_ b: [UInt8], delimiter: UInt8) {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        let n = b.count
        var pos = 0
        var line = 1
        /// Offset after the line break starting at `i` (CR LF is one break).
        func afterBreak(_ i: Int) -> Int { b[i] == cr && i + 1 < n && b[i + 1] == lf ? i + 2 : i + 1 }
        func lineBreaks(_ from: Int, _ to: Int) -> Int {
            var count = 0
            var i = from
            while i < to {
                if b[i] == lf || b[i] == cr {
                    count += 1
                    i = b[i] == cr && i + 1 < to && b[i + 1] == lf ? i + 2 : i + 1
                } else {
                    i += 1
                }
            }
            return count
        }
        while true {
            while pos < n && (b[pos] == lf || b[pos] == cr) {
                pos = afterBreak(pos)
                line += 1
                lineAt[pos] = line
            }
            if pos >= n { return }
            var record = ReferenceRecord(offset: pos, line: line, fields: [], end: 0, lines: 1)
            var fieldLine = line
            var recordEnds = false
            while !recordEnds {
                let start = pos
                var field = ReferenceField(rawStart: pos, rawEnd: pos, value: [], hasDoubledQuotes: false,
                                           quoted: false, line: fieldLine, offset: start)
                let column = record.fields.count + 1
                if pos < n && b[pos] == quote {
                    field.quoted = true
                    field.rawStart = pos + 1
                    var i = pos + 1
                    while true {
                        if i >= n {
                            syntaxError = ReferenceError(kind: .unterminatedQuote, line: fieldLine, column: column, byteOffset: start)
                            fieldsBeforeError = record.fields
                            return
                        }
                        if b[i] == quote {
                            if i + 1 < n && b[i + 1] == quote {
                                field.value.append(quote)
                                field.hasDoubledQuotes = true
                                i += 2
                                continue
                            }
                            field.rawEnd = i
                            if i + 1 >= n {
                                pos = n
                                recordEnds = true
                            } else if b[i + 1] == delimiter {
                                pos = i + 2
                            } else if b[i + 1] == lf || b[i + 1] == cr {
                                pos = afterBreak(i + 1)
                                recordEnds = true
                            } else {
                                syntaxError = ReferenceError(kind: .garbageAfterQuote, line: fieldLine, column: column, byteOffset: i + 1)
                                fieldsBeforeError = record.fields
                                return
                            }
                            break
                        }
                        field.value.append(b[i])
                        i += 1
                    }
                    let breaks = lineBreaks(field.rawStart, field.rawEnd)
                    fieldLine += breaks
                    record.lines += breaks
                } else {
                    var i = pos
                    while true {
                        if i >= n {
                            pos = n
                            recordEnds = true
                            break
                        }
                        let c = b[i]
                        if c == delimiter {
                            pos = i + 1
                            break
                        }
                        if c == lf || c == cr {
                            pos = afterBreak(i)
                            recordEnds = true
                            break
                        }
                        if c == quote {
                            syntaxError = ReferenceError(kind: .quoteInUnquotedField, line: fieldLine, column: column, byteOffset: i)
                            fieldsBeforeError = record.fields
                            return
                        }
                        field.value.append(c)
                        i += 1
                    }
                    field.rawEnd = i
                }
                record.fields.append(field)
            }
            record.end = pos
            line += record.lines
            lineAt[pos] = line
            records.append(record)
        }
    }

    /// The numeric reading CSVChunkParser.parseFloats must give: each record's mapped fields as
    /// numbers (reference float syntax, strtof value), the field count checked after the record's
    /// fields; stops at the first syntax, number or count error.
    func floatRows(fieldCount: Int, destinations: [Int], outputCount: Int, allowNonFinite: Bool)
        -> (rows: [[Float]], error: ReferenceError?)
    {
        var rows: [[Float]] = []
        var row = [Float](repeating: 0, count: outputCount)
        func numberError(_ fields: [ReferenceField]) -> ReferenceError? {
            for (k, field) in fields.enumerated() where k < fieldCount && destinations[k] >= 0 {
                guard let v = ReferenceFloat.parse(field.quoted ? rawValue(field) : field.value),
                      allowNonFinite || v.isFinite else {
                    return ReferenceError(kind: .invalidNumber, line: field.line, column: k + 1, byteOffset: field.offset)
                }
                row[destinations[k]] = v
            }
            return nil
        }
        for record in records {
            if let e = numberError(record.fields) { return (rows, e) }
            if record.fields.count != fieldCount {
                return (rows, ReferenceError(kind: .raggedRow(expected: fieldCount, found: record.fields.count),
                                             line: record.line, column: min(record.fields.count, fieldCount) + 1,
                                             byteOffset: record.offset))
            }
            rows.append(row)
        }
        if syntaxError != nil, let e = numberError(fieldsBeforeError) { return (rows, e) }
        return (rows, syntaxError)
    }

    /// A quoted field's text as it stands between the quotes (a number never holds a quote, so
    /// collapsing or not cannot change whether it parses; this keeps the doubled form).
    private func rawValue(_ f: ReferenceField) -> [UInt8] {
        var out: [UInt8] = []
        for c in f.value {
            out.append(c)
            if c == UInt8(ascii: "\"") { out.append(c) }
        }
        return out
    }
}
