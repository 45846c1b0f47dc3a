import ArgumentParser
import NNZFormat
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// sysexits(3) codes used by nninfer.
enum Exit {
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let ioError: Int32 = 74
}

/// An error that ends the command with a message on stderr and a sysexits code.
struct Failure: Error, CustomStringConvertible {
    let description: String
    let code: Int32

    init(_ description: String, code: Int32) {
        self.description = description
        self.code = code
    }

    /// Maps a model-file error to its exit code.
    init(_ error: FormatError) {
        switch error.code {
        case .fileNotFound: self.init(error.description, code: Exit.noInput)
        case .ioError, .writeFailed: self.init(error.description, code: Exit.ioError)
        default: self.init(error.description, code: Exit.dataError)
        }
    }
}

/// Runs `body`, turning a ``Failure`` into `nninfer: message` on stderr and its exit code.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as Failure {
        printError("nninfer: \(failure.description)")
        throw ExitCode(failure.code)
    } catch let error as FormatError {
        let failure = Failure(error)
        printError("nninfer: \(failure.description)")
        throw ExitCode(failure.code)
    }
}

func printError(_ text: String) {
    var line = text
    line += "\n"
    var bytes = Array(line.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
        if n <= 0 { break }
        offset += n
    }
}
