#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NNZCSV

// Differential fuzzing of the CSV path: the same bytes go through CSVChunkParser (split at
// several part counts, each piece parsed alone; and in rows-limited steps), through CSVReader
// with tiny buffers (records, and float rows), and through ReferenceCSV / ReferenceFloat, the
// slow readings written from the documentation. Any disagreement is a crash libFuzzer reports.
//
// Input layout: byte 0 and byte 1 choose the options, the rest is the CSV text.
//   byte 0: bits 0–1 delimiter (, ; TAB |), bit 2 allowNonFinite, bits 3–5 field count
//           (0: the first record's), bits 6–7 column map (all, every other, all but the first,
//           all but the last)
//   byte 1: bits 0–2 reader buffer size, bits 3–5 rows per parse call

struct Options {
    var delimiter: UInt8
    var allowNonFinite: Bool
    var fieldCountChoice: Int
    var mapPattern: Int
    var bufferSize: Int
    var rowsPerCall: Int

    init(_ a: UInt8, _ b: UInt8) {
        delimiter = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")][Int(a & 3)]
        allowNonFinite = a & 4 != 0
        fieldCountChoice = Int(a >> 3) & 7
        mapPattern = Int(a >> 6)
        bufferSize = [64, 65, 67, 80, 100, 128, 257, 4096][Int(b & 7)]
        rowsPerCall = [1, 2, 3, 5, 8, 64, 1000, 1 << 20][Int(b >> 3) & 7]
    }
}

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        let text = Array("FuzzCSV disagreement: \(message())\n".utf8)
        _ = text.withUnsafeBytes { write(2, $0.baseAddress!, $0.count) }
        abort()
    }
}

/// Kind as the reference names it (CSVError.Kind has more cases than the parser can produce).
func referenceKind(_ kind: CSVError.Kind) -> ReferenceError.Kind? {
    switch kind {
    case .unterminatedQuote: return .unterminatedQuote
    case .quoteInUnquotedField: return .quoteInUnquotedField
    case .garbageAfterQuote: return .garbageAfterQuote
    case .raggedRow(let expected, let found): return .raggedRow(expected: expected, found: found)
    case .invalidNumber: return .invalidNumber
    default: return nil
    }
}

func checkError(_ got: CSVError?, _ expected: ReferenceError?, offsetShift: Int = 0, _ context: String) {
    switch (got, expected) {
    case (nil, nil):
        return
    case (let g?, let e?):
        let same = referenceKind(g.kind) == e.kind && g.line == e.line && g.column == e.column
            && g.byteOffset == Int64(e.byteOffset + offsetShift)
        check(same, "\(context): got \(g.kind) line \(g.line) column \(g.column) offset \(g.byteOffset) (\(g.message)); reference \(e)")
    default:
        check(false, "\(context): got \(got.map { "\($0)" } ?? "no error"), reference \(expected.map { "\($0)" } ?? "no error")")
    }
}

func checkRows(_ got: [[Float]], _ expected: [[Float]], _ context: String) {
    check(got.count == expected.count, "\(context): \(got.count) rows, reference \(expected.count)")
    for (r, (g, e)) in zip(got, expected).enumerated() {
        check(zip(g, e).allSatisfy { ReferenceFloat.same($0, $1) }, "\(context): row \(r) is \(g), reference \(e)")
    }
}

/// One scratch file for CSVReader (a descriptor, as in production), rewritten for every input.
let scratch: Int32 = {
    var template = Array("/tmp/nnz-fuzzcsv-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    precondition(fd >= 0, "cannot create a scratch file")
    template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    return fd
}()

func load(_ bytes: [UInt8]) {
    precondition(ftruncate(scratch, 0) == 0)
    var written = 0
    while written < bytes.count {
        let n = bytes.withUnsafeBytes { pwrite(scratch, $0.baseAddress! + written, bytes.count - written, off_t(written)) }
        precondition(n > 0, "cannot write the scratch file")
        written += n
    }
    precondition(lseek(scratch, 0, SEEK_SET) == 0)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let options = Options(data[0], data[1])
    let text = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))
    let reference = ReferenceCSV(text, delimiter: options.delimiter)

    // The column map: field count and which columns are parsed (each parsed column gets the next
    // output position, so every output value is written).
    let fieldCount = options.fieldCountChoice == 0 ? max(reference.records.first?.fields.count ?? 1, 1) : options.fieldCountChoice
    var destinations = [Int](repeating: -1, count: fieldCount)
    var next = 0
    for k in 0..<fieldCount {
        let parsed: Bool
        switch options.mapPattern {
        case 1: parsed = k % 2 == 0
        case 2: parsed = k != 0 || fieldCount == 1
        case 3: parsed = k != fieldCount - 1 || fieldCount == 1
        default: parsed = true
        }
        if parsed { destinations[k] = next; next += 1 }
    }
    let columns = CSVColumnMap(fieldCount: fieldCount, destinations: destinations.map { Int32($0) })
    let expected = reference.floatRows(fieldCount: fieldCount, destinations: destinations, outputCount: next,
                                       allowNonFinite: options.allowNonFinite)

    text.withUnsafeBufferPointer { block in
        checkSplitting(block, text, reference, options)
        for parts in [1, 2, 3, 7] {
            checkPieces(block, text, reference, options, columns, expected, parts: parts)
        }
    }
    checkReaderRecords(text, options)
    checkReaderFloatRows(text, options, columns, destinations: destinations)
    return 0
}

/// split() cuts only at record boundaries (for input without syntax errors, where "boundary" is
/// well defined), in increasing order, ending at the end; recordBoundary finds the first one.
func checkSplitting(_ block: UnsafeBufferPointer<UInt8>, _ text: [UInt8], _ reference: ReferenceCSV, _ options: Options) {
    guard reference.syntaxError == nil else { return }
    for parts in [1, 2, 3, 4, 7, 16] {
        let ends = CSVChunkParser.split(block, parts: parts)
        check(ends.last == text.count, "split(\(parts)) ends at \(ends.last ?? -1), not at \(text.count)")
        check(ends.count <= max(parts, 1), "split(\(parts)) gave \(ends.count) pieces")
        check(zip(ends, ends.dropFirst()).allSatisfy { $0 < $1 }, "split(\(parts)) ends not increasing: \(ends)")
        for end in ends { check(reference.lineAt[end] != nil, "split(\(parts)) cut at \(end), not a record boundary") }
    }
    let sortedBoundaries = reference.lineAt.keys.sorted()
    for offset in Set([0, 1, text.count / 3, text.count / 2, text.count - 1, text.count]) where offset >= 0 && offset <= text.count {
        let got = CSVChunkParser.recordBoundary(in: block, atOrAfter: offset, complete: true)
        let want = sortedBoundaries.first { $0 >= offset } ?? text.count
        check(got == want, "recordBoundary(atOrAfter: \(offset)) = \(got.map(String.init) ?? "nil"), reference \(want)")
    }
}

/// The block cut into `parts` pieces, each parsed alone, `rowsPerCall` rows at a time, resuming
/// where the last call stopped: the rows, line counts, record starts, fields and the first error
/// equal the reference's.
func checkPieces(_ block: UnsafeBufferPointer<UInt8>, _ text: [UInt8], _ reference: ReferenceCSV, _ options: Options,
                 _ columns: CSVColumnMap, _ expected: (rows: [[Float]], error: ReferenceError?), parts: Int) {
    let context = "parseFloats, \(parts) parts, \(options.rowsPerCall) rows per call"
    let stride = max(columns.outputCount, 1)
    // More rows than records never fit: one more is enough to test "room left over".
    let maxRows = min(options.rowsPerCall, reference.records.count + 1)
    let out = UnsafeMutablePointer<Float>.allocate(capacity: stride * maxRows)
    let starts = UnsafeMutablePointer<Int>.allocate(capacity: maxRows)
    defer { out.deallocate(); starts.deallocate() }
    // Only cut where the reference agrees there is a boundary; with a syntax error somewhere the
    // parser's cuts are not defined to be boundaries, so the whole block is one piece.
    let ends = reference.syntaxError == nil ? CSVChunkParser.split(block, parts: parts) : [text.count]
    var rows: [[Float]] = []
    var error: CSVError?
    var recordIndex = 0
    var pieceStart = 0
    var line = 1
    pieces: for end in ends {
        var at = pieceStart
        while true {
            let piece = UnsafeBufferPointer(rebasing: block[at..<end])
            out.initialize(repeating: .nan, count: stride * maxRows)
            let r = CSVChunkParser.parseFloats(piece, complete: true, delimiter: options.delimiter, columns: columns,
                                               into: out, rowStride: stride, maxRows: maxRows,
                                               allowNonFinite: options.allowNonFinite, recordStarts: starts,
                                               startLine: line, startOffset: Int64(at))
            for k in 0..<r.rows {
                rows.append(Array(UnsafeBufferPointer(start: out + k * stride, count: columns.outputCount)))
                let start = at + starts[k]
                // Skip records the reference parsed but that were not rows (never: each row is a
                // record, in order), so the record index follows the rows.
                check(recordIndex < reference.records.count, "\(context): more rows than records")
                let record = reference.records[recordIndex]
                check(start == record.offset, "\(context): row \(rows.count - 1) starts at \(start), reference \(record.offset)")
                // The first fields and the last (each lookup rescans the record from its start).
                for (column, field) in record.fields.enumerated() where column < 3 || column == record.fields.count - 1 {
                    guard let got = CSVChunkParser.field(column, ofRecordAt: starts[k], in: piece, delimiter: options.delimiter) else {
                        check(false, "\(context): field \(column) of the record at \(start) missing")
                        return
                    }
                    let content = Array(got.content)
                    check(content == Array(text[field.rawStart..<field.rawEnd]) && got.hasDoubledQuotes == field.hasDoubledQuotes,
                          "\(context): field \(column) of the record at \(start) is \(content), reference \(Array(text[field.rawStart..<field.rawEnd]))")
                }
                check(CSVChunkParser.field(record.fields.count, ofRecordAt: starts[k], in: piece, delimiter: options.delimiter) == nil,
                      "\(context): the record at \(start) has a field past its last")
                recordIndex += 1
            }
            line += r.lines
            let consumedEnd = at + r.consumed
            switch r.status {
            case .failed:
                error = r.error
                break pieces
            case .complete:
                check(consumedEnd == end, "\(context): complete but consumed \(r.consumed) of \(end - at)")
                check(reference.lineAt[end] == line, "\(context): at offset \(end) line \(line), reference \(reference.lineAt[end] ?? -1)")
            case .full:
                check(r.rows == maxRows, "\(context): full after \(r.rows) of \(maxRows) rows")
                check(reference.lineAt[consumedEnd] == line, "\(context): full at offset \(consumedEnd) line \(line), reference \(reference.lineAt[consumedEnd] ?? -1)")
                at = consumedEnd
                continue
            case .needMore:
                check(false, "\(context): needMore on a complete piece")
            }
            break
        }
        pieceStart = end
    }
    checkRows(rows, expected.rows, context)
    checkError(error, expected.error, context)
}

/// CSVReader.nextRecord with a tiny buffer: the same records (line, offset, unescaped fields)
/// and the same first syntax error as the reference (after a UTF-8 BOM, which the reader skips).
func checkReaderRecords(_ text: [UInt8], _ options: Options) {
    let bom = text.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    let body = Array(text[bom...])
    let reference = ReferenceCSV(body, delimiter: options.delimiter)
    load(text)
    let context = "CSVReader.nextRecord, buffer \(options.bufferSize)"
    guard let reader = try? CSVReader(fileDescriptor: scratch, name: "fuzz", delimiter: options.delimiter,
                                      bufferSize: options.bufferSize) else {
        check(false, "\(context): cannot open the scratch file")
        return
    }
    var index = 0
    do {
        while try reader.nextRecord() {
            check(index < reference.records.count, "\(context): more records than the reference's \(reference.records.count)")
            let record = reference.records[index]
            check(reader.line == record.line && reader.recordOffset == Int64(record.offset + bom),
                  "\(context): record \(index) at line \(reader.line) offset \(reader.recordOffset), reference line \(record.line) offset \(record.offset + bom)")
            check(reader.fieldCount == record.fields.count, "\(context): record \(index) has \(reader.fieldCount) fields, reference \(record.fields.count)")
            for (k, field) in record.fields.enumerated() {
                check(Array(reader.field(k)) == field.value, "\(context): record \(index) field \(k) is \(Array(reader.field(k))), reference \(field.value)")
            }
            index += 1
        }
        check(index == reference.records.count && reference.syntaxError == nil,
              "\(context): \(index) records and no error, reference \(reference.records.count) and \(reference.syntaxError.map { "\($0)" } ?? "none")")
    } catch {
        check(index == reference.records.count, "\(context): error after \(index) records, reference \(reference.records.count)")
        checkError(error, reference.syntaxError, offsetShift: bom, context)
    }
}

/// CSVReader.readFloatRows with a tiny buffer, `rowsPerCall` rows at a time: the reference's rows
/// and first error.
func checkReaderFloatRows(_ text: [UInt8], _ options: Options, _ columns: CSVColumnMap, destinations: [Int]) {
    let bom = text.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    let reference = ReferenceCSV(Array(text[bom...]), delimiter: options.delimiter)
    let expected = reference.floatRows(fieldCount: columns.fieldCount, destinations: destinations,
                                       outputCount: columns.outputCount, allowNonFinite: options.allowNonFinite)
    load(text)
    let context = "CSVReader.readFloatRows, buffer \(options.bufferSize), \(options.rowsPerCall) rows per call"
    guard let reader = try? CSVReader(fileDescriptor: scratch, name: "fuzz", delimiter: options.delimiter,
                                      bufferSize: options.bufferSize) else {
        check(false, "\(context): cannot open the scratch file")
        return
    }
    let stride = max(columns.outputCount, 1)
    let maxRows = min(options.rowsPerCall, reference.records.count + 1)
    let out = UnsafeMutablePointer<Float>.allocate(capacity: stride * maxRows)
    defer { out.deallocate() }
    var rows: [[Float]] = []
    var error: CSVError?
    do {
        while true {
            let n = try reader.readFloatRows(columns: columns, into: out, rowStride: stride, maxRows: maxRows,
                                             allowNonFinite: options.allowNonFinite)
            if n == 0 { break }
            for k in 0..<n { rows.append(Array(UnsafeBufferPointer(start: out + k * stride, count: columns.outputCount))) }
        }
    } catch let e {
        error = e
    }
    // Rows a failed call parsed before its error are not returned: compare whole calls only.
    if error != nil {
        let kept = rows.count
        check(kept <= expected.rows.count, "\(context): \(kept) rows before the error, reference \(expected.rows.count)")
        checkRows(rows, Array(expected.rows.prefix(kept)), context)
        check(expected.rows.count - kept < maxRows, "\(context): failed with \(expected.rows.count - kept) good rows unreturned")
    } else {
        checkRows(rows, expected.rows, context)
    }
    checkError(error, expected.error, offsetShift: bom, context)
}
