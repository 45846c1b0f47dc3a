import ArgumentParser
import NNZCommandLine
import NNZFormat

/// Runs `body`, turning a ``Failure`` (or a model-file error) into `nninfer: message` on
/// stderr and its exit code.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as Failure {
        printError("nninfer: \(failure.message)")
        throw ExitCode(failure.code)
    } catch let error as FormatError {
        let failure = Failure(error)
        printError("nninfer: \(failure.message)")
        throw ExitCode(failure.code)
    }
}
