import Foundation
import NNZCommandLine
import NNZFormat
import XCTest

final class WriteAllTests: XCTestCase {
    /// A pipe holds 64 KiB, so 3 MiB go out in many partial writes while the reader drains it.
    func testWritesEveryByteThroughPartialWrites() throws {
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        let bytes = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }
        let reader = FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
        let received = Received()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            received.data = reader.readDataToEndOfFile()
            done.signal()
        }
        let status = bytes.withUnsafeBytes { writeAll($0, to: ends[1]) }
        close(ends[1])
        done.wait()
        XCTAssertEqual(status, 0)
        XCTAssertEqual(received.data, Data(bytes))
    }

    func testReportsTheErrnoOfAFailedWrite() {
        signal(SIGPIPE, SIG_IGN)
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        close(ends[0])
        XCTAssertEqual(writeAll("no reader\n", to: ends[1]), EPIPE)
        close(ends[1])
        XCTAssertEqual(writeAll("no descriptor\n", to: -1), EBADF)
        XCTAssertEqual(writeAll("", to: -1), 0, "nothing to write is no error")
    }
}

private final class Received: @unchecked Sendable {
    var data = Data()
}

final class FailureTests: XCTestCase {
    func testModelFileErrorsMapToSysexitsCodes() {
        XCTAssertEqual(Failure(FormatError(.fileNotFound, "cannot open", path: "m.nnz")).code, Exit.noInput)
        XCTAssertEqual(Failure(FormatError(.ioError, "cannot read", path: "m.nnz")).code, Exit.ioError)
        XCTAssertEqual(Failure(FormatError(.writeFailed, "cannot write", path: "m.nnz")).code, Exit.ioError)
        XCTAssertEqual(Failure(FormatError(.badSignature, "not an nnz file", path: "m.nnz")).code, Exit.dataError)
        let failure = Failure(FormatError(.fileNotFound, "cannot open: No such file or directory", path: "m.nnz"))
        XCTAssertEqual(failure.message, "m.nnz: cannot open: No such file or directory")
        XCTAssertEqual(failure.description, failure.message)
    }
}

final class FixedTests: XCTestCase {
    func testDigitsAfterThePoint() {
        XCTAssertEqual(fixed(3.14159, 3), "3.142")
        XCTAssertEqual(fixed(0.05, 1), "0.1", "halves round away from zero")
        XCTAssertEqual(fixed(2.5, 0), "3")
        XCTAssertEqual(fixed(12.0, 2), "12.00")
        XCTAssertEqual(fixed(0.001, 4), "0.0010")
        XCTAssertEqual(fixed(-1.25, 1), "-1.3")
        XCTAssertEqual(fixed(-0.0004, 3), "0.000", "no minus sign on a value that rounds to zero")
        XCTAssertEqual(fixed(.infinity, 2), "inf")
    }

    func testMonotonicSecondsNeverGoBack() {
        let first = monotonicSeconds()
        XCTAssertGreaterThanOrEqual(monotonicSeconds(), first)
    }
}
