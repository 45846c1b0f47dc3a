import NNZFormat

/// Version written as `producer_version`.
public let nntrainVersion = "0.1.0"

extension TrainedModel {
    /// The model as a ``ModelFile``: architecture, every tensor (batch-norm running statistics
    /// included), input normalization, metadata (`producer` = `nntrain`, feature names, class
    /// labels, `training.*` summary) and a self-test of the first `selfTestRows` training rows.
    ///
    /// Nothing time- or machine-dependent goes in, so the same seed and data give the same
    /// bytes. The self-test outputs come from NNZRuntime's plan, so the runtime reproduces them
    /// exactly on the same kernel path; the tolerance, `1e-5 · max(1, largest |output|)`, leaves
    /// room for other kernel paths (FMA or not) and other readers summing in another order.
    public func modelFile(selfTestRows: Int = 5) -> ModelFile {
        var layers: [NNZFormat.Layer] = []
        var tensors: [Tensor] = []
        for (index, layer) in network.layers.enumerated() {
            layers.append(layer.formatLayer)
            for t in layer.exportedTensors {
                tensors.append(Tensor(name: "layers.\(index).\(t.name)", shape: t.shape, values: t.values))
            }
        }
        let width = network.outputWidth
        let labels = trainingRaw.classLabels
        let outputKind: OutputKind
        if labels == nil {
            outputKind = .regression
        } else if network.endsWithSoftmax || network.layers.last is Sigmoid {
            outputKind = .probabilities
        } else {
            outputKind = .scores
        }

        var metadata = Metadata()
        metadata.name = job.name ?? job.datasetName ?? "model"
        metadata.producer = "nntrain"
        metadata.producerVersion = nntrainVersion
        metadata.featureNames = trainingRaw.featureNames
        if let labels, labels.count == width { metadata.classLabels = labels }
        let t = job.training
        var summary: [(String, MetadataValue)] = [
            ("layers", .string(network.summary)),
            ("target", .string(trainingRaw.targetName)),
            ("task", .string(labels == nil ? "regression" : "classification")),
            ("epochs", .number(Double(t.epochs))),
            ("epochs_run", .number(Double(history.epochs.count))),
            ("best_epoch", .number(Double(history.bestEpoch))),
            ("optimizer", .string(t.optimizer.name)),
            ("learning_rate", .number(Double(t.learningRate))),
            ("lr_schedule", .string(t.schedule.text)),
            ("batch_size", .number(Double(min(t.batchSize ?? trainingRaw.count, trainingRaw.count)))),
            ("loss", .string(t.loss.rawValue)),
            ("gradient_reduction", .string(t.reduction.rawValue)),
            ("weight_decay", .number(Double(t.weightDecay))),
            ("seed", .number(Double(t.seed))),
            ("initialization", .string(initializationText)),
            ("normalization", .string(normalizationText)),
            ("train_rows", .number(Double(trainingRaw.count))),
            ("final_loss", .number(trainingEvaluation.loss)),
            ("early_stopped", .bool(history.stoppedEarly)),
            ("parameters", .number(Double(network.parameterCount))),
        ]
        if let name = job.datasetName { summary.append(("dataset", .string(name))) }
        if let accuracy = trainingEvaluation.accuracy { summary.append(("final_accuracy", .number(accuracy))) }
        if labels == nil { summary.append(("final_mse", .number(trainingEvaluation.meanSquaredError))) }
        if let v = validationEvaluation {
            summary.append(("validation_rows", .number(Double(v.count))))
            summary.append(("validation_loss", .number(v.loss)))
            if let accuracy = v.accuracy { summary.append(("validation_accuracy", .number(accuracy))) }
            if labels == nil { summary.append(("validation_mse", .number(v.meanSquaredError))) }
        }
        if let v = testEvaluation {
            summary.append(("test_rows", .number(Double(v.count))))
            summary.append(("test_loss", .number(v.loss)))
            if let accuracy = v.accuracy { summary.append(("test_accuracy", .number(accuracy))) }
            if labels == nil { summary.append(("test_mse", .number(v.meanSquaredError))) }
        }
        if network.layers.contains(where: { $0 is Dropout }) {
            summary.append(("dropout_convention", .string(job.dropoutConvention == .inverted ? "inverted" : "scale-at-inference")))
        }
        for (key, value) in summary where value.isFinite {
            metadata[Metadata.Key.trainingPrefix + key] = value
        }

        var model = ModelFile(inputShape: network.inputShape, outputKind: outputKind, layers: layers, tensors: tensors,
                              normalization: normalization, metadata: metadata)
        let rows = min(selfTestRows, trainingRaw.count, Limits.maxSelfTestRows)
        if rows > 0 {
            let inputs = (0..<rows).map { trainingRaw.row($0) }
            let outputs = predict(raw: inputs.flatMap { $0 }, count: rows)
            let largest = outputs.reduce(Float(1)) { max($0, abs($1)) }
            model.selfTest = SelfTest(tolerance: 1e-5 * largest, inputs: inputs,
                                      outputs: (0..<rows).map { Array(outputs[($0 * width)..<(($0 + 1) * width)]) })
        }
        return model
    }

    private var initializationText: String {
        let weights: String
        switch job.weightInitialization {
        case .he: weights = "he"
        case .glorot: weights = "glorot"
        case .scaledNormal: weights = "scaled-normal"
        case .normal(let s): weights = "normal(\(s))"
        case .uniform(let a, let b): weights = "uniform(\(a),\(b))"
        }
        let biases: String
        switch job.biasInitialization {
        case .zeros: biases = "zeros"
        case .normal(let s): biases = "normal(\(s))"
        case .uniform(let a, let b): biases = "uniform(\(a),\(b))"
        }
        let source: String
        switch job.initializationSource {
        case nil, .seed?: source = "xoshiro256**"
        case .numpy?: source = "numpy-mt19937"
        }
        return "weights \(weights), biases \(biases), \(source)"
    }

    private var normalizationText: String {
        switch job.normalization {
        case .standard: return "standard"
        case .minMax: return "minmax"
        case .none: return "none"
        case .fixed(let n): return n.kind == .standard ? "fixed-standard" : "fixed-minmax"
        }
    }
}

extension MetadataValue {
    var isFinite: Bool {
        if case .number(let v) = self { return v.isFinite }
        return true
    }
}
