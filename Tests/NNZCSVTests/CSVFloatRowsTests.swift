#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
@testable import NNZCSV

final class CSVFloatRowsTests: XCTestCase {

    private func readAll(_ text: [UInt8], columns: CSVColumnMap? = nil, bufferSize: Int = 1 << 20,
                         maxRows: Int = 7, skipHeader: Bool = true, allowNonFinite: Bool = false) throws -> [[Float]] {
        var rows: [[Float]] = []
        try csvWithReader(text, bufferSize: bufferSize) { r in
            var map = columns
            if skipHeader {
                guard let h = try r.readHeader() else { return }
                if map == nil { map = CSVColumnMap(identity: h.count) }
            }
            let m = map!
            let stride = m.outputCount + 1
            let out = UnsafeMutablePointer<Float>.allocate(capacity: stride * maxRows)
            defer { out.deallocate() }
            while true {
                out.initialize(repeating: -999, count: stride * maxRows)
                let n = try r.readFloatRows(columns: m, into: out, rowStride: stride, maxRows: maxRows,
                                            allowNonFinite: allowNonFinite)
                if n == 0 { break }
                for i in 0..<n {
                    rows.append(Array(UnsafeBufferPointer(start: out + i * stride, count: m.outputCount)))
                    XCTAssertEqual(out[i * stride + m.outputCount], -999)   // stride padding untouched
                }
            }
        }
        return rows
    }

    private func readError(_ text: String, columns: CSVColumnMap? = nil, bufferSize: Int = 1 << 20) -> CSVError? {
        do {
            _ = try readAll(Array(text.utf8), columns: columns, bufferSize: bufferSize)
            XCTFail("no error for \(text.debugDescription)")
            return nil
        } catch {
            return error as? CSVError
        }
    }

    func testBasicNumericForms() throws {
        let rows = try readAll(Array("a,b,c,d,e\n1,-2.5,+3e2,.5,5.\r\n1E-2,\"7\",inf,-0,  8  \n\n".utf8), allowNonFinite: true)
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0], [1, -2.5, 300, 0.5, 5])
        XCTAssertEqual(rows[1][0], 0.01)
        XCTAssertEqual(rows[1][1], 7)
        XCTAssertEqual(rows[1][2], .infinity)
        XCTAssertEqual(rows[1][3].sign, .minus)
        XCTAssertEqual(rows[1][4], 8)
    }

    /// NaN, infinities and overflowing numbers are refused in the parser itself, at their cell,
    /// on the fast path (plain numbers) and the slow one (quoted, spaced, words) alike.
    func testNonFiniteCellsAreRefusedAtTheirCell() throws {
        let cases: [(String, Int, Int, String)] = [
            ("a,b\n1,2\n3,nan\n", 3, 2, "found NaN, expected a finite number"),
            ("a,b\n1,2\n3,4\n-inf,5\n", 4, 1, "found -infinity, expected a finite number"),
            ("a,b\n1,1e999\n", 2, 2, "found infinity, expected a finite number"),
            ("a,b\n1,\"+Infinity\"\n", 2, 2, "found infinity, expected a finite number"),
            ("a,b\n1,2\n\n5, NaN \n", 4, 2, "found NaN, expected a finite number"),
        ]
        for (text, line, column, message) in cases {
            let error = readError(text)
            XCTAssertEqual(error?.kind, .invalidNumber, text)
            XCTAssertEqual(error?.line, line, text)
            XCTAssertEqual(error?.column, column, text)
            XCTAssertEqual(error?.message, message, text)
        }
        let rows = try readAll(Array("a,b\n1,nan\n-1e999,2\n".utf8), allowNonFinite: true)
        XCTAssertTrue(rows[0][1].isNaN)
        XCTAssertEqual(rows[1][0], -.infinity)
    }

    func testColumnMapByName() throws {
        let header = ["id", "b", "label", "a"]
        let (map, missing, ambiguous) = CSVColumnMap.byName(header: header, names: ["a", "b"])
        XCTAssertEqual(missing, [])
        XCTAssertEqual(ambiguous, [])
        XCTAssertEqual(map?.destinations, [-1, 1, -1, 0])
        XCTAssertEqual(map?.outputCount, 2)
        XCTAssertEqual(map?.fieldCount, 4)
    }

    func testColumnMapIgnoresTextColumns() throws {
        let (map, _, _) = CSVColumnMap.byName(header: ["id", "b", "label", "a"], names: ["a", "b"])
        let rows = try readAll(Array("id,b,label,a\nrow-1,2,\"cat, \"\"big\"\"\",1\nxy,4,dog,3\n".utf8), columns: map)
        XCTAssertEqual(rows, [[1, 2], [3, 4]])
        let (m2, missing, amb) = CSVColumnMap.byName(header: ["a", "a", "b"], names: ["a", "c"])
        XCTAssertNil(m2)
        XCTAssertEqual(missing, ["c"])
        XCTAssertEqual(amb, ["a"])
    }

    func testStrayQuoteInIgnoredColumnIsAnError() {
        let (map, _, _) = CSVColumnMap.byName(header: ["id", "a"], names: ["a"])
        let e = readError("id,a\nx\"y,1\n", columns: map)
        XCTAssertEqual(e?.kind, .quoteInUnquotedField)
        XCTAssertEqual(e?.line, 2)
        XCTAssertEqual(e?.column, 1)
    }

    func testRaggedRowError() {
        let e = readError("a,b,c\n1,2,3\n\n4,5\n")
        XCTAssertEqual(e?.kind, .raggedRow(expected: 3, found: 2))
        XCTAssertEqual(e?.line, 4)
        XCTAssertEqual(e?.column, 3)
        XCTAssertTrue(e?.message.contains("found 2 fields, expected 3") ?? false)
        let f = readError("a,b\n1,2,3\n")
        XCTAssertEqual(f?.kind, .raggedRow(expected: 2, found: 3))
        XCTAssertEqual(f?.column, 3)
        let g = readError("a,b\n1,2\n3")   // last line without newline
        XCTAssertEqual(g?.kind, .raggedRow(expected: 2, found: 1))
        XCTAssertEqual(g?.line, 3)
    }

    func testInvalidNumberError() {
        let e = readError("a,b\n1,2\n3,abc\n")
        XCTAssertEqual(e?.kind, .invalidNumber)
        XCTAssertEqual(e?.line, 3)
        XCTAssertEqual(e?.column, 2)
        XCTAssertEqual(e?.field, "abc")
        XCTAssertEqual(e?.byteOffset, 10)
        XCTAssertEqual(e?.description, "\(e?.path ?? ""):3:2: found \"abc\", expected a number")
        let f = readError("a,b\n1,\n")
        XCTAssertEqual(f?.kind, .invalidNumber)
        XCTAssertEqual(f?.message, "found an empty field, expected a number")
        let g = readError("a,b\n1,1e\n")
        XCTAssertEqual(g?.field, "1e")
        let h = readError("a\n\"x\ny\",\n")   // ragged, but the bad number comes first
        XCTAssertEqual(h?.kind, .invalidNumber)
        XCTAssertEqual(h?.line, 2)
        let (map, _, _) = CSVColumnMap.byName(header: ["id", "a"], names: ["a"])
        let i = readError("id,a\n\"x\ny\",1\nz,q\n", columns: map)   // line counting after a quoted newline
        XCTAssertEqual(i?.kind, .invalidNumber)
        XCTAssertEqual(i?.line, 4)
        XCTAssertEqual(i?.column, 2)
        let j = readError("a,b\r\n1,2\r\n\r\n3,x\r\n")
        XCTAssertEqual(j?.line, 4)
    }

    func testUnterminatedQuoteInNumericData() {
        let e = readError("a,b\n1,2\n3,\"4\n")
        XCTAssertEqual(e?.kind, .unterminatedQuote)
        XCTAssertEqual(e?.line, 3)
        XCTAssertEqual(e?.column, 2)
    }

    /// Random numeric CSVs: readFloatRows with several buffer sizes and row batches must give
    /// exactly the reference parser's records converted with strtof.
    func testRandomNumericAgainstReference() throws {
        var rng = CSVTestRNG(seed: 30)
        for round in 0..<(csvBigSweep ? 1000 : 60) {
            let nf = 1 + rng.below(9)
            var text = Array((0..<nf).map { "c\($0)" }.joined(separator: ",").utf8) + [10]
            text += csvRandomText(&rng, records: 1 + rng.below(120), numeric: true, fieldsPerRecord: nf)
                .drop { $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }
            guard case .success(let recs) = csvReferenceParse(text) else { return XCTFail("bad generator") }
            let expected: [[Float]] = recs.dropFirst().map { $0.fields.map { csvStrtof($0)! } }
            for (bufferSize, maxRows) in [(64, 1), (100, 3), (333, 1000), (1 << 20, 7)] {
                let got = try readAll(text, bufferSize: bufferSize, maxRows: maxRows)
                let same = got.count == expected.count && zip(got, expected).allSatisfy { a, b in
                    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
                }
                if !same {
                    XCTFail("round \(round) buffer \(bufferSize): mismatch for \(csvText(text).debugDescription)")
                    return
                }
            }
        }
    }

    /// nextChunk + split into pieces parsed independently == one sequential pass.
    func testChunksSplitAcrossWorkers() throws {
        var rng = CSVTestRNG(seed: 31)
        for round in 0..<(csvBigSweep ? 300 : 30) {
            let nf = 1 + rng.below(6)
            var text = Array((0..<nf).map { "c\($0)" }.joined(separator: ",").utf8) + [10]
            text += csvRandomText(&rng, records: 50 + rng.below(400), numeric: true, fieldsPerRecord: nf)
                .drop { $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }
            let sequential = try readAll(text, bufferSize: 1 << 20, maxRows: 100_000)
            var parallel: [[Float]] = []
            var lineCount = 0
            try csvWithReader(text, bufferSize: 256 + rng.below(2000)) { r in
                _ = try r.readHeader()
                let map = CSVColumnMap(identity: nf)
                while let chunk = try r.nextChunk() {
                    XCTAssertEqual(chunk.startLine, 2 + lineCount)
                    let ends = CSVChunkParser.split(chunk.bytes, parts: 1 + rng.below(4))
                    var begin = 0
                    var consumed = 0
                    var lines = 0
                    for end in ends {
                        let piece = UnsafeBufferPointer(rebasing: chunk.bytes[begin..<end])
                        let out = UnsafeMutablePointer<Float>.allocate(capacity: nf * (piece.count + 1))
                        defer { out.deallocate() }
                        let res = CSVChunkParser.parseFloats(piece, complete: true,
                                                             columns: map, into: out, rowStride: nf,
                                                             maxRows: piece.count + 1)
                        XCTAssertEqual(res.status, .complete)
                        XCTAssertEqual(res.consumed, piece.count)
                        for i in 0..<res.rows { parallel.append(Array(UnsafeBufferPointer(start: out + i * nf, count: nf))) }
                        consumed += res.consumed
                        lines += res.lines
                        begin = end
                    }
                    r.consume(bytes: consumed, lines: lines)
                    lineCount += lines
                }
            }
            XCTAssertEqual(parallel.count, sequential.count, "round \(round)")
            XCTAssertTrue(zip(parallel, sequential).allSatisfy { $0.map(\.bitPattern) == $1.map(\.bitPattern) }, "round \(round)")
        }
    }

    func testChunkErrorsCarryLinesAndOffsets() throws {
        let text = Array("a,b\n1,2\n3,4\n5,x\n".utf8)
        try csvWithReader(text) { r in
            _ = try r.readHeader()
            let chunk = try r.nextChunk()!
            XCTAssertTrue(chunk.isLast)
            XCTAssertEqual(chunk.startLine, 2)
            XCTAssertEqual(chunk.startOffset, 4)
            let ends = CSVChunkParser.split(chunk.bytes, parts: 2)
            XCTAssertEqual(ends, [8, 12])
            let out = UnsafeMutablePointer<Float>.allocate(capacity: 32)
            defer { out.deallocate() }
            let first = CSVChunkParser.parseFloats(UnsafeBufferPointer(rebasing: chunk.bytes[0..<8]), complete: true,
                                                   columns: CSVColumnMap(identity: 2), into: out, rowStride: 2, maxRows: 16,
                                                   startLine: chunk.startLine, startOffset: chunk.startOffset, name: "t.csv")
            XCTAssertEqual(first.rows, 2)
            XCTAssertEqual(first.lines, 2)
            let second = CSVChunkParser.parseFloats(UnsafeBufferPointer(rebasing: chunk.bytes[8...]), complete: true,
                                                    columns: CSVColumnMap(identity: 2), into: out, rowStride: 2, maxRows: 16,
                                                    startLine: chunk.startLine + first.lines,
                                                    startOffset: chunk.startOffset + Int64(first.consumed), name: "t.csv")
            XCTAssertEqual(second.status, .failed)
            XCTAssertEqual(second.rows, 0)
            XCTAssertEqual(second.error?.line, 4)
            XCTAssertEqual(second.error?.column, 2)
            XCTAssertEqual(second.error?.byteOffset, 14)
            XCTAssertEqual(second.error?.description, "t.csv:4:2: found \"x\", expected a number")
        }
    }

    func testParseFloatsPartialAndFull() {
        let text = Array("1,2\n3,4\n5,".utf8)
        text.withUnsafeBufferPointer { b in
            let out = UnsafeMutablePointer<Float>.allocate(capacity: 32)
            defer { out.deallocate() }
            let map = CSVColumnMap(identity: 2)
            let a = CSVChunkParser.parseFloats(b, complete: false, columns: map, into: out, rowStride: 2, maxRows: 10)
            XCTAssertEqual(a.status, .needMore)
            XCTAssertEqual(a.rows, 2)
            XCTAssertEqual(a.consumed, 8)
            let f = CSVChunkParser.parseFloats(b, complete: false, columns: map, into: out, rowStride: 2, maxRows: 1)
            XCTAssertEqual(f.status, .full)
            XCTAssertEqual(f.consumed, 4)
            XCTAssertEqual(f.lines, 1)
            // A number running into the end of an unterminated final block.
            let g = Array("1,2\n3,45".utf8)
            g.withUnsafeBufferPointer { gb in
                let r = CSVChunkParser.parseFloats(UnsafeBufferPointer(rebasing: gb[0..<7]), complete: true,
                                                   columns: map, into: out, rowStride: 2, maxRows: 10)
                XCTAssertEqual(r.status, .complete)
                XCTAssertEqual(r.rows, 2)
                XCTAssertEqual(out[3], 4)   // not 45: the block ends before the 5
            }
        }
        XCTAssertEqual(CSVChunkParser.split(UnsafeBufferPointer(start: nil, count: 0), parts: 2), [0])
    }

    func testRecordBoundaryRespectsQuotes() {
        let text = Array("\"a\nb\",1\nc,2\r\nd,\"\"\"\n\"\n".utf8)
        text.withUnsafeBufferPointer { b in
            XCTAssertEqual(CSVChunkParser.recordBoundary(in: b, atOrAfter: 1, complete: true), 8)
            XCTAssertEqual(CSVChunkParser.recordBoundary(in: b, atOrAfter: 8, complete: true), 8)
            XCTAssertEqual(CSVChunkParser.recordBoundary(in: b, atOrAfter: 9, complete: true), 13)
            XCTAssertEqual(CSVChunkParser.recordBoundary(in: b, atOrAfter: 12, complete: true), 13)
            XCTAssertEqual(CSVChunkParser.recordBoundary(in: b, atOrAfter: 15, complete: true), b.count)
            XCTAssertEqual(CSVScan.lastBoundary(b.baseAddress!, 0, b.count, false), b.count)
            XCTAssertEqual(CSVScan.lastBoundary(b.baseAddress!, 0, b.count - 2, false), 13)
        }
        // A last record without a terminator: the end of a complete block is its boundary
        // (found by FuzzCSV: `""` gave nil).
        let unterminated = Array("1,2\n\"\"".utf8)
        unterminated.withUnsafeBufferPointer { b in
            XCTAssertEqual(CSVChunkParser.recordBoundary(in: b, atOrAfter: 5, complete: true), b.count)
            XCTAssertNil(CSVChunkParser.recordBoundary(in: b, atOrAfter: 5, complete: false))
        }
    }
}
