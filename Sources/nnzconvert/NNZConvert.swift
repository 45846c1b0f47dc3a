import ArgumentParser
import Foundation
import NNZCSV
import NNZCommandLine
import NNZFormat
import NNZONNX
import NNZPrecision

/// `nnzconvert`: ONNX → .nnz and .nnz → ONNX, chosen by the file extensions.
@main
struct NNZConvert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nnzconvert",
        abstract: "Convert ONNX models to .nnz, .nnz models to ONNX, and .nnz weights to float16 or int8.",
        discussion: """
        The direction follows the extensions: model.onnx → model.nnz imports,
        model.nnz → model.onnx exports, model.nnz → other.nnz re-stores the weights
        (--weights).

        Import (PyTorch's TorchScript and dynamo exporters, skl2onnx MLPs and
        pipelines):
          nnzconvert model.onnx model.nnz
          nnzconvert mlp.onnx mlp.nnz --feature-names-from train.csv
          nnzconvert mlp.onnx mlp.nnz --labels setosa,versicolor,virginica
          nnzconvert cnn.onnx cnn.nnz --input-shape 1x28x28 --name digits-cnn

        Supported ops: Gemm, MatMul (+ Add as bias), Conv (group 1, dilation 1,
        symmetric pads), MaxPool, AveragePool, GlobalAveragePool, ReduceMean over H
        and W, BatchNormalization, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, Flatten,
        Reshape (a constant shape or the x.view(x.size(0), -1) chain), Dropout,
        Identity and Cast (dropped); leading Sub, Div, Mul and ai.onnx.ml Scaler
        become the input normalization; skl2onnx's ArgMax/ZipMap post-processing gives
        the class labels. IR versions 3–13 and opsets 9–23 are read; a newer opset is
        read, with a warning, when none of the model's ops changed since opset 23. The
        graph must be one chain of layers: branches are refused. Initializers saved as
        external data (model.onnx.data beside the model, the dynamo exporter's
        default) are read from the model's directory.

        The output kind: probabilities when the model ends in Softmax or Sigmoid,
        scores when it has class labels, regression otherwise. The .nnz file gets a
        self-test, so `nninfer verify model.nnz` checks it.

        Export (any valid .nnz file; the result passes onnx.checker and runs in ONNX
        Runtime):
          nnzconvert model.nnz model.onnx
          nnzconvert model.nnz model.onnx --opset 13

        Smaller files (--weights, for a .nnz output; format 1.1, docs/FORMAT.md §4):
          nnzconvert model.nnz model-int8.nnz --weights int8
          nnzconvert model.nnz model-f16.nnz --weights float16
          nnzconvert model.onnx model.nnz --weights int8
          nnzconvert model-int8.nnz model-f32.nnz --weights float32
        int8: each batch-norm right after a dense or conv2d layer is folded into it,
        then every dense and conv2d weight is stored as int8 with one scale per output
        channel (max |w| / 127); biases stay float32; the runtime computes these
        layers in integers (about 0.3× the float32 file). float16: every tensor
        rounded to float16, widened to float32 at load (about 0.5×). float32 widens a
        float16 or int8 file back. The self-test is recomputed for the stored weights,
        so `nninfer verify` checks what the new file computes.

        Feature names go in the input's doc_string, class labels and the rest of the
        metadata in metadata_props; importing the .onnx again gives the same layers
        and tensors, bit for bit.

        Exit codes: 0 success; 64 usage error; 65 the model cannot be converted (the
        message names the file, the node with its index, name, op type, domain and
        opset, and what is supported) or its weights cannot be stored as asked (a
        value beyond float16's range: the message names the tensor and element); 66
        the input file is missing; 74 I/O error.
        """,
        version: NNZONNXVersion.string
    )

    @Argument(help: "The model to read: a .onnx or a .nnz file.")
    var input: String

    @Argument(help: "The file to write: .nnz (import, or re-storing a .nnz with --weights) or .onnx (export). Written atomically.")
    var output: String

    @Option(help: ArgumentHelp("For a .nnz output: store the weights as float32, float16 or int8 (default: float32 on import; required for .nnz → .nnz).", valueName: "precision"))
    var weights: String?

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

    enum Direction { case importing, exporting, restoring }

    var direction: Direction? {
        let i = input.lowercased(), o = output.lowercased()
        if i.hasSuffix(".onnx") && o.hasSuffix(".nnz") { return .importing }
        if i.hasSuffix(".nnz") && o.hasSuffix(".onnx") { return .exporting }
        if i.hasSuffix(".nnz") && o.hasSuffix(".nnz") { return .restoring }
        return nil
    }

    var precision: WeightPrecision? { weights.flatMap(WeightPrecision.init(name:)) }

    func validate() throws {
        guard let direction else {
            throw ValidationError("cannot tell the direction from '\(input)' → '\(output)'; convert model.onnx → model.nnz, model.nnz → model.onnx, or model.nnz → other.nnz with --weights")
        }
        if let weights, WeightPrecision(name: weights) == nil {
            throw ValidationError("--weights '\(weights)': expected float32, float16 or int8")
        }
        if direction == .restoring {
            guard weights != nil else {
                throw ValidationError("a .nnz → .nnz conversion re-stores the weights: give --weights float32, float16 or int8")
            }
            for (flag, given) in [("--name", name != nil), ("--feature-names", featureNames != nil),
                                  ("--feature-names-from", featureNamesFrom != nil), ("--labels", labels != nil),
                                  ("--input-shape", inputShape != nil), ("--no-self-test", noSelfTest), ("--opset", opset != nil)] where given {
                throw ValidationError("\(flag) applies to ONNX conversions; .nnz → .nnz only re-stores the weights (--weights)")
            }
        }
        if direction == .exporting {
            if weights != nil {
                throw ValidationError("--weights applies to a .nnz output; an ONNX export holds float32 weights (int8 and float16 are widened)")
            }
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
            case .restoring: try restoreWeights()
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
        let model = try stored(result.model)
        _ = try write(model)
        let parameters = model.tensors.reduce(0) { $0 + $1.elementCount }
        let weightsText = model.weightPrecision == .float32 ? "" : ", \(model.weightPrecision) weights"
        printError("nnzconvert: \(input) → \(output): \(model.layers.count) layers, \(parameters) parameters\(weightsText), input [\(model.inputShape.map(String.init).joined(separator: ", "))], \(model.outputKind)")
    }

    /// `model` with its weights in `--weights` (as it is without the option). A value that
    /// cannot be stored (beyond float16's range) exits 65 with the tensor named.
    func stored(_ model: ModelFile) throws -> ModelFile {
        guard let precision else { return model }
        do {
            return try model.storingWeights(as: precision)
        } catch {
            throw Failure("\(output): cannot store the weights as \(precision): \(error.message)", code: Exit.dataError)
        }
    }

    /// Encodes and writes `model` atomically; its size in bytes.
    func write(_ model: ModelFile) throws -> Int {
        do {
            let bytes = try NNZWriter.encode(model)
            try NNZWriter.writeAtomically(bytes, to: output)
            return bytes.count
        } catch {
            throw Failure(error.path == nil ? FormatError(error.code, error.message, offset: error.offset, chunk: error.chunk, path: output) : error)
        }
    }

    /// .nnz → .nnz with `--weights`.
    func restoreWeights() throws {
        let original = try readModel()
        let inputBytes = (try? readBytes(input).count) ?? 0
        let model = try stored(original)
        let bytes = try write(model)
        let ratio = inputBytes > 0 ? Double(bytes) / Double(inputBytes) : 0
        let folded = original.layers.count - model.layers.count
        let foldText = folded > 0 ? ", \(folded) batch-norm\(folded == 1 ? "" : "s") folded" : ""
        printError("nnzconvert: \(input) → \(output): \(model.weightPrecision) weights\(foldText), \(inputBytes) → \(bytes) bytes (\(formatRatio(ratio))×)")
    }

    func readModel() throws -> ModelFile {
        do {
            return try NNZReader.read(path: input)
        } catch {
            throw Failure(error.path == nil ? FormatError(error.code, error.message, offset: error.offset, chunk: error.chunk, path: input) : error)
        }
    }

    func formatRatio(_ ratio: Double) -> String {
        let hundredths = Int((ratio * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
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
        let model = try readModel()
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
