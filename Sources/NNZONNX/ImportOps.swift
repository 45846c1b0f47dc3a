import Foundation
import NNZFormat

/// The importer's op table: one method per supported op (or group of ops).
extension GraphWalker {
    /// Every op the importer reads, for messages.
    static let supportedOps = "Gemm, MatMul, Add, Sub, Mul, Div, Conv, MaxPool, AveragePool, GlobalAveragePool, ReduceMean over H and W, BatchNormalization, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, Flatten, Reshape, Dropout, Identity, Cast, Constant, Shape, Gather, Unsqueeze, Squeeze, Concat (ai.onnx); Scaler, and ArgMax/ArrayFeatureExtractor/ZipMap as post-processing (ai.onnx.ml)"

    func step(_ index: Int) throws(ONNXError) {
        let node = graph.node[index]
        location = locate(index)
        let a = NodeAttributes(node, location: location)
        if !isDefaultDomain(node.domain) && node.domain != "ai.onnx.ml" {
            throw fail("domain \(node.domain) is not supported; the importer reads ai.onnx and ai.onnx.ml")
        }
        if node.domain == "ai.onnx.ml" {
            guard node.opType == "Scaler" else {
                throw fail("\(node.opType) cannot be part of the model's computation; supported: \(Self.supportedOps)")
            }
            return try scaler(node, a, index)
        }
        switch node.opType {
        case "Gemm": try gemm(node, a, index)
        case "MatMul": try matMul(node, index)
        case "Add", "Sub", "Mul", "Div": try arithmetic(node, index)
        case "Conv": try conv(node, a, index)
        case "MaxPool", "AveragePool": try pool(node, a, index)
        case "GlobalAveragePool":
            try requireActivation(node, index)
            try appendLayer(.globalAvgPool, [:])
            advance(to: node.output[0], at: index)
        case "ReduceMean": try reduceMean(node, a, index)
        case "BatchNormalization": try batchNorm(node, a, index)
        case "Relu", "Sigmoid", "Tanh", "LeakyRelu": try activation(node, a, index)
        case "Softmax": try softmax(node, a, index)
        case "Flatten": try flatten(node, a, index)
        case "Reshape": try reshape(node, a, index)
        case "Identity": try passThrough(node, index)
        case "Dropout": try dropout(node, a, index)
        case "Cast": try cast(node, a, index)
        case "Constant": try constantNode(node, a)
        case "Shape": try shapeOf(node, a, index)
        case "Gather": try gather(node, a)
        case "Unsqueeze", "Squeeze": try squeeze(node, a)
        case "Concat": try concat(node, a, index)
        case "ArgMax", "ArrayFeatureExtractor", "ZipMap":
            throw fail("\(node.opType) cannot be part of the model's computation (nnz computes scores or probabilities; predicted labels come from nninfer)")
        default:
            throw fail("op \(node.opType) is not supported; supported: \(Self.supportedOps)")
        }
    }

    // MARK: - Dense

    func requireActivation(_ node: Onnx_NodeProto, _ index: Int, input: Int = 0) throws(ONNXError) {
        guard node.input.count > input, try isActivation(node.input[input], at: index) else {
            throw fail("input \(input) must be the activation computed from the model input", .unsupported)
        }
        for (i, name) in node.input.enumerated() where i != input && !name.isEmpty {
            if try isActivation(name, at: index) {
                throw fail("reads the activation twice (inputs \(input) and \(i)): the graph branches; nnz models are one chain of layers", .branches)
            }
        }
    }

    func flatInput(_ op: String) throws(ONNXError) -> Int {
        guard shape.count == 1 else {
            throw fail("\(op) needs a flat [N, F] input, got [N, \(shape.map(String.init).joined(separator: ", "))] (add a Flatten before it)")
        }
        return shape[0]
    }

    func gemm(_ node: Onnx_NodeProto, _ a: NodeAttributes, _ index: Int) throws(ONNXError) {
        try requireActivation(node, index)
        guard node.input.count >= 2 else { throw fail("Gemm needs inputs A and B", .invalid) }
        let transA = try a.int("transA", default: 0), transB = try a.int("transB", default: 0)
        let alpha = try a.float("alpha", default: 1), beta = try a.float("beta", default: 1)
        guard transA == 0 else { throw fail("transA=1 transposes the batch; supported: transA=0 (transB 0 or 1, any alpha and beta)") }
        let width = try flatInput("Gemm")
        let b = try constant(node.input[1], "B")
        let w = try floats(b, "B")
        guard b.dims.count == 2 else { throw fail("B has shape \(b.dims), expected a 2-D weight", .invalid) }
        let (rows, cols) = transB != 0 ? (b.dims[1], b.dims[0]) : (b.dims[0], b.dims[1])
        guard rows == width else { throw fail("B is \(b.dims)\(transB != 0 ? " (transB=1)" : ""): \(rows) inputs, but the activation has \(width)", .invalid) }
        var weight = [Float](repeating: 0, count: rows * cols)
        for i in 0..<rows {
            for j in 0..<cols {
                let v = transB != 0 ? w[j * rows + i] : w[i * cols + j]
                weight[i * cols + j] = alpha == 1 ? v : alpha * v
            }
        }
        var values = ["weight": weight]
        var hasBias = false
        if node.input.count > 2, !node.input[2].isEmpty {
            let c = try constant(node.input[2], "C")
            guard let bias = perOutput(c, try floats(c, "C"), count: cols) else {
                throw fail("C has shape \(c.dims); expected [\(cols)], [1, \(cols)] or a scalar", .invalid)
            }
            values["bias"] = beta == 1 ? bias : bias.map { beta * $0 }
            hasBias = true
        }
        try appendLayer(.dense(DenseLayer(inputs: rows, outputs: cols, hasBias: hasBias)), values)
        advance(to: node.output[0], at: index)
    }

    func matMul(_ node: Onnx_NodeProto, _ index: Int) throws(ONNXError) {
        guard node.input.count == 2 else { throw fail("MatMul needs two inputs", .invalid) }
        if try !isActivation(node.input[0], at: index) {
            throw fail("MatMul with the activation as its second input (W · x) is not supported; supported: MatMul(x, W) with W an initializer")
        }
        try requireActivation(node, index)
        let width = try flatInput("MatMul")
        let b = try constant(node.input[1], "weight")
        let w = try floats(b, "weight")
        guard b.dims.count == 2, b.dims[0] == width else {
            throw fail("weight has shape \(b.dims), expected [\(width), K]", .invalid)
        }
        try appendLayer(.dense(DenseLayer(inputs: width, outputs: b.dims[1], hasBias: false)), ["weight": w])
        advance(to: node.output[0], at: index)
    }

    // MARK: - Elementwise arithmetic with a constant

    func arithmetic(_ node: Onnx_NodeProto, _ index: Int) throws(ONNXError) {
        guard node.input.count == 2 else { throw fail("\(node.opType) needs two inputs", .invalid) }
        let op = node.opType
        let firstActive = try isActivation(node.input[0], at: index)
        let secondActive = try isActivation(node.input[1], at: index)
        if firstActive && secondActive || (!firstActive && !secondActive && (node.input[0] == active || node.input[1] == active)) {
            throw fail("\(op) of the activation with itself: the graph branches", .branches)
        }
        if !firstActive && !secondActive {
            return try foldArithmetic(node)
        }
        let c = try constant(node.input[firstActive ? 1 : 0], "the other operand")
        let values = try floats(c, "the other operand")
        if secondActive {
            // 1 - p after a sigmoid: skl2onnx's binary classifier (completed by Concat).
            if op == "Sub", values == [1], case .sigmoid? = layers.last, shape == [1] {
                complement = (node.output[0], active)
                consumedBy[node.output[0]] = nil
                return
            }
            throw fail("\(op) with the constant first (c \(op == "Sub" ? "-" : "/") x) is not supported; supported: x \(op == "Sub" ? "-" : "/") c with c a constant")
        }
        if layers.isEmpty {
            try normalize(op, c, values)
        } else {
            try affineAfterLayer(op, c, values)
        }
        advance(to: node.output[0], at: index)
    }

    /// Leading Sub/Add/Mul/Div become the input normalization `(x - offset) / divisor`.
    func normalize(_ op: String, _ c: Constant, _ values: [Float]) throws(ONNXError) {
        guard let v = perInputValue(c, values) else {
            throw fail("the constant has shape \(c.dims), which does not broadcast over the input \(inputShape) per feature or per channel")
        }
        let total = v.count
        if values.count != 1 { normalizationPerValue = true }
        switch op {
        case "Sub", "Add":
            let signed = op == "Sub" ? v : v.map { -$0 }
            if let d = divisor {
                offset = (0..<total).map { (offset?[$0] ?? 0) + signed[$0] * d[$0] }
            } else {
                offset = offset.map { o in (0..<total).map { o[$0] + signed[$0] } } ?? signed
            }
        case "Div":
            guard v.allSatisfy({ $0 != 0 }) else { throw fail("divides by zero", .invalid) }
            divisor = divisor.map { d in (0..<total).map { d[$0] * v[$0] } } ?? v
        default: // Mul
            guard v.allSatisfy({ $0 != 0 }) else { throw fail("multiplies by zero: the input would be ignored", .unsupported) }
            divisor = (0..<total).map { (divisor?[$0] ?? 1) / v[$0] }
        }
    }

    /// Add after a bias-less dense or conv becomes its bias; Mul by a scalar in (0, 1] becomes
    /// a scale-at-inference dropout (how nnz exports one).
    func affineAfterLayer(_ op: String, _ c: Constant, _ values: [Float]) throws(ONNXError) {
        let last = layers.count - 1
        if op == "Add" || op == "Sub" {
            let signed = op == "Sub" ? values.map { -$0 } : values
            var outputs = 0
            switch layers[last] {
            case .dense(let d): outputs = d.outputs
            case .conv2d(let conv): outputs = conv.outChannels
            default:
                throw fail("\(op) of a constant after \(layers[last].kindName) has no nnz layer; supported: \(op) right after MatMul/Gemm/Conv (a bias), or before the first layer (input normalization)")
            }
            guard let bias = perOutput(c, signed, count: outputs), c.dims.filter({ $0 != 1 }).count <= 1 else {
                throw fail("the constant has shape \(c.dims); expected one value per output (\(outputs))", .invalid)
            }
            let name = "layers.\(last).bias"
            if let i = tensors.firstIndex(where: { $0.name == name }) {
                for j in 0..<outputs { tensors[i].values[j] += bias[j] }
            } else {
                switch layers[last] {
                case .dense(var d): d.hasBias = true; layers[last] = .dense(d)
                case .conv2d(var conv): conv.hasBias = true; layers[last] = .conv2d(conv)
                default: break
                }
                tensors.append(Tensor(name: name, shape: [outputs], values: bias))
            }
            return
        }
        if op == "Mul", values.count == 1, values[0] > 0, values[0] <= 1 {
            var ratio = 1 - values[0]
            // nnz's own export names the ratio, which 1 - (1 - ratio) does not always give back.
            let doc = graph.node[location.index].docString
            if doc.hasPrefix(NNZMetadataProps.scaleDropoutDocPrefix),
               let stored = Float(doc.dropFirst(NNZMetadataProps.scaleDropoutDocPrefix.count)), 1 - stored == values[0] {
                ratio = stored
            }
            if values[0] < 1 || ratio != 0 {
                try appendLayer(.dropout(DropoutLayer(ratio: ratio, convention: .scaleAtInference)), [:])
            }
            return
        }
        throw fail("\(op) by a constant after \(layers[last].kindName) has no nnz layer; supported: Mul by a scalar in (0, 1] (scale-at-inference dropout), or Sub/Div/Mul before the first layer (input normalization)")
    }

    func foldArithmetic(_ node: Onnx_NodeProto) throws(ONNXError) {
        let x = try constant(node.input[0], "A"), y = try constant(node.input[1], "B")
        let op = node.opType
        if let a = x.ints, let b = y.ints, a.count == b.count || a.count == 1 || b.count == 1 {
            let n = max(a.count, b.count)
            var out: [Int64] = []
            for i in 0..<n {
                let p = a[a.count == 1 ? 0 : i], q = b[b.count == 1 ? 0 : i]
                guard p != Constant.batch, q != Constant.batch else {
                    throw fail("\(op) on the batch dimension cannot be folded")
                }
                switch op {
                case "Add": out.append(p &+ q)
                case "Sub": out.append(p &- q)
                case "Mul": out.append(p &* q)
                default:
                    guard q != 0 else { throw fail("integer division by zero", .invalid) }
                    out.append(p.dividedReportingOverflow(by: q).partialValue)
                }
            }
            constants[node.output[0]] = Constant(dims: a.count >= b.count ? x.dims : y.dims, ints: out)
            return
        }
        if let a = x.floats, let b = y.floats, a.count == b.count || a.count == 1 || b.count == 1 {
            let n = max(a.count, b.count)
            let out: [Float] = (0..<n).map { i in
                let p = a[a.count == 1 ? 0 : i], q = b[b.count == 1 ? 0 : i]
                switch op { case "Add": return p + q; case "Sub": return p - q; case "Mul": return p * q; default: return p / q }
            }
            constants[node.output[0]] = Constant(dims: a.count >= b.count ? x.dims : y.dims, floats: out)
            return
        }
        throw fail("\(op) of two constants with shapes \(x.dims) and \(y.dims) cannot be folded")
    }

    // MARK: - Convolution and pooling

    /// Symmetric padding from `pads` or `auto_pad`, or a refusal.
    func padding(_ a: NodeAttributes, kernel: [Int], strides: [Int]) throws(ONNXError) -> [Int] {
        let autoPad = try a.string("auto_pad", default: "NOTSET")
        switch autoPad {
        case "NOTSET", "":
            let pads = try a.ints("pads").map { $0.map { Int(clamping: $0) } } ?? [0, 0, 0, 0]
            guard pads.count == 4 else { throw fail("pads has \(pads.count) values; expected 4 (top, left, bottom, right)", .invalid) }
            guard pads[0] == pads[2], pads[1] == pads[3] else {
                throw fail("pads \(pads) are asymmetric; nnz pads top = bottom and left = right")
            }
            guard pads.allSatisfy({ $0 >= 0 && $0 <= 65_535 }) else { throw fail("pads \(pads) are out of range (0–65535)", .invalid) }
            return [pads[0], pads[1]]
        case "VALID":
            return [0, 0]
        case "SAME_UPPER", "SAME_LOWER":
            var result: [Int] = []
            for axis in 0..<2 {
                let size = shape[1 + axis]
                let out = (size + strides[axis] - 1) / strides[axis]
                let total = max((out - 1) * strides[axis] + kernel[axis] - size, 0)
                guard total % 2 == 0 else {
                    throw fail("auto_pad \(autoPad) pads \(total / 2) and \(total - total / 2) on the \(axis == 0 ? "height" : "width") axis; nnz pads symmetrically")
                }
                result.append(total / 2)
            }
            return result
        default:
            throw fail("auto_pad \(autoPad) is not an ONNX value", .invalid)
        }
    }

    func spatial(_ op: String) throws(ONNXError) {
        guard shape.count == 3 else {
            throw fail("\(op) needs a 4-D [N, C, H, W] input, got [N, \(shape.map(String.init).joined(separator: ", "))]")
        }
    }

    func twoInts(_ a: NodeAttributes, _ name: String, default value: Int) throws(ONNXError) -> [Int] {
        guard let v = try a.ints(name) else { return [value, value] }
        guard v.count == 2 else { throw fail("\(name) has \(v.count) values; nnz supports 2-D (\(name) of 2 values)") }
        guard v.allSatisfy({ $0 >= 1 && $0 <= 65_535 }) else { throw fail("\(name) \(v) is out of range", .invalid) }
        return v.map { Int($0) }
    }

    func conv(_ node: Onnx_NodeProto, _ a: NodeAttributes, _ index: Int) throws(ONNXError) {
        try requireActivation(node, index)
        try spatial("Conv")
        guard node.input.count >= 2 else { throw fail("Conv needs inputs X and W", .invalid) }
        let wc = try constant(node.input[1], "W")
        let w = try floats(wc, "W")
        guard wc.dims.count == 4 else { throw fail("W has shape \(wc.dims); nnz supports 2-D convolution (4-D weights)") }
        let group = try a.int("group", default: 1)
        guard group == 1 else { throw fail("group \(group) (grouped or depthwise convolution) is not supported; supported: group 1") }
        let dilations = try twoInts(a, "dilations", default: 1)
        guard dilations == [1, 1] else { throw fail("dilations \(dilations) are not supported; supported: dilations 1, 1") }
        let kernel = [wc.dims[2], wc.dims[3]]
        if let k = try a.ints("kernel_shape"), k.map({ Int($0) }) != kernel {
            throw fail("kernel_shape \(k) does not match W's \(kernel)", .invalid)
        }
        guard wc.dims[1] == shape[0] else {
            throw fail("W has \(wc.dims[1]) input channels, the activation has \(shape[0])", .invalid)
        }
        let strides = try twoInts(a, "strides", default: 1)
        let pads = try padding(a, kernel: kernel, strides: strides)
        var values = ["weight": w]
        var hasBias = false
        if node.input.count > 2, !node.input[2].isEmpty {
            let bc = try constant(node.input[2], "B")
            let b = try floats(bc, "B")
            guard b.count == wc.dims[0] else { throw fail("B has \(b.count) values for \(wc.dims[0]) output channels", .invalid) }
            values["bias"] = b
            hasBias = true
        }
        let layer = Conv2DLayer(inChannels: wc.dims[1], outChannels: wc.dims[0], kernelHeight: kernel[0], kernelWidth: kernel[1],
                                strideHeight: strides[0], strideWidth: strides[1], padHeight: pads[0], padWidth: pads[1],
                                hasBias: hasBias)
        try appendLayer(.conv2d(layer), values)
        advance(to: node.output[0], at: index)
    }

    func pool(_ node: Onnx_NodeProto, _ a: NodeAttributes, _ index: Int) throws(ONNXError) {
        try requireActivation(node, index)
        try spatial(node.opType)
        if node.output.count > 1, !node.output[1].isEmpty, graph.node.contains(where: { $0.input.contains(node.output[1]) }) {
            throw fail("the Indices output is used; nnz computes only the pooled values")
        }
        guard let k = try a.ints("kernel_shape") else { throw fail("kernel_shape is missing", .invalid) }
        guard k.count == 2 else { throw fail("kernel_shape has \(k.count) values; nnz supports 2-D pooling") }
        let kernel = k.map { Int(clamping: $0) }
        guard kernel.allSatisfy({ $0 >= 1 && $0 <= 1 << 24 }) else { throw fail("kernel_shape \(k) is invalid", .invalid) }
        let strides = try twoInts(a, "strides", default: 1)
        let dilations = try twoInts(a, "dilations", default: 1)
        guard dilations == [1, 1] else { throw fail("dilations \(dilations) are not supported; supported: dilations 1, 1") }
        let pads = try padding(a, kernel: kernel, strides: strides)
        guard pads[0] < kernel[0], pads[1] < kernel[1] else {
            throw fail("pads \(pads) must be smaller than the kernel \(kernel)", .invalid)
        }
        if try a.int("ceil_mode", default: 0) != 0 {
            for axis in 0..<2 {
                let size = shape[1 + axis] + 2 * pads[axis] - kernel[axis]
                let floorOut = size / strides[axis] + 1
                var ceilOut = (size + strides[axis] - 1) / strides[axis] + 1
                // ONNX drops a last window that would start in the right padding.
                if (ceilOut - 1) * strides[axis] >= shape[1 + axis] + pads[axis] { ceilOut -= 1 }
                guard ceilOut == floorOut else {
                    throw fail("ceil_mode 1 gives \(ceilOut) \(axis == 0 ? "rows" : "columns") where nnz's floor rule gives \(floorOut); supported: ceil_mode 0, or 1 where both agree")
                }
            }
        }
        let layer: Layer
        if node.opType == "MaxPool" {
            if try a.int("storage_order", default: 0) != 0 { throw fail("storage_order 1 is not supported") }
            layer = .maxPool(MaxPoolLayer(kernelHeight: kernel[0], kernelWidth: kernel[1], strideHeight: strides[0],
                                          strideWidth: strides[1], padHeight: pads[0], padWidth: pads[1]))
        } else {
            let include = try a.int("count_include_pad", default: 0) != 0
            layer = .avgPool(AvgPoolLayer(kernelHeight: kernel[0], kernelWidth: kernel[1], strideHeight: strides[0],
                                          strideWidth: strides[1], padHeight: pads[0], padWidth: pads[1], countIncludePad: include))
        }
        try appendLayer(layer, [:])
        advance(to: node.output[0], at: index)
    }

    /// ReduceMean over the two spatial axes is global average pooling (the dynamo exporter's
    /// `AdaptiveAvgPool2d(1)`); with keepdims 0 it also flattens.
    func reduceMean(_ node: Onnx_NodeProto, _ a: NodeAttributes, _ index: Int) throws(ONNXError) {
        try requireActivation(node, index)
        try spatial("ReduceMean")
        var axes = try a.ints("axes")
        if node.input.count > 1, !node.input[1].isEmpty {
            guard let ints = try constant(node.input[1], "axes").ints else { throw fail("axes must be int64", .invalid) }
            axes = ints
        }
        let normalized = Set((axes ?? []).map { $0 < 0 ? $0 + 4 : $0 })
        guard normalized == [2, 3] else {
            throw fail("ReduceMean over axes \(axes.map { "\($0)" } ?? "all") has no nnz layer; supported: the spatial axes [2, 3] of [N, C, H, W] (global average pooling)")
        }
        try appendLayer(.globalAvgPool, [:])
        if try a.int("keepdims", default: 1) == 0 { try appendLayer(.flatten, [:]) }
        advance(to: node.output[0], at: index)
    }

    func batchNorm(_ node: Onnx_NodeProto, _ a: NodeAttributes, _ index: Int) throws(ONNXError) {
        try requireActivation(node, index)
        guard node.input.count == 5 else { throw fail("BatchNormalization needs 5 inputs (X, scale, B, mean, var)", .invalid) }
        if try a.int("training_mode", default: 0) != 0 { throw fail("training_mode 1 is not supported; export the model in eval mode") }
        if node.output.dropFirst().contains(where: { !$0.isEmpty }) {
            throw fail("the running-statistics outputs are used (a training graph); export the model in eval mode")
        }
        let channels = shape[0]
        var values: [String: [Float]] = [:]
        for (i, name) in ["gamma", "beta", "running_mean", "running_var"].enumerated() {
            let c = try constant(node.input[i + 1], ["scale", "B", "input_mean", "input_var"][i])
            let v = try floats(c, name)
            guard v.count == channels else { throw fail("\(name) has \(v.count) values for \(channels) channels", .invalid) }
            values[name] = v
        }
        let epsilon = try a.float("epsilon", default: 1e-5)
        let momentum = try a.float("momentum", default: 0.9)
        let axis: BatchNormAxis = shape.count == 3 ? .channels : .features
        guard shape.count == 1 || shape.count == 3 else { throw fail("BatchNormalization input must be [N, C] or [N, C, H, W]") }
        try appendLayer(.batchNorm(BatchNormLayer(axis: axis, channels: channels, epsilon: epsilon,
                                                  momentum: momentum.isFinite ? momentum : 0.9)), values)
        advance(to: node.output[0], at: index)
    }

    // MARK: - Activations

    func activation(_ node: Onnx_NodeProto, _ a: NodeAttributes, _ index: Int) throws(ONNXError) {
        try requireActivation(node, index)
        switch node.opType {
        case "Relu": try appendLayer(.relu, [:])
        case "Sigmoid": try appendLayer(.sigmoid, [:])
        case "Tanh": try appendLayer(.tanh, [:])
        default:
            let alpha = try a.float("alpha", default: 0.01)
            guard alpha.isFinite else { throw fail("alpha \(alpha) is not finite", .invalid) }
            try appendLayer(.leakyRelu(alpha: alpha), [:])
        }
        advance(to: node.output[0], at: index)
    }

    func softmax(_ node: Onnx_NodeProto, _ a: NodeAttributes, _ index: Int) throws(ONNXError) {
        try requireActivation(node, index)
        let rank = shape.count + 1
        let axisDefault: Int64 = opset < 13 ? 1 : -1
        var axis = Int(try a.int("axis", default: axisDefault))
        if axis < 0 { axis += rank }
        guard axis >= 0, axis < rank else { throw fail("axis \(axis) is out of range for a rank-\(rank) input", .invalid) }
        if opset < 13 {
            // Opsets 1–12 flatten the input to [N, prod(dims[axis:])] and normalize each row.
            guard axis == 1 else {
                throw fail("softmax with axis \(axis) (opset \(opset) normalizes over dims \(axis)…, not the whole sample) has no nnz layer; supported: axis 1")
            }
            if shape.count == 3 { try appendLayer(.flatten, [:]) }
        } else {
            guard shape.count == 1, axis == 1 else {
                throw fail("softmax over axis \(axis) of a rank-\(rank) input (opset \(opset) normalizes along that one axis) has no nnz layer; supported: the last axis of a flat [N, K] input")
            }
        }
        try appendLayer(.softmax, [:])
        advance(to: node.output[0], at: index)
    }

    // MARK: - Reshapes and no-ops

    func flatten(_ node: Onnx_NodeProto, _ a: NodeAttributes, _ index: Int) throws(ONNXError) {
        try requireActivation(node, index)
        var axis = Int(try a.int("axis", default: 1))
        if axis < 0 { axis += shape.count + 1 }
        guard axis == 1 else { throw fail("Flatten with axis \(axis) folds the batch axis; supported: axis 1") }
        // Kept even on a flat input (where it is the identity), so an nnz export comes back as it was.
        try appendLayer(.flatten, [:])
        advance(to: node.output[0], at: index)
    }

    func reshape(_ node: Onnx_NodeProto, _ a: NodeAttributes, _ index: Int) throws(ONNXError) {
        try requireActivation(node, index)
        var target: [Int64]
        if node.input.count >= 2 {
            let c = try constant(node.input[1], "shape")
            guard let ints = c.ints else { throw fail("shape must be an int64 tensor", .invalid) }
            target = ints
        } else if let s = try a.ints("shape") {
            target = s
        } else {
            throw fail("Reshape has no shape", .invalid)
        }
        let allowZero = try a.int("allowzero", default: 0) != 0
        guard let first = target.first else { throw fail("reshape to a scalar is not supported") }
        let batchOK = first == Constant.batch || first == -1 || (first == 0 && !allowZero) || (fixedBatch != nil && first == fixedBatch!)
        guard batchOK else {
            throw fail("the new shape \(describe(target)) does not keep the batch axis first; supported: [N, …] with N the batch (-1, 0 or the input's)")
        }
        let total = shape.reduce(1, *)
        let onnxDims = [0] + shape
        var rest: [Int] = []
        var inferred: Int?
        for (i, d) in target.enumerated().dropFirst() {
            if d == -1 {
                guard inferred == nil, first != -1 else { throw fail("the new shape \(describe(target)) has more than one -1", .invalid) }
                inferred = rest.count
                rest.append(1)
            } else if d == 0 && !allowZero {
                guard i < onnxDims.count else { throw fail("0 in the new shape \(describe(target)) copies a dimension the input lacks", .invalid) }
                rest.append(onnxDims[i])
            } else if d == Constant.batch {
                throw fail("the new shape \(describe(target)) moves the batch axis")
            } else {
                guard d > 0, d <= 1 << 28 else { throw fail("the new shape \(describe(target)) has dimension \(d)", .invalid) }
                rest.append(Int(d))
            }
        }
        var known = 1
        for d in rest {
            let (p, overflow) = known.multipliedReportingOverflow(by: d)
            guard !overflow, p <= 1 << 40 else { throw fail("the new shape \(describe(target)) is too large", .invalid) }
            known = p
        }
        if let i = inferred {
            guard known > 0, total % known == 0 else { throw fail("cannot reshape \(total) values to \(describe(target))", .invalid) }
            rest[i] = total / known
        }
        if first == -1, rest.reduce(1, *) != total, node.output[0] == mainOutput, total % max(rest.reduce(1, *), 1) == 0 {
            // skl2onnx's MLPRegressor ends in Reshape(-1, 1) even for several outputs, which turns
            // [N, K] into [N·K, 1]; nnz keeps one row per input row.
            warnings.append("node \(index) reshapes the output [N, \(total)] to \(describe(target)), \(total) rows per input row; nnz keeps [N, \(total)], one row per input row")
            advance(to: node.output[0], at: index)
            return
        }
        guard rest.reduce(1, *) == total else {
            throw fail("cannot reshape [N, \(shape.map(String.init).joined(separator: ", "))] (\(total) values per row) to \(describe(target))", .invalid)
        }
        if rest.count == 0 { rest = [1] }
        if rest == shape {
            // nothing to do
        } else if rest.count == 1 {
            if shape.count == 3 { try appendLayer(.flatten, [:]) }
            shape = rest
        } else if rest.count == 3, shape.count == 1, layers.isEmpty {
            // A flat row read as an image: the file's input shape is [C, H, W]; CSV rows stay flat.
            inputShape = rest
            shape = rest
        } else {
            throw fail("reshape of [N, \(shape.map(String.init).joined(separator: ", "))] to \(describe(target)) has no nnz layer; supported: flattening to [N, K], or reading the flat input as [N, C, H, W] before the first layer")
        }
        advance(to: node.output[0], at: index)
    }

    func describe(_ dims: [Int64]) -> String {
        "[" + dims.map { $0 == Constant.batch ? "N" : String($0) }.joined(separator: ", ") + "]"
    }

    func passThrough(_ node: Onnx_NodeProto, _ index: Int) throws(ONNXError) {
        guard let input = node.input.first else { throw fail("no input", .invalid) }
        if try isActivation(input, at: index) {
            advance(to: node.output[0], at: index)
        } else {
            constants[node.output[0]] = try constant(input, "input")
        }
    }

    func dropout(_ node: Onnx_NodeProto, _ a: NodeAttributes, _ index: Int) throws(ONNXError) {
        try requireActivation(node, index)
        if node.input.count > 2, !node.input[2].isEmpty {
            let training = try constant(node.input[2], "training_mode")
            if training.ints?.first ?? 0 != 0 { throw fail("training_mode is true; export the model in eval mode") }
        }
        // nnz writes its inverted dropout as Dropout with this doc string; keep the layer.
        if node.docString.hasPrefix(NNZMetadataProps.dropoutDocPrefix) {
            var ratio = try a.float("ratio", default: 0.5)
            if node.input.count > 1, !node.input[1].isEmpty, let r = try constant(node.input[1], "ratio").floats?.first { ratio = r }
            try appendLayer(.dropout(DropoutLayer(ratio: ratio, convention: .inverted)), [:])
        }
        advance(to: node.output[0], at: index)
    }

    func cast(_ node: Onnx_NodeProto, _ a: NodeAttributes, _ index: Int) throws(ONNXError) {
        let to = try a.int("to", default: 0)
        guard let input = node.input.first else { throw fail("no input", .invalid) }
        if try isActivation(input, at: index) {
            guard to == 1 else { throw fail("casts the activation to \(Constant.typeName(Int32(clamping: to))); nnz computes in float32") }
            advance(to: node.output[0], at: index)
            return
        }
        var c = try constant(input, "input")
        switch to {
        case 1, 10, 11:
            if let ints = c.ints {
                guard !ints.contains(Constant.batch) else { throw fail("casts the batch size to float") }
                c = Constant(dims: c.dims, floats: ints.map { Float($0) })
            }
        case 6, 7:
            if let f = c.floats { c = Constant(dims: c.dims, ints: f.map { abs($0) < 9.2e18 ? Int64($0) : 0 }) }
        default: break
        }
        constants[node.output[0]] = c
    }

    func constantNode(_ node: Onnx_NodeProto, _ a: NodeAttributes) throws(ONNXError) {
        let c: Constant
        if let t = a.tensor("value") {
            do { c = try Constant(t, what: "value") } catch { throw fail(error.reason, error.code) }
        } else if a.has("value_float") {
            c = Constant(dims: [], floats: [try a.float("value_float", default: 0)])
        } else if let f = try a.floats("value_floats") {
            c = Constant(dims: [f.count], floats: f)
        } else if a.has("value_int") {
            c = Constant(dims: [], ints: [try a.int("value_int", default: 0)])
        } else if let i = try a.ints("value_ints") {
            c = Constant(dims: [i.count], ints: i)
        } else {
            throw fail("only value, value_float(s) and value_int(s) constants are supported")
        }
        for o in node.output where !o.isEmpty { constants[o] = c }
    }

    // MARK: - Shape arithmetic (folded)

    func shapeOf(_ node: Onnx_NodeProto, _ a: NodeAttributes, _ index: Int) throws(ONNXError) {
        guard let input = node.input.first else { throw fail("no input", .invalid) }
        var dims: [Int64]
        if try isActivation(input, at: index) {
            dims = [Constant.batch] + shape.map { Int64($0) }
        } else {
            dims = try constant(input, "input").dims.map { Int64($0) }
        }
        let rank = Int64(dims.count)
        func clampIndex(_ v: Int64) -> Int { Int(max(0, min(rank, v < 0 ? v + rank : v))) }
        let start = clampIndex(try a.int("start", default: 0))
        let end = clampIndex(try a.int("end", default: rank))
        dims = start < end ? Array(dims[start..<end]) : []
        constants[node.output[0]] = Constant(dims: [dims.count], ints: dims)
    }

    func gather(_ node: Onnx_NodeProto, _ a: NodeAttributes) throws(ONNXError) {
        guard node.input.count == 2 else { throw fail("Gather needs two inputs", .invalid) }
        let data = try constant(node.input[0], "data")
        let indices = try constant(node.input[1], "indices")
        guard data.dims.count == 1, try a.int("axis", default: 0) == 0, let idx = indices.ints else {
            throw fail("Gather is supported on constant 1-D shape vectors only (the x.size(0) chain)")
        }
        let n = Int64(data.count)
        var picked: [Int] = []
        for i in idx {
            let j = i < 0 ? i + n : i
            guard j >= 0, j < n else { throw fail("index \(i) is out of range for \(n) values", .invalid) }
            picked.append(Int(j))
        }
        if let ints = data.ints {
            constants[node.output[0]] = Constant(dims: indices.dims, ints: picked.map { ints[$0] })
        } else if let floats = data.floats {
            constants[node.output[0]] = Constant(dims: indices.dims, floats: picked.map { floats[$0] })
        } else {
            throw fail("Gather on strings is not supported")
        }
    }

    func squeeze(_ node: Onnx_NodeProto, _ a: NodeAttributes) throws(ONNXError) {
        guard let input = node.input.first else { throw fail("no input", .invalid) }
        if input == active || consumedBy[input] != nil {
            throw fail("\(node.opType) of the activation is not supported; supported: \(node.opType) of constant shape vectors")
        }
        var c = try constant(input, "data")
        var axes: [Int64]? = try a.ints("axes")
        if node.input.count > 1, !node.input[1].isEmpty { axes = try constant(node.input[1], "axes").ints }
        if node.opType == "Unsqueeze" {
            var dims = c.dims
            let outRank = Int64(dims.count + (axes?.count ?? 0))
            for axis in (axes ?? []).map({ $0 < 0 ? $0 + outRank : $0 }).sorted() {
                guard axis >= 0, axis <= Int64(dims.count) else { throw fail("axis \(axis) is out of range", .invalid) }
                dims.insert(1, at: Int(axis))
            }
            c.dims = dims
        } else {
            let rank = Int64(c.dims.count)
            let drop = Set((axes ?? c.dims.indices.filter { c.dims[$0] == 1 }.map { Int64($0) }).map { $0 < 0 ? $0 + rank : $0 })
            c.dims = c.dims.enumerated().filter { !drop.contains(Int64($0.offset)) }.map(\.element)
        }
        constants[node.output[0]] = c
    }

    func concat(_ node: Onnx_NodeProto, _ a: NodeAttributes, _ index: Int) throws(ONNXError) {
        if let (q, p) = complement, node.input.count == 2, Set(node.input) == [q, p], active == p {
            try binaryAsSoftmax(complementFirst: node.input[0] == q)
            complement = nil
            consumedBy[q] = index
            advance(to: node.output[0], at: index)
            return
        }
        var ints: [Int64] = [], floats: [Float] = []
        var isFloat = false
        for name in node.input {
            if try isActivation(name, at: index) {
                throw fail("concatenates the activation with another value: the graph branches; nnz models are one chain of layers", .branches)
            }
            let c = try constant(name, "input")
            guard c.dims.count <= 1 else { throw fail("Concat of constant tensors of rank \(c.dims.count) is not supported") }
            if let i = c.ints { ints += i } else if let f = c.floats { floats += f; isFloat = true }
        }
        constants[node.output[0]] = isFloat ? Constant(dims: [floats.count], floats: floats) : Constant(dims: [ints.count], ints: ints)
    }

    /// skl2onnx's binary classifier, `[1 - σ(z), σ(z)]`, is exactly `softmax([0, z])`: the last
    /// dense layer gains a zero column and the sigmoid becomes a softmax.
    func binaryAsSoftmax(complementFirst: Bool) throws(ONNXError) {
        let s = layers.count - 1
        guard s >= 1, case .dense(var d) = layers[s - 1], d.outputs == 1 else {
            throw fail("the binary [1 - p, p] pattern needs a dense layer with one output before the sigmoid")
        }
        let weightName = "layers.\(s - 1).weight", biasName = "layers.\(s - 1).bias"
        guard let wi = tensors.firstIndex(where: { $0.name == weightName }) else { throw fail("internal: weight missing", .invalid) }
        let w = tensors[wi].values
        var widened = [Float](repeating: 0, count: d.inputs * 2)
        for i in 0..<d.inputs { widened[i * 2 + (complementFirst ? 1 : 0)] = w[i] }
        tensors[wi] = Tensor(name: weightName, shape: [d.inputs, 2], values: widened)
        if let bi = tensors.firstIndex(where: { $0.name == biasName }) {
            let b = tensors[bi].values[0]
            tensors[bi] = Tensor(name: biasName, shape: [2], values: complementFirst ? [0, b] : [b, 0])
        }
        d.outputs = 2
        layers[s - 1] = .dense(d)
        layers[s] = .softmax
        shape = [2]
    }

    // MARK: - ai.onnx.ml

    func scaler(_ node: Onnx_NodeProto, _ a: NodeAttributes, _ index: Int) throws(ONNXError) {
        try requireActivation(node, index)
        guard layers.isEmpty else { throw fail("Scaler after the first layer has no nnz layer; supported: Scaler on the input (input normalization)") }
        let offsets = try a.floats("offset") ?? [0]
        let scales = try a.floats("scale") ?? [1]
        let total = inputShape.reduce(1, *)
        guard offsets.count == 1 || offsets.count == total, scales.count == 1 || scales.count == total else {
            throw fail("offset (\(offsets.count)) and scale (\(scales.count)) must have 1 or \(total) values", .invalid)
        }
        try normalize("Sub", Constant(dims: [offsets.count], floats: offsets), offsets)
        try normalize("Mul", Constant(dims: [scales.count], floats: scales), scales)
        advance(to: node.output[0], at: index)
    }
}
