import Foundation
import NNZFormat
import NNZRuntime

/// Walks one ONNX graph and builds the nnz layers: the importer's whole state.
///
/// The graph must be one chain: exactly one dynamic value (the *activation*) flows from the
/// input to the model's output; every other input of a node is a constant (an initializer, a
/// `Constant` node, or shape arithmetic folded here). A node that reads an activation that a
/// later node has already consumed is a branch and is refused.
final class GraphWalker {
    let proto: Onnx_ModelProto
    let graph: Onnx_GraphProto
    let options: ONNXImportOptions
    var warnings: [String] = []

    /// The default domain's opset, as read (after `--opset`).
    var opset = 0
    /// The `ai.onnx.ml` opset, when imported.
    var mlOpset: Int?
    var otherDomains: [String: Int] = [:]

    var constants: [String: Constant] = [:]
    private var initializers: [String: Onnx_TensorProto] = [:]
    /// The name of the value that holds the activation now.
    var active = ""
    /// Every name that has held the activation, with the node that consumed it.
    var consumedBy: [String: Int] = [:]
    /// The activation's shape without the batch axis.
    var shape: [Int] = []
    var inputShape: [Int] = []
    var inputName = ""
    /// The value that becomes the model's output.
    var mainOutput = ""
    /// The graph input's batch size when it is fixed (the dynamo exporter may fix it).
    var fixedBatch: Int64?

    var layers: [Layer] = []
    var tensors: [Tensor] = []
    /// Leading Sub/Add/Mul/Div/Scaler, as `(x - offset) / divisor`.
    var offset: [Float]?
    var divisor: [Float]?
    /// Whether a normalization constant had one value per input value (else one pair is stored).
    var normalizationPerValue = false
    /// The complement `1 - p` of a sigmoid output that skl2onnx concatenates for binary classes.
    var complement: (name: String, of: String)?
    var labels: [String]?
    var location = ONNXError.NodeLocation(index: 0, name: "", opType: "", domain: "", opset: 0)

    init(proto: Onnx_ModelProto, options: ONNXImportOptions) throws(ONNXError) {
        self.proto = proto
        self.graph = proto.graph
        self.options = options
    }

    // MARK: - Versions, input, output

    func run() throws(ONNXError) -> ONNXImportResult {
        try readVersions()
        guard proto.hasGraph else { throw ONNXError(.malformed, "the model has no graph") }
        for t in graph.initializer { initializers[t.name] = t }
        try readInput()
        let (output, slice) = try outputSlice()
        mainOutput = output
        try checkNewerOpset(slice)
        try checkBranches(slice)
        for index in slice { try step(index) }
        guard active == output else {
            throw ONNXError(.unsupported, "the output \"\(output)\" does not depend on the input \"\(inputName)\"")
        }
        return try finish()
    }

    func readVersions() throws(ONNXError) {
        let ir = proto.irVersion
        guard ONNXImporter.irVersions.contains(ir) else {
            let hint = ir > ONNXImporter.irVersions.upperBound
                ? "newer than this importer reads (\(ONNXImporter.irVersions.lowerBound)–\(ONNXImporter.irVersions.upperBound)); re-export with an older IR (onnx.helper.make_model(..., ir_version=10)) if its ops allow"
                : "older than this importer reads (\(ONNXImporter.irVersions.lowerBound)–\(ONNXImporter.irVersions.upperBound))\(ir == 0 ? "; is this an ONNX file?" : "")"
            throw ONNXError(.unsupportedVersion, "IR version \(ir) is \(hint)")
        }
        var fileOpset: Int?
        for entry in proto.opsetImport {
            let v = Int(clamping: entry.version)
            switch entry.domain {
            case "", "ai.onnx": fileOpset = v
            case "ai.onnx.ml": mlOpset = v
            default: otherDomains[entry.domain] = v
            }
        }
        if let forced = options.opset {
            if let f = fileOpset, f != forced { warnings.append("reading the model as opset \(forced) (--opset); the file imports opset \(f)") }
            fileOpset = forced
        }
        guard let opset = fileOpset else {
            throw ONNXError(.unsupportedVersion, "the model imports no default-domain (ai.onnx) opset; pass --opset K to say which it was written for")
        }
        guard opset >= ONNXImporter.opsets.lowerBound else {
            throw ONNXError(.unsupportedVersion, "opset \(opset) is older than \(ONNXImporter.opsets.lowerBound), the oldest this importer reads (\(ONNXImporter.opsets.lowerBound)–\(ONNXImporter.opsets.upperBound)); upgrade it with onnx.version_converter.convert_version(model, 17)")
        }
        if let ml = mlOpset, ml > OperatorVersions.newestMLOpset {
            warnings.append("ai.onnx.ml opset \(ml) is newer than \(OperatorVersions.newestMLOpset); its Scaler, ArrayFeatureExtractor and ZipMap are read as version 1 (they have not changed)")
        }
        self.opset = opset
    }

    /// An opset newer than the importer implements is read when none of the graph's ops changed since.
    func checkNewerOpset(_ slice: [Int]) throws(ONNXError) {
        let known = ONNXImporter.opsets.upperBound
        guard opset > known else { return }
        var ops: [String] = []
        for index in slice where isDefaultDomain(graph.node[index].domain) {
            let op = graph.node[index].opType
            if let changed = OperatorVersions.changeAfter(known, upTo: opset, of: op) {
                location = locate(index)
                throw ONNXError(.unsupportedVersion, node: location,
                                "\(op) changed in opset \(changed), after opset \(known), the newest this importer implements; convert the model to opset \(known) (onnx.version_converter.convert_version(model, \(known))) or export it with opset_version=\(known)")
            }
            if !ops.contains(op) { ops.append(op) }
        }
        var text = "the model imports opset \(opset), newer than \(known), the newest this importer implements; none of its ops (\(ops.sorted().joined(separator: ", "))) changed between \(known) and \(min(opset, OperatorVersions.newestKnownOpset)), so it is read as opset \(known)"
        if opset > OperatorVersions.newestKnownOpset {
            text += " (the operator changelog this importer carries ends at opset \(OperatorVersions.newestKnownOpset); a change after that would not be noticed)"
        }
        warnings.append(text)
    }

    func readInput() throws(ONNXError) {
        let inputs = graph.input.filter { initializers[$0.name] == nil }
        guard inputs.count == 1 else {
            let names = inputs.map { "\"\($0.name)\"" }.joined(separator: ", ")
            throw ONNXError(.unsupported, inputs.isEmpty ? "the graph has no input that is not an initializer"
                : "the graph has \(inputs.count) inputs (\(names)); nnz models take one input tensor (a weight must be an initializer: export with torch.onnx.export(..., export_params=True))")
        }
        let input = inputs[0]
        inputName = input.name
        guard case .tensorType(let t)? = input.type.value else {
            throw ONNXError(.unsupported, "input \"\(input.name)\" is not a tensor; nnz models take one float tensor")
        }
        guard t.elemType == 1 else {
            throw ONNXError(.unsupported, "input \"\(input.name)\" has element type \(Constant.typeName(t.elemType)); nnz models take float32 input (convert with --opset/cast in the exporter, e.g. skl2onnx's FloatTensorType)")
        }
        var dims: [Int?] = []
        for d in t.shape.dim {
            if case .dimValue(let v)? = d.value, v > 0, v <= 1 << 24 { dims.append(Int(v)) } else { dims.append(nil) }
        }
        if dims.count >= 1, let b = dims[0] { fixedBatch = Int64(b) }
        let sample = Array(dims.dropFirst())
        var shape: [Int]?
        if (sample.count == 1 || sample.count == 3), sample.allSatisfy({ $0 != nil }) { shape = sample.map { $0! } }
        if let given = options.inputShape {
            let total = given.reduce(1, *)
            if let s = shape, s.reduce(1, *) != total {
                throw ONNXError(.invalid, "--input-shape \(given.map(String.init).joined(separator: "x")) has \(total) values, but input \"\(input.name)\" holds \(s.reduce(1, *)) per row (\(s))")
            }
            shape = given
        }
        if let s = shape {
            var total = 1
            for d in s {
                let (p, overflow) = total.multipliedReportingOverflow(by: d)
                guard !overflow, p <= Limits.maxActivationElements else {
                    throw ONNXError(.unsupported, "input \"\(input.name)\" has shape \(s) per row, more than 2^28 values (nnz's limit for one activation)")
                }
                total = p
            }
        }
        guard let s = shape else {
            let text = dims.map { $0.map(String.init) ?? "?" }.joined(separator: ", ")
            throw ONNXError(.unsupported, "input \"\(input.name)\" has shape [\(text)]; nnz needs [N, F] or [N, C, H, W] with known F or C, H, W (pass --input-shape CxHxW or --input-shape F)")
        }
        inputShape = s
        self.shape = s
        active = input.name
    }

    /// The value the model's output is (skl2onnx's probabilities before ZipMap, else the one
    /// float output) and the nodes that compute it, in graph order.
    func outputSlice() throws(ONNXError) -> (String, [Int]) {
        var producer: [String: Int] = [:]
        for (i, n) in graph.node.enumerated() { for o in n.output where !o.isEmpty { producer[o] = i } }
        var main: String?
        for (i, n) in graph.node.enumerated() where n.opType == "ZipMap" {
            location = locate(i)
            let a = NodeAttributes(n, location: location)
            if let strings = a.strings("classlabels_strings"), !strings.isEmpty { labels = strings }
            if let ints = try a.ints("classlabels_int64s"), !ints.isEmpty { labels = ints.map { String($0) } }
            main = n.input.first
        }
        if main == nil {
            let floats = graph.output.filter {
                if case .tensorType(let t)? = $0.type.value { return t.elemType == 1 }
                return false
            }
            if floats.count == 1 { main = floats[0].name }
            else if graph.output.count == 1 { main = graph.output[0].name }
            else {
                let names = graph.output.map { "\"\($0.name)\"" }.joined(separator: ", ")
                throw ONNXError(.branches, "the graph has \(graph.output.count) outputs (\(names)); nnz models have one output")
            }
        }
        guard let output = main else { throw ONNXError(.invalid, "the graph has no output") }
        // Labels from ArrayFeatureExtractor(classes, argmax) when there is no ZipMap.
        if labels == nil {
            for n in graph.node where n.opType == "ArrayFeatureExtractor" {
                if let t = initializers[n.input.first ?? ""], let c = try? Constant(t, what: "classes") {
                    labels = c.strings ?? c.ints?.map { String($0) }
                }
            }
        }
        var inSlice = Set<Int>()
        var stack = [output]
        var seen = Set<String>()
        while let name = stack.popLast() {
            guard seen.insert(name).inserted, let p = producer[name] else { continue }
            inSlice.insert(p)
            stack.append(contentsOf: graph.node[p].input.filter { !$0.isEmpty })
        }
        let postProcessing: Set<String> = ["ArgMax", "ArrayFeatureExtractor", "ZipMap", "Cast", "Reshape", "Identity", "Flatten",
                                           "Squeeze", "Unsqueeze", "Constant", "Shape", "Gather", "Concat", "Softmax"]
        for (i, n) in graph.node.enumerated() where !inSlice.contains(i) && !postProcessing.contains(n.opType) {
            let out = n.output.first ?? ""
            throw ONNXError(.branches, node: locate(i),
                            "computes \"\(out)\", which is not on the path to the model's output \"\(output)\"; nnz models are one chain of layers with one output (a second output, a residual connection or a concatenation of branches cannot be represented)")
        }
        return (output, inSlice.sorted())
    }

    /// Refuses, at the node where two paths from the input meet, a graph that forks: a
    /// residual `Add` or a `Concat` of branches. (skl2onnx's `Concat(1 - p, p)` is not a fork.)
    func checkBranches(_ slice: [Int]) throws(ONNXError) {
        var dynamic: Set<String> = [inputName]
        var complementOf: [String: String] = [:]
        for index in slice {
            let node = graph.node[index]
            let inputs = node.input.filter { dynamic.contains($0) }
            if node.opType == "Shape" { continue }
            let distinct = Array(Set(inputs))
            if distinct.count >= 2 {
                let isComplement = node.opType == "Concat" && distinct.count == 2
                    && (complementOf[distinct[0]] == distinct[1] || complementOf[distinct[1]] == distinct[0])
                if !isComplement {
                    location = locate(index)
                    let what: String
                    switch node.opType {
                    case "Add", "Sum", "Sub", "Mul": what = "a residual connection"
                    case "Concat": what = "a concatenation of branches"
                    default: what = "two branches meeting"
                    }
                    let names = node.input.filter { dynamic.contains($0) }.map { "\"\($0)\"" }.joined(separator: " and ")
                    throw ONNXError(.branches, node: location,
                                    "\(node.opType) of \(names), both computed from the input: the graph branches (\(what)); nnz models are one chain of layers")
                }
            }
            if !inputs.isEmpty {
                for o in node.output where !o.isEmpty { dynamic.insert(o) }
                if node.opType == "Sub", inputs.count == 1, node.input.count == 2, node.input[1] == inputs[0], let o = node.output.first {
                    complementOf[o] = inputs[0]
                }
            }
        }
    }

    // MARK: - Helpers

    func isDefaultDomain(_ domain: String) -> Bool { domain.isEmpty || domain == "ai.onnx" }

    func locate(_ index: Int) -> ONNXError.NodeLocation {
        let n = graph.node[index]
        let domain = isDefaultDomain(n.domain) ? "ai.onnx" : n.domain
        let version = isDefaultDomain(n.domain) ? opset : (n.domain == "ai.onnx.ml" ? (mlOpset ?? 1) : (otherDomains[n.domain] ?? 0))
        return ONNXError.NodeLocation(index: index, name: n.name, opType: n.opType, domain: domain, opset: version)
    }

    func fail(_ reason: String, _ code: ONNXError.Code = .unsupported) -> ONNXError {
        ONNXError(code, node: location, reason)
    }

    /// The constant named `name` (an initializer, a `Constant` output, a folded value).
    func constant(_ name: String, _ what: String) throws(ONNXError) -> Constant {
        if let c = constants[name] { return c }
        if let t = initializers[name] {
            let c: Constant
            do { c = try Constant(t, what: "initializer \"\(name)\"") } catch { throw fail(error.reason, error.code) }
            constants[name] = c
            return c
        }
        if consumedBy[name] != nil || name == active {
            throw fail("\(what) \"\(name)\" is computed from the input; nnz needs it to be a constant (an initializer)")
        }
        throw fail("\(what) \"\(name)\" is neither an initializer nor computed by an earlier node", .invalid)
    }

    /// Whether `name` is (a name of) the activation; refuses an activation already consumed.
    func isActivation(_ name: String, at index: Int) throws(ONNXError) -> Bool {
        if name == active { return true }
        if let other = consumedBy[name] {
            throw fail("reads \"\(name)\", which node \(other) (\(graph.node[other].opType)) already consumed: the graph branches; nnz models are one chain of layers (no residual connections, no concatenation of branches)", .branches)
        }
        return false
    }

    /// Marks the activation consumed by node `index` and moves it to `output`.
    func advance(to output: String, at index: Int) {
        consumedBy[active] = index
        active = output
    }

    func floats(_ c: Constant, _ what: String) throws(ONNXError) -> [Float] {
        guard let f = c.floats else { throw fail("\(what) must be a float tensor", .invalid) }
        for v in f where !v.isFinite { throw fail("\(what) holds a non-finite value (\(v))", .invalid) }
        return f
    }

    func appendLayer(_ layer: Layer, _ values: [String: [Float]]) throws(ONNXError) {
        let index = layers.count
        switch layer.outputShape(for: shape) {
        case .success(let s): shape = s
        case .failure(let m): throw fail("\(m)", .invalid)
        }
        for (name, tensorShape) in zip(layer.parameterNames, layer.parameterShapes) {
            tensors.append(Tensor(name: "layers.\(index).\(name)", shape: tensorShape, values: values[name]!))
        }
        layers.append(layer)
    }

    /// A per-feature (or per-channel) constant as one value per input element, or nil.
    func perInputValue(_ c: Constant, _ values: [Float]) -> [Float]? {
        let total = inputShape.reduce(1, *)
        if values.count == 1 { return [Float](repeating: values[0], count: total) }
        let significant = c.dims.drop { $0 == 1 }
        if values.count == total, Array(significant) == Array(inputShape.drop { $0 == 1 }) || significant.count <= 1 { return values }
        if inputShape.count == 3, values.count == inputShape[0] {
            let trailing = Array(c.dims.reversed().prefix(2))
            guard trailing.allSatisfy({ $0 == 1 }) else { return nil }
            let plane = inputShape[1] * inputShape[2]
            return values.flatMap { [Float](repeating: $0, count: plane) }
        }
        return nil
    }

    /// A constant broadcast over `count` outputs (`[count]`, `[1, count]`, `[count, 1, 1]`, scalar).
    func perOutput(_ c: Constant, _ values: [Float], count: Int) -> [Float]? {
        if values.count == 1 { return [Float](repeating: values[0], count: count) }
        guard values.count == count else { return nil }
        return values
    }

    // MARK: - Finishing

    func finish() throws(ONNXError) -> ONNXImportResult {
        guard !layers.isEmpty else { throw ONNXError(.unsupported, "the graph has no layer nnz can run (only reshapes and no-ops)") }
        let outputWidth = shape.reduce(1, *)
        guard shape.count == 1 else {
            throw ONNXError(.unsupported, "the output has shape [N, \(shape.map(String.init).joined(separator: ", "))]; nnz models end in a flat [N, K] output (add a Flatten)")
        }
        let props = Dictionary(proto.metadataProps.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        var metadata = Metadata()
        let carried = NNZMetadataProps.decode(props)
        if props[NNZMetadataProps.outputKindKey] != nil {
            // Written by nnz: its META comes back exactly (possibly empty).
            for (k, v) in carried { metadata[k] = v }
        } else {
            if !graph.name.isEmpty { metadata[Metadata.Key.name] = .string(graph.name) }
            metadata[Metadata.Key.producer] = .string("nnzconvert")
            metadata[Metadata.Key.producerVersion] = .string(NNZONNXVersion.string)
            let producer = [proto.producerName, proto.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
            metadata["onnx.producer"] = .string(producer.isEmpty ? "unknown" : producer)
            metadata["onnx.ir_version"] = .number(Double(proto.irVersion))
            metadata["onnx.opset"] = .number(Double(opset))
            if let labels { metadata[Metadata.Key.classLabels] = .stringList(labels) }
        }
        if let name = options.name { metadata[Metadata.Key.name] = .string(name) }
        if let names = options.featureNames {
            guard names.count == inputShape.reduce(1, *) else {
                throw ONNXError(.invalid, "\(names.count) feature names for \(inputShape.reduce(1, *)) input values")
            }
            metadata[Metadata.Key.featureNames] = .stringList(names)
        }
        if let given = options.classLabels { metadata[Metadata.Key.classLabels] = .stringList(given) }
        if case .stringList(let l)? = metadata[Metadata.Key.classLabels], l.count != outputWidth {
            throw ONNXError(.invalid, "\(l.count) class labels (\(l.prefix(4).joined(separator: ", "))\(l.count > 4 ? ", …" : "")) for \(outputWidth) outputs")
        }
        var kind: OutputKind
        switch layers.last! {
        case .softmax, .sigmoid: kind = .probabilities
        default: kind = metadata[Metadata.Key.classLabels] != nil ? .scores : .regression
        }
        if let carriedKind = props[NNZMetadataProps.outputKindKey], let k = NNZMetadataProps.outputKind(carriedKind) { kind = k }
        var normalization: InputNormalization?
        if offset != nil || divisor != nil {
            let total = inputShape.reduce(1, *)
            var mean = offset ?? [Float](repeating: 0, count: total), std = divisor ?? [Float](repeating: 1, count: total)
            if !normalizationPerValue { mean = [mean[0]]; std = [std[0]] }
            normalization = .standard(mean: mean, std: std)
            if let text = props[NNZMetadataProps.minMaxKey], props[NNZMetadataProps.outputKindKey] != nil {
                let maxima = text.split(separator: ",").compactMap { UInt32($0, radix: 16) }.map(Float.init(bitPattern:))
                if maxima.count == mean.count { normalization = .minMax(min: mean, max: maxima) }
            }
        }
        var model = ModelFile(inputShape: inputShape, outputKind: kind, layers: layers, tensors: tensors,
                              normalization: normalization, metadata: metadata)
        // In-memory validation applies the reader's rules without compressing the tensors; the
        // caller encodes once, to write.
        do {
            _ = try ValidatedModel(model)
        } catch {
            throw ONNXError(.invalid, "the converted model is not a valid .nnz model: \(error)")
        }
        // The self-test holds at most 2^20 input values (4 rows, fewer for wide inputs): its size
        // comes from the file's input shape, which may be up to 2^28 values per row.
        let selfTestRows = min(4, (1 << 20) / max(model.inputElementCount, 1))
        if options.selfTest, selfTestRows > 0 {
            do {
                let runtime = try Model(file: model)
                let inputs = SelfTestInputs.make(width: model.inputElementCount, rows: selfTestRows, normalization: normalization)
                let outputs = try runtime.predict(rows: inputs)
                let largest = outputs.joined().reduce(Float(1)) { max($0, abs($1)) }
                if outputs.joined().allSatisfy({ $0.isFinite }) {
                    model.selfTest = SelfTest(tolerance: 1e-5 * largest, inputs: inputs, outputs: outputs)
                }
            } catch {
                throw ONNXError(.invalid, "the converted model does not run: \(error)")
            }
        }
        let producer = [proto.producerName, proto.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        return ONNXImportResult(model: model, warnings: warnings, producer: producer)
    }
}

/// The version of the converter, written as META `producer_version`.
public enum NNZONNXVersion {
    /// `0.2.0`.
    public static let string = "0.2.0"
}

/// Deterministic self-test inputs: a fixed linear congruential sequence in [-1, 1], mapped
/// through the input normalization's inverse so the layers see values of order 1.
enum SelfTestInputs {
    static func make(width: Int, rows: Int, normalization: InputNormalization?) -> [[Float]] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<rows).map { _ in
            (0..<width).map { j in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let u = Float(Double(state >> 40) / Double(1 << 24)) * 2 - 1
                guard let n = normalization else { return u }
                let a = n.first.count == 1 ? n.first[0] : n.first[j]
                let b = n.second.count == 1 ? n.second[0] : n.second[j]
                return n.kind == .standard ? a + b * u : a + (b - a) * (u + 1) / 2
            }
        }
    }
}
