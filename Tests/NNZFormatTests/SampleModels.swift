import NNZFormat

/// Repository paths, found from this file's location so tests run from any directory.
enum Repo {
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3) // Tests/NNZFormatTests/SampleModels.swift
        return parts.joined(separator: "/")
    }()
    static var fixtures: String { root + "/Fixtures" }
}

/// Deterministic values for tensors: a small linear congruential sequence in [-1, 1).
func sampleValues(_ count: Int, seed: UInt32) -> [Float] {
    var state = seed &* 2_654_435_761 &+ 1
    return (0..<count).map { _ in
        state = state &* 1_664_525 &+ 1_013_904_223
        return Float(Int32(bitPattern: state) >> 8) / Float(1 << 23)
    }
}

/// Gives every tensor the layers need deterministic values.
func filledTensors(_ model: ModelFile) -> [Tensor] {
    model.expectedTensors.enumerated().map { index, spec in
        var values = sampleValues(spec.shape.reduce(1, *), seed: UInt32(index + 1))
        if spec.name.hasSuffix("running_var") { values = values.map { abs($0) + 0.5 } }
        return Tensor(name: spec.name, shape: spec.shape, values: values)
    }
}

/// A model that uses every layer kind of format 1.0 (so it is a 1.0 file; `newKindsModel()` has
/// the kinds 1.1 added), both dropout conventions, both batch-norm axes, normalization, every
/// well-known metadata key, free keys of every type and a self-test.
func everythingModel() -> ModelFile {
    var model = ModelFile(
        inputShape: [2, 6, 6],
        outputKind: .probabilities,
        layers: [
            .conv2d(Conv2DLayer(inChannels: 2, outChannels: 3, kernelHeight: 3, kernelWidth: 2,
                                strideHeight: 2, strideWidth: 1, padHeight: 1, padWidth: 1)),
            .batchNorm(BatchNormLayer(axis: .channels, channels: 3, epsilon: 1e-5, momentum: 0.9)),
            .relu,
            .maxPool(MaxPoolLayer(kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 0)),
            .conv2d(Conv2DLayer(inChannels: 3, outChannels: 2, kernelHeight: 1, kernelWidth: 1, hasBias: false)),
            .flatten,
            .dense(DenseLayer(inputs: 2 * 2 * 3, outputs: 5)),
            .batchNorm(BatchNormLayer(axis: .features, channels: 5, epsilon: 1e-3, momentum: 0.99)),
            .tanh,
            .dropout(DropoutLayer(ratio: 0.5, convention: .scaleAtInference)),
            .dense(DenseLayer(inputs: 5, outputs: 4, hasBias: false)),
            .sigmoid,
            .dropout(DropoutLayer(ratio: 0.25, convention: .inverted)),
            .dense(DenseLayer(inputs: 4, outputs: 3)),
            .softmax,
        ])
    model.tensors = filledTensors(model)
    model.normalization = .standard(mean: [0.5], std: [2])
    var meta = Metadata()
    meta.name = "everything"
    meta.modelDescription = "every layer kind and metadata field"
    meta.author = "nnz tests"
    meta.license = "MIT"
    meta.producer = "NNZFormatTests"
    meta.producerVersion = "1.0"
    meta.featureNames = (0..<72).map { "p\($0)" }
    meta.classLabels = ["cat", "dog, big", "émeu \"quoted\""]
    meta["training.dataset"] = .string("synthetic")
    meta["training.epochs"] = .number(3)
    meta["training.final_accuracy"] = .number(0.875)
    meta["custom.flag"] = .bool(true)
    meta["custom.tags"] = .stringList(["a", "b"])
    model.metadata = meta
    model.selfTest = SelfTest(tolerance: 1e-5, inputs: [sampleValues(72, seed: 99)], outputs: [[0.25, 0.25, 0.5]])
    return model
}
