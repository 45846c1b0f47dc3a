#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
@testable import NNZCSV

final class CSVReaderTests: XCTestCase {

    /// All records as (line, fields).
    private func records(_ text: String, delimiter: UInt8 = UInt8(ascii: ","), bufferSize: Int = 1 << 20) throws -> [(Int, [String])] {
        try records(Array(text.utf8), delimiter: delimiter, bufferSize: bufferSize)
    }

    private func records(_ bytes: [UInt8], delimiter: UInt8 = UInt8(ascii: ","), bufferSize: Int = 1 << 20) throws -> [(Int, [String])] {
        var out: [(Int, [String])] = []
        try csvWithReader(bytes, delimiter: delimiter, bufferSize: bufferSize) { r in
            while try r.nextRecord() {
                out.append((r.line, (0..<r.fieldCount).map { csvText(Array(r.field($0))) }))
            }
        }
        return out
    }

    private func expectError(_ text: String, bufferSize: Int = 1 << 20, file: StaticString = #filePath, line: UInt = #line) -> CSVError? {
        do {
            _ = try records(text, bufferSize: bufferSize)
            XCTFail("no error for \(text.debugDescription)", file: file, line: line)
            return nil
        } catch {
            return error as? CSVError
        }
    }

    func testSimpleRecordsAndLines() throws {
        let r = try records("a,b,c\n1,2,3\n4,5,6\n")
        XCTAssertEqual(r.map { $0.0 }, [1, 2, 3])
        XCTAssertEqual(r.map { $0.1 }, [["a", "b", "c"], ["1", "2", "3"], ["4", "5", "6"]])
    }

    func testQuotedFields() throws {
        let r = try records("\"a,b\",\"c\"\"d\",\"e\nf\",\"\"\nnext,\"\"\"\",x\n")
        XCTAssertEqual(r.count, 2)
        XCTAssertEqual(r[0].1, ["a,b", "c\"d", "e\nf", ""])
        XCTAssertEqual(r[0].0, 1)
        XCTAssertEqual(r[1].0, 3)   // the embedded newline counts as a physical line
        XCTAssertEqual(r[1].1, ["next", "\"", "x"])
    }

    func testLineEndings() throws {
        let r = try records("a,b\r\n1,2\r\n3,4\r5,6\n7,8")
        XCTAssertEqual(r.map { $0.1 }, [["a", "b"], ["1", "2"], ["3", "4"], ["5", "6"], ["7", "8"]])
        XCTAssertEqual(r.map { $0.0 }, [1, 2, 3, 4, 5])
        // CR at the very end, CR LF inside quotes
        let s = try records("x\r\"a\r\nb\",c\r")
        XCTAssertEqual(s.map { $0.1 }, [["x"], ["a\r\nb", "c"]])
        XCTAssertEqual(s.map { $0.0 }, [1, 2])
    }

    func testBOMAndBlankLines() throws {
        let r = try records([0xEF, 0xBB, 0xBF] + Array("h1,h2\n\n\r\n1,2\n\n\n3,4\n\n".utf8))
        XCTAssertEqual(r.map { $0.1 }, [["h1", "h2"], ["1", "2"], ["3", "4"]])
        XCTAssertEqual(r.map { $0.0 }, [1, 4, 7])
        // A BOM only counts at the very start.
        let s = try records([0x61, 0x0A, 0xEF, 0xBB, 0xBF, 0x62, 0x0A])
        XCTAssertEqual(s[1].1, ["\u{FEFF}b"])
    }

    func testEmptyFieldsAndLastLineWithoutNewline() throws {
        let r = try records(",a,\n,\nlast,")
        XCTAssertEqual(r.map { $0.1 }, [["", "a", ""], ["", ""], ["last", ""]])
        let s = try records("only")
        XCTAssertEqual(s.map { $0.1 }, [["only"]])
    }

    func testTabDelimiter() throws {
        let r = try records("a\tb,c\t\"d\te\"\n1\t2\t3\n", delimiter: 9)
        XCTAssertEqual(r.map { $0.1 }, [["a", "b,c", "d\te"], ["1", "2", "3"]])
    }

    func testEmptyFileAndHeaderOnly() throws {
        try csvWithReader([]) { r in
            XCTAssertNil(try r.readHeader())
            XCTAssertFalse(try r.nextRecord())
        }
        try csvWithReader(Array("\n\r\n\n".utf8)) { r in XCTAssertNil(try r.readHeader()) }
        try csvWithReader(Array("a,b\n".utf8)) { r in
            XCTAssertEqual(try r.readHeader(), ["a", "b"])
            let out = UnsafeMutablePointer<Float>.allocate(capacity: 16)
            defer { out.deallocate() }
            XCTAssertEqual(try r.readFloatRows(columns: CSVColumnMap(identity: 2), into: out, rowStride: 2, maxRows: 8), 0)
            XCTAssertFalse(try r.nextRecord())
        }
        try csvWithReader([0xEF, 0xBB, 0xBF]) { r in XCTAssertNil(try r.readHeader()) }
    }

    func testUnterminatedQuote() {
        let e = expectError("a,b\n1,\"xyz\n2,3\n")
        XCTAssertEqual(e?.kind, .unterminatedQuote)
        XCTAssertEqual(e?.line, 2)
        XCTAssertEqual(e?.column, 2)
        XCTAssertEqual(e?.byteOffset, 6)
        XCTAssertTrue(e?.description.hasSuffix(":2:2: unterminated quoted field: found end of file, expected a closing '\"'") ?? false,
                      e?.description ?? "")
        XCTAssertEqual(e?.sysexitsCode, 65)
        // Opened on line 3 of a record that starts on line 2.
        let f = expectError("h\n\"a\nb\",\"c\n")
        XCTAssertEqual(f?.kind, .unterminatedQuote)
        XCTAssertEqual(f?.line, 3)
        XCTAssertEqual(f?.column, 2)
    }

    func testQuoteInUnquotedField() {
        let e = expectError("a,b\nx,ab\"c\n")
        XCTAssertEqual(e?.kind, .quoteInUnquotedField)
        XCTAssertEqual(e?.line, 2)
        XCTAssertEqual(e?.column, 2)
        XCTAssertEqual(e?.byteOffset, 8)
    }

    func testGarbageAfterClosingQuote() {
        let e = expectError("a,b\n\"ab\"c,d\n")
        XCTAssertEqual(e?.kind, .garbageAfterQuote)
        XCTAssertEqual(e?.line, 2)
        XCTAssertEqual(e?.column, 1)
        XCTAssertTrue(e?.message.contains("found 'c' after a closing quote, expected a delimiter or a line end") ?? false)
        let f = expectError("\"ab\" ,x\n")
        XCTAssertEqual(f?.kind, .garbageAfterQuote)
    }

    func testMissingFileAndDirectory() {
        do {
            _ = try CSVReader(path: "/nonexistent/dir/file.csv")
            XCTFail("opened a missing file")
        } catch {
            XCTAssertEqual(error.kind, .fileNotFound)
            XCTAssertEqual(error.sysexitsCode, 66)
            XCTAssertEqual(error.errno, ENOENT)
            XCTAssertEqual(error.path, "/nonexistent/dir/file.csv")
            XCTAssertTrue(error.description.contains("no such file"), error.description)
        }
        do {
            _ = try CSVReader(path: "/tmp")
            XCTFail("opened a directory")
        } catch {
            XCTAssertEqual(error.kind, .isDirectory)
            XCTAssertEqual(error.sysexitsCode, 74)
            XCTAssertEqual(error.errno, EISDIR)
        }
        let fd = open("/tmp", O_RDONLY)
        defer { close(fd) }
        do {
            _ = try CSVReader(fileDescriptor: fd, name: "dir")
            XCTFail("accepted a directory descriptor")
        } catch {
            XCTAssertEqual(error.kind, .isDirectory)
        }
    }

    func testInvalidUTF8InHeader() throws {
        try csvWithReader([0x61, 0x2C, 0x62, 0xC3, 0x28, 0x0A, 0x31, 0x2C, 0x32, 0x0A]) { r in
            do {
                _ = try r.readHeader()
                XCTFail("accepted invalid UTF-8")
            } catch let error as CSVError {
                XCTAssertEqual(error.kind, .invalidUTF8)
                XCTAssertEqual(error.line, 1)
                XCTAssertEqual(error.column, 2)
            }
        }
        for bad: [UInt8] in [[0xFF], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            XCTAssertNotNil(bad.withUnsafeBufferPointer { firstInvalidUTF8($0) }, "\(bad)")
        }
        for good in ["", "abc", "héllo", "日本語", "😀", "\u{10FFFF}"] {
            XCTAssertNil(Array(good.utf8).withUnsafeBufferPointer { firstInvalidUTF8($0) }, good)
        }
    }

    func testRaggedRowsAreVisible() throws {
        try csvWithReader(Array("a,b,c\n1,2\n1,2,3,4\n".utf8)) { r in
            XCTAssertTrue(try r.nextRecord()); XCTAssertEqual(r.fieldCount, 3)
            XCTAssertTrue(try r.nextRecord()); XCTAssertEqual(r.fieldCount, 2); XCTAssertEqual(r.line, 2)
            XCTAssertTrue(try r.nextRecord()); XCTAssertEqual(r.fieldCount, 4)
            XCTAssertFalse(try r.nextRecord())
        }
    }

    func testFieldAccessors() throws {
        try csvWithReader(Array("x,\"1.5\",+2e3,abc,,\" 7 \"\n".utf8)) { r in
            XCTAssertTrue(try r.nextRecord())
            XCTAssertEqual(try r.string(at: 0), "x")
            XCTAssertEqual(r.float(at: 1), 1.5)
            XCTAssertEqual(try r.floatValue(at: 2), 2000)
            XCTAssertNil(r.float(at: 3))
            XCTAssertNil(r.float(at: 4))
            XCTAssertEqual(r.float(at: 5), 7)
            do {
                _ = try r.floatValue(at: 3)
                XCTFail()
            } catch let error as CSVError {
                XCTAssertEqual(error.kind, .invalidNumber)
                XCTAssertEqual(error.column, 4)
                XCTAssertEqual(error.field, "abc")
                XCTAssertTrue(error.message.contains("found \"abc\", expected a number"))
            }
            XCTAssertEqual(try r.strings(), ["x", "1.5", "+2e3", "abc", "", " 7 "])
        }
    }

    func testRecordTooLarge() throws {
        let text = "a\n\"" + String(repeating: "x", count: 5000) + "\n"
        try csvWithReader(Array(text.utf8), bufferSize: 64) { r in
            r.maxRecordBytes = 1024
            XCTAssertTrue(try r.nextRecord())
            do {
                _ = try r.nextRecord()
                XCTFail()
            } catch let error as CSVError {
                guard case .recordTooLarge = error.kind else { return XCTFail("\(error)") }
                XCTAssertEqual(error.line, 2)
            }
        }
        // Large records are fine below the limit (buffer grows).
        let big = String(repeating: "y", count: 100_000)
        let r = try records("a,\"" + big + "\"\nb,c\n", bufferSize: 64)
        XCTAssertEqual(r[0].1[1].count, 100_000)
        XCTAssertEqual(r[1].1, ["b", "c"])
    }

    func testReadsFromAPipe() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let text = Array("a,b\n1,2\n".utf8)
        _ = text.withUnsafeBytes { write(fds[1], $0.baseAddress!, $0.count) }
        close(fds[1])
        let r = try CSVReader(fileDescriptor: fds[0], name: "<pipe>", closeWhenDone: true)
        XCTAssertEqual(try r.readHeader(), ["a", "b"])
        XCTAssertTrue(try r.nextRecord())
        XCTAssertEqual(r.float(at: 1), 2)
        XCTAssertFalse(try r.nextRecord())
    }

    func testDashMeansStandardInput() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let text = Array("x,y\n3,4\n".utf8)
        _ = text.withUnsafeBytes { write(fds[1], $0.baseAddress!, $0.count) }
        close(fds[1])
        let saved = dup(0)
        dup2(fds[0], 0)
        close(fds[0])
        defer {
            dup2(saved, 0)
            close(saved)
        }
        let r = try CSVReader(path: "-")
        XCTAssertEqual(r.name, "<stdin>")
        XCTAssertEqual(try r.readHeader(), ["x", "y"])
        XCTAssertTrue(try r.nextRecord())
        XCTAssertEqual(r.line, 2)
        XCTAssertEqual(r.float(at: 0), 3)
        XCTAssertFalse(try r.nextRecord())
    }

    /// Random CSV texts parsed with many buffer sizes must match the reference parser exactly.
    func testRandomTextsAgainstReference() throws {
        var rng = CSVTestRNG(seed: 20)
        let rounds = csvBigSweep ? 3000 : 300
        for round in 0..<rounds {
            let delimiter: UInt8 = round % 5 == 0 ? 9 : 44
            let text = csvRandomText(&rng, records: 1 + rng.below(40), delimiter: delimiter)
            let expected = csvReferenceParse(text, delimiter: delimiter)
            for bufferSize in [64, 65, 67, 100, 1 << 20] {
                var got: [CSVReferenceRecord] = []
                var gotError: CSVError? = nil
                do {
                    try csvWithReader(text, delimiter: delimiter, bufferSize: bufferSize) { r in
                        while try r.nextRecord() {
                            got.append(CSVReferenceRecord(line: r.line, fields: (0..<r.fieldCount).map { Array(r.field($0)) }))
                        }
                    }
                } catch let e as CSVError {
                    gotError = e
                }
                switch expected {
                case .success(let recs):
                    XCTAssertNil(gotError, "round \(round) buffer \(bufferSize): \(String(describing: gotError))")
                    if got != recs {
                        XCTFail("round \(round) buffer \(bufferSize): mismatch for \(csvText(text).debugDescription)")
                        return
                    }
                case .failure(let e):
                    guard let g = gotError else { XCTFail("round \(round): expected \(e)"); return }
                    switch e {
                    case .unterminatedQuote(let l, let c): XCTAssertEqual([g.line, g.column], [l, c]); XCTAssertEqual(g.kind, .unterminatedQuote)
                    case .quoteInUnquoted(let l, let c): XCTAssertEqual([g.line, g.column], [l, c]); XCTAssertEqual(g.kind, .quoteInUnquotedField)
                    case .garbageAfterQuote(let l, let c): XCTAssertEqual([g.line, g.column], [l, c]); XCTAssertEqual(g.kind, .garbageAfterQuote)
                    }
                }
            }
        }
    }

    func testRandomMalformedTextsReportTheSameErrorsAsReference() throws {
        var rng = CSVTestRNG(seed: 21)
        var errorsSeen = 0
        for round in 0..<(csvBigSweep ? 3000 : 300) {
            var text = csvRandomText(&rng, records: 1 + rng.below(20))
            // Inject a stray quote somewhere.
            if !text.isEmpty { text.insert(34, at: rng.below(text.count)) }
            let expected = csvReferenceParse(text)
            for bufferSize in [64, 71, 1 << 20] {
                var gotError: CSVError? = nil
                var got: [CSVReferenceRecord] = []
                do {
                    try csvWithReader(text, bufferSize: bufferSize) { r in
                        while try r.nextRecord() {
                            got.append(CSVReferenceRecord(line: r.line, fields: (0..<r.fieldCount).map { Array(r.field($0)) }))
                        }
                    }
                } catch let e as CSVError { gotError = e }
                switch expected {
                case .success(let recs):
                    XCTAssertNil(gotError)
                    XCTAssertEqual(got, recs, "round \(round)")
                case .failure(let e):
                    errorsSeen += 1
                    guard let g = gotError else { XCTFail("round \(round): expected \(e)"); return }
                    switch e {
                    case .unterminatedQuote(let l, let c): XCTAssertEqual([g.line, g.column], [l, c]); XCTAssertEqual(g.kind, .unterminatedQuote)
                    case .quoteInUnquoted(let l, let c): XCTAssertEqual([g.line, g.column], [l, c]); XCTAssertEqual(g.kind, .quoteInUnquotedField)
                    case .garbageAfterQuote(let l, let c): XCTAssertEqual([g.line, g.column], [l, c]); XCTAssertEqual(g.kind, .garbageAfterQuote)
                    }
                }
            }
        }
        XCTAssertGreaterThan(errorsSeen, 50)
    }
}
