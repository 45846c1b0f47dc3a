#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
@testable import NNZCSV

final class CSVWriterTests: XCTestCase {

    private func written(bufferSize: Int = 1 << 20, _ body: (CSVWriter) throws -> Void) throws -> String {
        let path = csvTempPath()
        defer { csvRemove(path) }
        let w = try CSVWriter(path: path, bufferSize: bufferSize)
        try body(w)
        try w.flush()
        return csvText(csvReadFile(path))
    }

    func testFieldsAndQuoting() throws {
        let s = try written { w in
            try w.writeRow(["plain", "with,comma", "with \"quote\"", "line\nbreak", "cr\r", "", " spaced "])
            try w.writeField("x")
            try w.writeDelimiter()
            try w.write(Float(1.5))
            try w.writeDelimiter()
            try w.write(Float(0.1), precision: 9)
            try w.writeNewline()
        }
        XCTAssertEqual(s, "plain,\"with,comma\",\"with \"\"quote\"\"\",\"line\nbreak\",\"cr\r\",, spaced \nx,1.5,0.100000001\n")
        // And it reads back.
        try csvWithReader(Array(s.utf8)) { r in
            XCTAssertEqual(try r.readHeader(), ["plain", "with,comma", "with \"quote\"", "line\nbreak", "cr\r", "", " spaced "])
        }
    }

    func testTabDelimiterQuoting() throws {
        let path = csvTempPath()
        defer { csvRemove(path) }
        let w = try CSVWriter(path: path, delimiter: 9)
        try w.writeRow(["a,b", "c\td"])
        try w.flush()
        XCTAssertEqual(csvText(csvReadFile(path)), "a,b\t\"c\td\"\n")
    }

    func testFloatRows() throws {
        let values: [Float] = [0, -0.0, 1, 0.1, 1e-7, 3e10, .infinity, -.infinity, .nan, 123456792]
        let s = try written { w in
            try values.withUnsafeBufferPointer { try w.writeRow($0.baseAddress!, count: $0.count) }
            try values.withUnsafeBufferPointer { try w.writeRow($0.baseAddress!, count: $0.count, precision: 3) }
            try w.writeRow(values, count: 0)
        }
        XCTAssertEqual(s, "0,-0,1,0.1,1e-07,3e+10,inf,-inf,nan,1.2345679e+08\n0,-0,1,0.1,1e-07,3e+10,inf,-inf,nan,1.23e+08\n\n")
    }

    func testSmallBufferAndLargeWrites() throws {
        var rng = CSVTestRNG(seed: 40)
        var expected = ""
        let s = try written(bufferSize: 256) { w in
            for i in 0..<2000 {
                let x = rng.finiteFloat()
                let row = [x, Float(i), -x]
                try row.withUnsafeBufferPointer { try w.writeRow($0.baseAddress!, count: 3) }
                expected += row.map { FloatFormatter.shortest($0) }.joined(separator: ",") + "\n"
            }
            let big = String(repeating: "z", count: 10_000)
            try w.write(big)
            expected += big
            let longRow = (0..<100).map { Float($0) / 7 }
            try longRow.withUnsafeBufferPointer { try w.writeRow($0.baseAddress!, count: 100, precision: 9) }
            expected += longRow.map { FloatFormatter.format($0, precision: 9) }.joined(separator: ",") + "\n"
        }
        XCTAssertEqual(s, expected)
    }

    func testBrokenPipe() throws {
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        close(fds[0])
        let w = CSVWriter(fileDescriptor: fds[1], name: "<pipe>", closeWhenDone: true)
        try w.write("hello\n")
        do {
            try w.flush()
            XCTFail("no EPIPE")
        } catch {
            XCTAssertEqual(error.kind, .brokenPipe)
            XCTAssertEqual(error.sysexitsCode, 74)
            XCTAssertEqual(error.path, "<pipe>")
        }
        // Sticky.
        do {
            try w.flush()
            XCTFail("error not sticky")
        } catch {
            XCTAssertEqual(error.kind, .brokenPipe)
        }
    }

    func testNoSpace() throws {
        let fd = open("/dev/full", O_WRONLY)
        guard fd >= 0 else { throw XCTSkip("/dev/full not available") }
        let w = CSVWriter(fileDescriptor: fd, name: "/dev/full", closeWhenDone: true)
        try w.write("x")
        XCTAssertThrowsError(try w.flush()) { e in
            XCTAssertEqual((e as? CSVError)?.kind, .noSpace)
        }
    }

    func testPartialWritesThroughAPipe() throws {
        // 3 MB through a pipe (64 KiB kernel buffer) read concurrently by a thread.
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        final class Sink: @unchecked Sendable { var total = 0; var fd: Int32 = 0; var sum: UInt64 = 0 }
        let sink = Sink()
        sink.fd = fds[0]
        var tid = pthread_t()
        let ctx = Unmanaged.passRetained(sink).toOpaque()
        pthread_create(&tid, nil, { arg in
            let s = Unmanaged<Sink>.fromOpaque(arg!).takeRetainedValue()
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buf.withUnsafeMutableBytes { read(s.fd, $0.baseAddress!, 4096) }
                if n <= 0 { break }
                s.total += n
                for i in 0..<n { s.sum &+= UInt64(buf[i]) }
            }
            return nil
        }, ctx)
        let w = CSVWriter(fileDescriptor: fds[1], name: "<pipe>", bufferSize: 1 << 20)
        let chunk = [UInt8](repeating: 7, count: 3_000_000)
        try chunk.withUnsafeBytes { try w.write($0) }
        try w.write(byte: 1)
        try w.flush()
        XCTAssertEqual(w.bytesWritten, 3_000_001)
        close(fds[1])
        pthread_join(tid, nil)
        XCTAssertEqual(sink.total, 3_000_001)
        XCTAssertEqual(sink.sum, 21_000_001)
    }

    func testOpenFailure() {
        XCTAssertThrowsError(try CSVWriter(path: "/nonexistent/x.csv")) { e in
            XCTAssertEqual((e as? CSVError)?.kind, .fileNotFound)
        }
        XCTAssertThrowsError(try CSVWriter(path: "/tmp")) { e in
            XCTAssertEqual((e as? CSVError)?.kind, .isDirectory)
        }
    }
}
