import ArgumentParser
import NNZCommandLine
import NNZFormat
import NNZInspect
import NNZRuntime

/// `nninfer inspect model.nnz [--json]`: what a model file holds.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a model: layers with output shapes and parameter counts, tensors with their dtype and size, sections, metadata, self-test.",
        discussion: """
        Tensors lists each stored tensor: its dtype (float32, float16, or int8 with
        one float32 scale per output channel), its stored size (the raw values before
        compression, scales included) and its size as float32; the total line gives
        the ratio. Sections gives the compressed sizes in the file.

        Example:
          nninfer inspect Fixtures/trained/digits_mlp.nnz
          nninfer inspect model.nnz --json | jq .layers
        """
    )

    @Argument(help: "The .nnz model file.")
    var model: String

    @Flag(help: "Print one JSON object instead of the text summary.")
    var json = false

    func run() throws {
        try reportingFailures {
            let bytes: [UInt8]
            let file: ValidatedModel
            let chunks: [ChunkInfo]
            do throws(FormatError) {
                bytes = try NNZReader.readFile(model)
                (file, chunks) = try NNZReader.decodeValidatedWithChunks(bytes)
            } catch {
                throw Failure(error.path == nil ? FormatError(error.code, error.message, offset: error.offset, chunk: error.chunk, path: model) : error)
            }
            let summary = ModelSummary(file: file, chunks: chunks, fileBytes: bytes.count)
            print(json ? summary.json() : summary.text(), terminator: json ? "\n" : "")
        }
    }
}
