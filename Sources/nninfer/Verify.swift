import ArgumentParser
import NNZCommandLine
import NNZFormat
import NNZRuntime

/// `nninfer verify model.nnz`: every checksum and rule, plus the stored self-test.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every checksum and validation rule of a model file and run its self-test.",
        discussion: """
        Prints one line and exits 0 when the file is sound, or 1 when it is not (66 if
        the file is missing, 74 if it cannot be read).
          nninfer verify model.nnz
          model.nnz: ok (format 1.0, 7 chunks, CRC-32 checks passed, self-test 4 rows, max difference 0 ≤ 1e-05)
        """
    )

    @Argument(help: "The .nnz model file.")
    var model: String

    func run() throws {
        let file: ModelFile
        let validated: ValidatedModel
        let chunkCount: Int
        do throws(FormatError) {
            let bytes = try NNZReader.readFile(model)
            let decoded = try NNZReader.decodeValidatedWithChunks(bytes)
            validated = decoded.model
            file = validated.file
            chunkCount = decoded.chunks.count
        } catch {
            let located = error.path == nil ? FormatError(error.code, error.message, offset: error.offset, chunk: error.chunk, path: model) : error
            switch error.code {
            case .fileNotFound, .ioError:
                try reportingFailures { throw Failure(located) }
            default:
                print("\(model): FAILED: \(located.description.dropFirst(model.count + 2))")
                throw ExitCode(1)
            }
            return
        }
        let loaded: Model
        do {
            loaded = try Model(validated: validated)
        } catch {
            print("\(model): FAILED: \(error.description)")
            throw ExitCode(1)
        }
        var verdict = "format \(file.formatVersion), \(chunkCount) chunks, CRC-32 checks passed"
        if let report = loaded.runSelfTest() {
            guard report.passed else {
                print("\(model): FAILED: self-test row \(report.worstRow) differs by \(report.maxDifference), tolerance \(report.tolerance)")
                throw ExitCode(1)
            }
            verdict += ", self-test \(report.rows) rows, max difference \(report.maxDifference) ≤ \(report.tolerance)"
        } else {
            verdict += ", no self-test"
        }
        print("\(model): ok (\(verdict))")
    }
}
