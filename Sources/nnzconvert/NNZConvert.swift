import ArgumentParser
import Foundation
import NNZCSV
import NNZCommandLine
import NNZFormat
import NNZONNX

/// `nnzconvert`: ONNX → .nnz and .nnz → ONNX, chosen by the file extensions.
@main
struct NNZConvert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nnzconvert",
        abstract: "Convert ONNX models to .nnz, and .nnz models to ONNX.",
        discussion: """
        The direction follows the extensions: model.onnx → model.nnz imports, model.nnz → model.onnx exports.

        Import (PyTorch's TorchScript and dynamo exporters, skl2onnx MLPs and pipelines):
          nnzconvert model.onnx model.nnz
          nnzconvert mlp.onnx mlp.nnz --feature-names-from train.csv
          nnzconvert mlp.onnx mlp.nnz --labels setosa,versicolor,virginica
          nnzconvert cnn.onnx cnn.nnz --input-shape 1x28x28 --name digits-cnn

        Supported ops: Gemm, MatMul (+ Add as bias), Conv (group 1, dilation 1, symmetric pads), MaxPool, AveragePool, GlobalAveragePool, ReduceMean over H and W, BatchNormalization, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, Flatten, Reshape (a constant shape or the x.view(x.size(0), -1) chain), Dropout, Identity and Cast (dropped); leading Sub, Div, Mul and ai.onnx.ml Scaler become the input normalization; skl2onnx's ArgMax/ZipMap post-processing gives the class labels. IR versions 3–13 and opsets 9–23 are read; a newer opset is read, with a warning, when none of the model's ops changed since opset 23. The graph must be one chain of layers: branches are refused. Initializers saved as external data (model.onnx.data beside the model, the dynamo exporter's default) are read from the model's directory.

        The output kind: probabilities when the model ends in Softmax or Sigmoid, scores when it has class labels, regression otherwise. The .nnz file gets a self-test, so `nninfer verify model.nnz` checks it.

        Export (any valid .nnz file; the result passes onnx.checker and runs in ONNX Runtime):
          nnzconvert model.nnz model.onnx
          nnzconvert model.nnz model.onnx --opset 13

        Feature names go in the input's doc_string, class labels and the rest of the metadata in metadata_props; importing the .onnx again gives the same layers and tensors, bit for bit.

        Exit codes: 0 success; 64 usage error; 65 the model cannot be converted (the message names the file, the node with its index, name, op type, domain and opset, and what is supported); 66 the input file is missing; 74 I/O error.
        """,
        version: NNZONNXVersion.string
    )

    @Argument(help: "The model to read: a .onnx or a .nnz file.")
    var input: String

    @Argument(help: "The file to write: .nnz (import) or .onnx (export). Written atomically.")
    var output: String

    @Option(help: "Import: the model name stored in the metadata (default: the ONNX graph's name).")
    var name: String?

    @Option(name: .customLong("feature-names"), help: "Import: comma-separated input feature names, one per input value.")
    var featureNames: String?

    @Option(name: .customLong("feature-names-from"), help: "Import: take the feature names from this CSV file's header line.")
    var featureNamesFrom: String?

    @Option(help: "Import: comma-separated class labels, one per output (default: the classes skl2onnx stored).")
    var labels: String?

    @Option(name: .customLong("input-shape"), help: "Import: the input shape without the batch axis, CxHxW (an image read from flat CSV rows) or F.")
    var inputShape: String?

    @Option(help: "Export: the ONNX opset to write (13–21, default 17). Import: read the model as this opset instead of the one it imports.")
    var opset: Int?

    @Flag(name: .customLong("no-self-test"), help: "Import: do not add a self-test to the .nnz file.")
    var noSelfTest = false

    enum Direction { case importing, exporting }

    var direction: Direction? {
        let i = input.lowercased(), o = output.lowercased()
        if i.hasSuffix(".onnx") && o.hasSuffix(".nnz") { return .importing }
        if i.hasSuffix(".nnz") && o.hasSuffix(".onnx") { return .exporting }
        return nil
    }

    func validate() throws {
        guard let direction else {
            throw ValidationError("cannot tell the direction from '\(input)' → '\(output)'; convert model.onnx → model.nnz or model.nnz → model.onnx")
        }
        if direction == .exporting {
            for (flag, given) in [("--name", name != nil), ("--feature-names", featureNames != nil),
                                  ("--feature-names-from", featureNamesFrom != nil), ("--labels", labels != nil),
                                  ("--input-shape", inputShape != nil), ("--no-self-test", noSelfTest)] where given {
                throw ValidationError("\(flag) applies to import (.onnx → .nnz); an export keeps what the .nnz file holds")
            }
            if let opset, !ONNXExporter.opsets.contains(opset) {
                throw ValidationError("--opset \(opset) is outside \(ONNXExporter.opsets.lowerBound)–\(ONNXExporter.opsets.upperBound), the opsets the exporter writes")
            }
        } else if let opset, !ONNXImporter.opsets.contains(opset), opset <= ONNXImporter.opsets.upperBound {
            throw ValidationError("--opset \(opset) is older than \(ONNXImporter.opsets.lowerBound), the oldest opset the importer reads")
        }
        if featureNames != nil && featureNamesFrom != nil {
            throw ValidationError("give --feature-names or --feature-names-from, not both")
        }
        if let inputShape, parseShape(inputShape) == nil {
            throw ValidationError("--input-shape '\(inputShape)' is not CxHxW or F (positive integers, e.g. 1x28x28)")
        }
    }

    func parseShape(_ text: String) -> [Int]? {
        let parts = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 1 || parts.count == 3, parts.allSatisfy({ ($0 ?? 0) > 0 && $0! <= 1 << 24 }) else { return nil }
        return parts.map { $0! }
    }

    func run() throws {
        do {
            switch direction! {
            case .importing: try importONNX()
            case .exporting: try exportONNX()
            }
        } catch let failure as Failure {
            printError("nnzconvert: \(failure.message)")
            throw ExitCode(failure.code)
        }
    }

    func readBytes(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Failure("\(path): no such file", code: Exit.noInput)
        }
        if isDirectory.boolValue { throw Failure("\(path): is a directory, expected a model file", code: Exit.ioError) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure("\(path): cannot read", code: Exit.ioError)
        }
        return [UInt8](data)
    }

    func importONNX() throws {
        var options = ONNXImportOptions(name: name, inputShape: inputShape.flatMap(parseShape), opset: opset, selfTest: !noSelfTest)
        options.externalDataDirectory = input.contains("/") ? String(input[..<input.lastIndex(of: "/")!]) : "."
        if let featureNames { options.featureNames = featureNames.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        if let labels { options.classLabels = labels.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        if let featureNamesFrom { options.featureNames = try header(of: featureNamesFrom) }
        let bytes = try readBytes(input)
        let result: ONNXImportResult
        do {
            result = try ONNXImporter.convert(bytes: bytes, file: input, options: options)
        } catch {
            throw Failure(error.description, code: Exit.dataError)
        }
        for warning in result.warnings { printError("nnzconvert: warning: \(input): \(warning)") }
        do {
            try NNZWriter.write(result.model, to: output)
        } catch {
            throw Failure(error)
        }
        let model = result.model
        let parameters = model.tensors.reduce(0) { $0 + $1.values.count }
        printError("nnzconvert: \(input) → \(output): \(model.layers.count) layers, \(parameters) parameters, input [\(model.inputShape.map(String.init).joined(separator: ", "))], \(model.outputKind)")
    }

    func header(of path: String) throws -> [String] {
        let names: [String]?
        do throws(CSVError) {
            names = try CSVReader(path: path).readHeader()
        } catch {
            throw Failure("\(error)", code: error.kind == .fileNotFound ? Exit.noInput : Exit.dataError)
        }
        guard let names else {
            throw Failure("\(path): empty file, expected a header line with the feature names", code: Exit.dataError)
        }
        return names
    }

    func exportONNX() throws {
        let model: ModelFile
        do {
            model = try NNZReader.read(path: input)
        } catch {
            throw Failure(error.path == nil ? FormatError(error.code, error.message, offset: error.offset, chunk: error.chunk, path: input) : error)
        }
        let bytes: [UInt8]
        do {
            bytes = try ONNXExporter.export(model, opset: opset ?? ONNXExporter.defaultOpset)
        } catch {
            throw Failure(error.about(input).description, code: Exit.dataError)
        }
        do {
            try NNZWriter.writeAtomically(bytes, to: output)
        } catch {
            throw Failure(error)
        }
        printError("nnzconvert: \(input) → \(output): opset \(opset ?? ONNXExporter.defaultOpset), \(model.layers.count) layers")
    }
}
