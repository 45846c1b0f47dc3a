import Foundation
import NNZFormat
import SwiftProtobuf

/// Writes an nnz ``ModelFile`` as an ONNX model that ONNX Runtime runs and
/// `onnx.checker.check_model(full_check=True)` accepts.
///
/// Each layer becomes one standard op: dense → `Gemm` (B = the `[inputs, outputs]` weight,
/// transB 0), conv2d → `Conv`, maxpool → `MaxPool`, avgpool → `AveragePool`
/// (`count_include_pad` as stored), globalavgpool → `GlobalAveragePool`, flatten → `Flatten`,
/// the activations → `Relu`/`LeakyRelu`/`Sigmoid`/`Tanh`/`Softmax`, batchnorm →
/// `BatchNormalization`, scale-at-inference dropout → `Mul` by `1 - ratio`, inverted dropout →
/// `Dropout` (the identity at inference). The input normalization becomes `Sub` and `Div`.
/// Initializers keep the nnz tensor names (`layers.0.weight`, …) and their exact bits. Feature
/// names go in the input's `doc_string`, class labels and the rest of META in `metadata_props`.
///
/// ```swift
/// let model = try NNZReader.read(path: "digits.nnz")
/// let bytes = try ONNXExporter.export(model, opset: 17)
/// ```
public enum ONNXExporter {
    /// The opsets the exporter writes.
    public static let opsets: ClosedRange<Int> = 13...21
    /// The opset written when none is asked for.
    public static let defaultOpset = 17

    /// The IR version that goes with each opset (onnx.helper.VERSION_TABLE: the release that
    /// introduced the opset), so older runtimes load the file.
    static func irVersion(for opset: Int) -> Int64 {
        switch opset {
        case ...14: return 7
        case 15...18: return 8
        case 19...20: return 9
        default: return 10
        }
    }

    /// The serialized ONNX `ModelProto` for `model` at `opset`.
    public static func export(_ model: ModelFile, opset: Int = defaultOpset) throws(ONNXError) -> [UInt8] {
        let proto = try makeProto(model, opset: opset)
        do {
            let data: Data = try proto.serializedData()
            return [UInt8](data)
        } catch {
            throw ONNXError(.exportUnsupported, "protobuf serialization failed: \(error)")
        }
    }

    static func makeProto(_ model: ModelFile, opset: Int) throws(ONNXError) -> Onnx_ModelProto {
        guard opsets.contains(opset) else {
            throw ONNXError(.exportUnsupported, "opset \(opset) is outside what the exporter writes (\(opsets.lowerBound)–\(opsets.upperBound))")
        }
        var graph = Onnx_GraphProto()
        graph.name = model.metadata.name ?? "nnz"
        var builder = GraphBuilder()
        let inputName = "input"
        var current = inputName

        var input = Onnx_ValueInfoProto()
        input.name = inputName
        input.type = tensorType(dims: model.inputShape)
        if let names = model.metadata.featureNames {
            input.docString = "features: " + JSONStrings.encode(names)
            if irVersion(for: opset) >= 10 {
                var p = Onnx_StringStringEntryProto()
                p.key = Metadata.Key.featureNames
                p.value = JSONStrings.encode(names)
                input.metadataProps = [p]
            }
        } else {
            input.docString = "input: \(model.inputElementCount) values per row, shape [N, \(model.inputShape.map(String.init).joined(separator: ", "))]"
        }
        graph.input = [input]

        if let n = model.normalization {
            let shape = n.first.count == 1 ? [1] : model.inputShape
            let scale: [Float]
            switch n.kind {
            case .standard: scale = n.second
            case .minMax: scale = zip(n.second, n.first).map { $0 - $1 }
            }
            let offsetName = builder.initializer("normalization.offset", shape: shape, values: n.first)
            let scaleName = builder.initializer("normalization.scale", shape: shape, values: scale)
            current = builder.node("Sub", [current, offsetName], name: "normalization.sub")
            current = builder.node("Div", [current, scaleName], name: "normalization.div")
        }

        for (index, layer) in model.layers.enumerated() {
            let prefix = "layers.\(index)"
            func tensor(_ name: String) -> String {
                let t = model.tensor(named: "\(prefix).\(name)")!
                return builder.initializer(t.name, shape: t.shape, values: t.values)
            }
            switch layer {
            case .dense(let d):
                var inputs = [current, tensor("weight")]
                if d.hasBias { inputs.append(tensor("bias")) }
                current = builder.node("Gemm", inputs, name: "\(prefix).dense")
            case .conv2d(let c):
                var inputs = [current, tensor("weight")]
                if c.hasBias { inputs.append(tensor("bias")) }
                current = builder.node("Conv", inputs, name: "\(prefix).conv2d", attributes: [
                    .ints("kernel_shape", [c.kernelHeight, c.kernelWidth]),
                    .ints("strides", [c.strideHeight, c.strideWidth]),
                    .ints("pads", [c.padHeight, c.padWidth, c.padHeight, c.padWidth]),
                ])
            case .maxPool(let p):
                current = builder.node("MaxPool", [current], name: "\(prefix).maxpool", attributes: [
                    .ints("kernel_shape", [p.kernelHeight, p.kernelWidth]),
                    .ints("strides", [p.strideHeight, p.strideWidth]),
                    .ints("pads", [p.padHeight, p.padWidth, p.padHeight, p.padWidth]),
                ])
            case .avgPool(let p):
                current = builder.node("AveragePool", [current], name: "\(prefix).avgpool", attributes: [
                    .ints("kernel_shape", [p.kernelHeight, p.kernelWidth]),
                    .ints("strides", [p.strideHeight, p.strideWidth]),
                    .ints("pads", [p.padHeight, p.padWidth, p.padHeight, p.padWidth]),
                    .int("count_include_pad", p.countIncludePad ? 1 : 0),
                ])
            case .globalAvgPool:
                current = builder.node("GlobalAveragePool", [current], name: "\(prefix).globalavgpool")
            case .flatten:
                current = builder.node("Flatten", [current], name: "\(prefix).flatten", attributes: [.int("axis", 1)])
            case .relu:
                current = builder.node("Relu", [current], name: "\(prefix).relu")
            case .leakyRelu(let alpha):
                current = builder.node("LeakyRelu", [current], name: "\(prefix).leakyrelu", attributes: [.float("alpha", alpha)])
            case .sigmoid:
                current = builder.node("Sigmoid", [current], name: "\(prefix).sigmoid")
            case .tanh:
                current = builder.node("Tanh", [current], name: "\(prefix).tanh")
            case .softmax:
                current = builder.node("Softmax", [current], name: "\(prefix).softmax", attributes: [.int("axis", -1)])
            case .dropout(let d):
                switch d.convention {
                case .scaleAtInference:
                    let keep = builder.initializer("\(prefix).keep", shape: [], values: [1 - d.ratio])
                    current = builder.node("Mul", [current, keep], name: "\(prefix).dropout",
                                           doc: "\(NNZMetadataProps.scaleDropoutDocPrefix)\(d.ratio)")
                case .inverted:
                    let ratio = builder.initializer("\(prefix).ratio", shape: [], values: [d.ratio])
                    current = builder.node("Dropout", [current, ratio], name: "\(prefix).dropout",
                                           doc: "\(NNZMetadataProps.dropoutDocPrefix), the identity at inference")
                }
            case .batchNorm(let b):
                let inputs = [current, tensor("gamma"), tensor("beta"), tensor("running_mean"), tensor("running_var")]
                current = builder.node("BatchNormalization", inputs, name: "\(prefix).batchnorm", attributes: [
                    .float("epsilon", b.epsilon), .float("momentum", b.momentum),
                ])
            }
        }
        // The last node writes the graph output.
        let outputName = "output"
        builder.rename(current, to: outputName)
        let outputWidth = builder.outputWidth(model)
        var output = Onnx_ValueInfoProto()
        output.name = outputName
        output.type = tensorType(dims: [outputWidth])
        if let labels = model.metadata.classLabels {
            output.docString = "\(NNZMetadataProps.outputKindName(model.outputKind)) for classes " + JSONStrings.encode(labels)
        } else {
            output.docString = NNZMetadataProps.outputKindName(model.outputKind)
        }
        graph.output = [output]
        graph.node = builder.nodes
        graph.initializer = builder.initializers

        var proto = Onnx_ModelProto()
        proto.irVersion = irVersion(for: opset)
        var op = Onnx_OperatorSetIdProto()
        op.domain = ""
        op.version = Int64(opset)
        proto.opsetImport = [op]
        proto.producerName = "nnz"
        proto.producerVersion = NNZONNXVersion.string
        proto.graph = graph
        if let description = model.metadata.modelDescription { proto.docString = description }
        var props = NNZMetadataProps.encode(model.metadata)
        props.append((NNZMetadataProps.outputKindKey, NNZMetadataProps.outputKindName(model.outputKind)))
        props.append((NNZMetadataProps.formatKey, model.formatVersion.description))
        if let n = model.normalization, n.kind == .minMax {
            // Sub/Div carry min and max - min; the maxima come back exactly from here.
            props.append((NNZMetadataProps.minMaxKey, n.second.map { String($0.bitPattern, radix: 16) }.joined(separator: ",")))
        }
        proto.metadataProps = props.map { key, value in
            var p = Onnx_StringStringEntryProto()
            p.key = key
            p.value = value
            return p
        }
        return proto
    }

    static func tensorType(dims: [Int]) -> Onnx_TypeProto {
        var shape = Onnx_TensorShapeProto()
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "N"
        shape.dim = [batch] + dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = Int64(d)
            return dim
        }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = 1
        tensor.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = tensor
        return type
    }
}

/// Collects nodes and initializers with unique value names.
struct GraphBuilder {
    enum Attribute {
        case int(String, Int)
        case ints(String, [Int])
        case float(String, Float)
    }

    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []
    private var counter = 0

    mutating func initializer(_ name: String, shape: [Int], values: [Float]) -> String {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = shape.map { Int64($0) }
        t.dataType = 1
        var raw = [UInt8]()
        raw.reserveCapacity(values.count * 4)
        for v in values {
            let bits = v.bitPattern
            raw.append(UInt8(truncatingIfNeeded: bits))
            raw.append(UInt8(truncatingIfNeeded: bits >> 8))
            raw.append(UInt8(truncatingIfNeeded: bits >> 16))
            raw.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
        t.rawData = Data(raw)
        initializers.append(t)
        return name
    }

    /// Appends a node with one output and returns that output's name.
    mutating func node(_ op: String, _ inputs: [String], name: String, attributes: [Attribute] = [], doc: String = "") -> String {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = name
        n.input = inputs
        counter += 1
        let output = "\(name).out"
        n.output = [output]
        if !doc.isEmpty { n.docString = doc }
        n.attribute = attributes.map { a in
            var p = Onnx_AttributeProto()
            switch a {
            case .int(let k, let v): p.name = k; p.type = .int; p.i = Int64(v)
            case .ints(let k, let v): p.name = k; p.type = .ints; p.ints = v.map { Int64($0) }
            case .float(let k, let v): p.name = k; p.type = .float; p.f = v
            }
            return p
        }
        nodes.append(n)
        return output
    }

    /// Renames the value `old` (the last node's output, or the graph input) to `new`.
    mutating func rename(_ old: String, to new: String) {
        if nodes.isEmpty || nodes[nodes.count - 1].output.first != old {
            // No layer wrote it (impossible for a valid model: there is at least one layer).
            _ = node("Identity", [old], name: "output.identity")
        }
        nodes[nodes.count - 1].output = [new]
    }

    func outputWidth(_ model: ModelFile) -> Int {
        var shape = model.inputShape
        for layer in model.layers {
            if case .success(let s) = layer.outputShape(for: shape) { shape = s }
        }
        return shape.reduce(1, *)
    }
}
