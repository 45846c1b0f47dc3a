extension ModelFile {
    /// The shape after each layer (`result[i]` is layer `i`'s output), checking that every layer
    /// can take what the previous one produced and that every activation stays within limits.
    ///
    /// ```swift
    /// let shapes = try model.layerOutputShapes()   // e.g. [[128], [128], [10], [10]]
    /// ```
    public func layerOutputShapes() throws(FormatError) -> [[Int]] {
        try Self.layerOutputShapes(inputShape: inputShape, layers: layers, layerOffsets: nil)
    }

    static func layerOutputShapes(inputShape: [Int], layers: [Layer], layerOffsets: [Int]?) throws(FormatError) -> [[Int]] {
        var shape = inputShape
        var shapes: [[Int]] = []
        shapes.reserveCapacity(layers.count)
        for (index, layer) in layers.enumerated() {
            let offset = layerOffsets?[index]
            let chunk = layerOffsets == nil ? nil : ChunkType.architecture
            if let padded = layer.format.materializedInputShape(for: shape),
               Self.elementCount(padded) > Limits.maxActivationElements {
                // The runtime materializes the zero-padded input, so it is an activation too.
                throw FormatError(.limitExceeded, "layer \(index) (\(layer.kindName)): zero-padded input \(padded.map(String.init).joined(separator: "×")) exceeds 2^28 elements per sample", offset: offset, chunk: chunk)
            }
            switch layer.outputShape(for: shape) {
            case .success(let next):
                let elements = Self.elementCount(next)
                guard elements <= Limits.maxActivationElements else {
                    throw FormatError(.limitExceeded, "layer \(index) (\(layer.kindName)) outputs \(next), \(elements) values; the limit is \(Limits.maxActivationElements)", offset: offset, chunk: chunk)
                }
                shape = next
            case .failure(let mismatch):
                throw FormatError(.inconsistent, "layer \(index) (\(layer.kindName)): \(mismatch.description)", offset: offset, chunk: chunk)
            }
            shapes.append(shape)
        }
        guard shape.count == 1 else {
            throw FormatError(.inconsistent, "the last layer outputs \(shape); the model output must be flat (add a flatten layer)", offset: layerOffsets?.last, chunk: layerOffsets == nil ? nil : ChunkType.architecture)
        }
        return shapes
    }

    /// Π shape, saturating at `Int.max` instead of overflowing.
    static func elementCount(_ shape: [Int]) -> Int {
        shape.reduce(1) { let (p, o) = $0.multipliedReportingOverflow(by: $1); return o ? Int.max : p }
    }

    /// Output kind 1 promises probabilities, so the last layer must produce them (softmax, or
    /// sigmoid for independent yes/no outputs, which nntrain exports as kind 1).
    static func validateOutputKind(_ kind: OutputKind, layers: [Layer], offset: Int?) throws(FormatError) {
        guard kind == .probabilities, let last = layers.last else { return }
        switch last {
        case .softmax, .sigmoid: return
        default:
            throw FormatError(.inconsistent, "output kind 1 (class probabilities) needs a final softmax or sigmoid layer; the last layer is \(last.kindName)", offset: offset, chunk: offset == nil ? nil : ChunkType.architecture)
        }
    }

    /// Every tensor the layers need must fit the 2^30-byte tensor limit; checked on ARCH alone,
    /// so a reader refuses an impossible architecture before any TNSR.
    static func validateTensorSizes(layers: [Layer], layerOffsets: [Int]?) throws(FormatError) {
        for (index, layer) in layers.enumerated() {
            for (name, shape) in zip(layer.parameterNames, layer.parameterShapes) {
                let bytes = elementCount(shape).multipliedReportingOverflow(by: 4)
                guard !bytes.overflow, bytes.partialValue <= Limits.maxTensorBytes else {
                    throw FormatError(.limitExceeded, "layer \(index) (\(layer.kindName)): tensor layers.\(index).\(name) \(shape) would be more than \(Limits.maxTensorBytes) bytes", offset: layerOffsets?[index], chunk: layerOffsets == nil ? nil : ChunkType.architecture)
                }
            }
        }
    }

    /// Width of the model output (the last layer's flat size).
    public func outputWidth() throws(FormatError) -> Int {
        try layerOutputShapes().last?[0] ?? inputElementCount
    }

    /// The tensors the layers need, in canonical order: (name, shape).
    public var expectedTensors: [(name: String, shape: [Int])] {
        var result: [(String, [Int])] = []
        for (index, layer) in layers.enumerated() {
            for (param, shape) in zip(layer.parameterNames, layer.parameterShapes) {
                result.append(("layers.\(index).\(param)", shape))
            }
        }
        return result
    }

    /// Checks everything docs/FORMAT.md requires of a model, independent of its bytes.
    /// The writer calls it before encoding; the reader applies the same rules while decoding.
    public func validate() throws(FormatError) {
        _ = try validatedLayerOutputShapes()
    }

    /// ``validate()``, returning the layer output shapes it derived on the way.
    func validatedLayerOutputShapes() throws(FormatError) -> [[Int]] {
        try Self.validateHeaderFields(inputShape: inputShape, layers: layers)
        let shapes = try layerOutputShapes()
        try Self.validateOutputKind(outputKind, layers: layers, offset: nil)
        try Self.validateTensorSizes(layers: layers, layerOffsets: nil)
        let outputWidth = shapes.last?[0] ?? inputElementCount
        try validateTensors()
        if let normalization { try Self.validate(normalization, inputCount: inputElementCount, offset: nil) }
        try Self.validate(metadata, inputCount: inputElementCount, outputWidth: outputWidth, outputKind: outputKind, offset: nil)
        if let selfTest { try Self.validate(selfTest, inputWidth: inputElementCount, outputWidth: outputWidth, offset: nil) }
        guard ancillaryChunks.count + tensors.count + 5 <= Limits.maxChunks else {
            throw FormatError(.limitExceeded, "\(ancillaryChunks.count) ancillary chunks; a file holds at most \(Limits.maxChunks) chunks")
        }
        for chunk in ancillaryChunks {
            if let problem = chunk.problem { throw FormatError(.malformed, problem) }
        }
        return shapes
    }

    static func validateHeaderFields(inputShape: [Int], layers: [Layer]) throws(FormatError) {
        guard inputShape.count == 1 || inputShape.count == 3 else {
            throw FormatError(.malformed, "input shape \(inputShape) must have rank 1 ([features]) or 3 ([channels, height, width])")
        }
        for d in inputShape where !(1...Limits.maxDimension).contains(d) {
            throw FormatError(.limitExceeded, "input dimension \(d) is outside 1...\(Limits.maxDimension)")
        }
        guard Self.elementCount(inputShape) <= Limits.maxActivationElements else {
            throw FormatError(.limitExceeded, "the input shape \(inputShape) has more than \(Limits.maxActivationElements) values")
        }
        guard (1...Limits.maxLayers).contains(layers.count) else {
            throw FormatError(.limitExceeded, "\(layers.count) layers; expected 1...\(Limits.maxLayers)")
        }
        for (index, layer) in layers.enumerated() {
            if let problem = layer.fieldProblem {
                throw FormatError(.malformed, "layer \(index) (\(layer.kindName)): \(problem)")
            }
        }
    }

    func validateTensors() throws(FormatError) {
        let expected = expectedTensors
        var byName: [String: Tensor] = [:]
        for tensor in tensors {
            guard byName[tensor.name] == nil else {
                throw FormatError(.inconsistent, "tensor \(tensor.name) appears twice")
            }
            byName[tensor.name] = tensor
        }
        var position = 0
        for (layerIndex, layer) in layers.enumerated() {
            for (parameter, shape) in zip(layer.parameterNames, layer.parameterShapes) {
                let name = expected[position].name
                position += 1
                guard let tensor = byName.removeValue(forKey: name) else {
                    throw FormatError(.inconsistent, "tensor \(name) is missing (expected shape \(shape))")
                }
                guard tensor.shape == shape else {
                    throw FormatError(.inconsistent, "tensor \(name) has shape \(tensor.shape), expected \(shape)")
                }
                try Self.validate(tensor, layer: layer, layerIndex: layerIndex, parameter: parameter)
            }
        }
        if let extra = byName.keys.sorted().first {
            throw FormatError(.inconsistent, "tensor \(extra) belongs to no layer parameter")
        }
        let names = tensors.map(\.name)
        let canonical = expected.map(\.name)
        guard names == canonical else {
            throw FormatError(.inconsistent, "tensors must be in canonical order \(canonical), found \(names)")
        }
    }

    /// The rules on one tensor whose name and shape are right: its value count (and int8 scale
    /// count), its dtype for this parameter (``TensorRules/dtypeProblem``), its stored values
    /// (``TensorRules/valueProblem``) and a variance's sign.
    static func validate(_ tensor: Tensor, layer: Layer, layerIndex: Int, parameter: String) throws(FormatError) {
        let name = tensor.name, shape = tensor.shape
        guard tensor.data.count == tensor.elementCount else {
            throw FormatError(.inconsistent, "tensor \(name) holds \(tensor.data.count) values, its shape \(shape) needs \(tensor.elementCount)")
        }
        if let problem = TensorRules.dtypeProblem(tensor.dtype, tensor: name, layer: layer, layerIndex: layerIndex, parameter: parameter) {
            throw FormatError(problem.code, problem.message)
        }
        if case .int8(let scales, _) = tensor.data, let channels = tensor.int8ChannelCount, scales.count != channels {
            throw FormatError(.inconsistent, "tensor \(name) holds \(scales.count) int8 scales, its shape \(shape) needs \(channels) (one per output channel)")
        }
        if let problem = TensorRules.valueProblem(tensor.data, tensor: name) {
            throw FormatError(.malformed, problem.message)
        }
        if parameter == "running_var", let bad = tensor.values.first(where: { !($0 >= 0) }) {
            throw FormatError(.malformed, "tensor \(name) holds \(bad); a variance must be ≥ 0")
        }
    }

    static func validate(_ n: InputNormalization, inputCount: Int, offset: Int?) throws(FormatError) {
        let chunk = offset == nil ? nil : ChunkType.normalization
        guard n.first.count == n.second.count, n.first.count == 1 || n.first.count == inputCount else {
            throw FormatError(.inconsistent, "normalization has \(n.first.count) and \(n.second.count) values; expected 1 or \(inputCount) (one per input value) of each", offset: offset, chunk: chunk)
        }
        for i in 0..<n.first.count {
            let a = n.first[i], b = n.second[i]
            guard a.isFinite, b.isFinite else {
                throw FormatError(.malformed, "normalization value \(i) is not finite (\(a), \(b))", offset: offset, chunk: chunk)
            }
            switch n.kind {
            case .standard:
                guard b > 0 else { throw FormatError(.malformed, "normalization std \(i) is \(b); it must be > 0", offset: offset, chunk: chunk) }
            case .minMax:
                guard b > a else { throw FormatError(.malformed, "normalization feature \(i) has max \(b) ≤ min \(a)", offset: offset, chunk: chunk) }
                guard (b - a).isFinite else {
                    throw FormatError(.malformed, "normalization feature \(i): max − min (\(b) − \(a)) overflows float32", offset: offset, chunk: chunk)
                }
            }
        }
    }

    static func validate(_ m: Metadata, inputCount: Int, outputWidth: Int, outputKind: OutputKind, offset: Int?) throws(FormatError) {
        let chunk = offset == nil ? nil : ChunkType.metadata
        func fail(_ code: FormatError.Code, _ message: String) -> FormatError {
            FormatError(code, message, offset: offset, chunk: chunk)
        }
        guard m.entries.count <= Limits.maxMetadataEntries else {
            throw fail(.limitExceeded, "\(m.entries.count) metadata entries; the limit is \(Limits.maxMetadataEntries)")
        }
        for (key, value) in m.entries {
            guard !key.isEmpty else { throw fail(.malformed, "a metadata key is empty") }
            guard key.utf8.count <= Limits.maxStringBytes, !key.utf8.contains(0) else {
                throw fail(.malformed, "metadata key is too long or contains NUL")
            }
            switch value {
            case .number(let v) where !v.isFinite:
                throw fail(.malformed, "metadata \(key) is \(v); numbers must be finite")
            case .string(let s) where s.utf8.count > Limits.maxStringBytes || s.utf8.contains(0):
                throw fail(.malformed, "metadata \(key) is longer than \(Limits.maxStringBytes) bytes or contains NUL")
            case .stringList(let l) where l.count > Limits.maxListItems:
                throw fail(.limitExceeded, "metadata \(key) has \(l.count) items; the limit is \(Limits.maxListItems)")
            default: break
            }
            let stringKeys = [Metadata.Key.name, Metadata.Key.description, Metadata.Key.author, Metadata.Key.license,
                              Metadata.Key.producer, Metadata.Key.producerVersion]
            let isStringKey = stringKeys.contains { $0.utf8.elementsEqual(key.utf8) }
            if isStringKey, case .string = value {} else if isStringKey {
                throw fail(.inconsistent, "metadata \(key) is a \(value.typeName), expected a string")
            }
        }
        if let value = m[Metadata.Key.featureNames] {
            guard case .stringList(let names) = value else {
                throw fail(.inconsistent, "metadata feature_names is a \(value.typeName), expected a string list")
            }
            guard names.count == inputCount else {
                throw fail(.inconsistent, "metadata feature_names has \(names.count) names, expected \(inputCount) (one per input value)")
            }
            if let repeated = firstRepeatedByteString(names) {
                throw fail(.inconsistent, "metadata feature_names holds the name \"\(repeated)\" twice (names are compared as UTF-8 bytes)")
            }
        }
        if let value = m[Metadata.Key.classLabels] {
            guard case .stringList(let labels) = value else {
                throw fail(.inconsistent, "metadata class_labels is a \(value.typeName), expected a string list")
            }
            guard outputKind != .regression else {
                throw fail(.inconsistent, "metadata class_labels is set but the output kind is regression")
            }
            guard labels.count == outputWidth else {
                throw fail(.inconsistent, "metadata class_labels has \(labels.count) labels, expected \(outputWidth) (one per output)")
            }
            if let repeated = firstRepeatedByteString(labels) {
                throw fail(.inconsistent, "metadata class_labels holds the label \"\(repeated)\" twice (labels are compared as UTF-8 bytes)")
            }
        }
    }

    static func validate(_ t: SelfTest, inputWidth: Int, outputWidth: Int, offset: Int?) throws(FormatError) {
        let chunk = offset == nil ? nil : ChunkType.selfTest
        guard t.tolerance.isFinite, t.tolerance >= 0 else {
            throw FormatError(.malformed, "self-test tolerance \(t.tolerance) must be finite and ≥ 0", offset: offset, chunk: chunk)
        }
        guard (1...Limits.maxSelfTestRows).contains(t.inputs.count), t.inputs.count == t.outputs.count else {
            throw FormatError(.inconsistent, "self-test has \(t.inputs.count) input rows and \(t.outputs.count) output rows; expected 1...\(Limits.maxSelfTestRows) of each", offset: offset, chunk: chunk)
        }
        for row in t.inputs where row.count != inputWidth {
            throw FormatError(.inconsistent, "self-test input width is \(row.count), the model takes \(inputWidth)", offset: offset, chunk: chunk)
        }
        for row in t.outputs where row.count != outputWidth {
            throw FormatError(.inconsistent, "self-test output width is \(row.count), the model produces \(outputWidth)", offset: offset, chunk: chunk)
        }
    }
}

/// The first string that occurs twice when strings are compared as UTF-8 bytes (docs/FORMAT.md
/// §6: no Unicode normalization, so `e\u{301}` and `\u{e9}` are different names).
func firstRepeatedByteString(_ strings: [String]) -> String? {
    var seen = Set<[UInt8]>()
    for s in strings where !seen.insert(Array(s.utf8)).inserted { return s }
    return nil
}
