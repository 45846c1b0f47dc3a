#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Mini-batch training of a ``Network`` on already-normalized data.
///
/// ```swift
/// let trainer = Trainer(network: network, configuration: config)
/// let history = try trainer.fit(train, validation: validation) { event in print(event) }
/// let result = trainer.evaluate(test)
/// ```
///
/// Each step: gather the batch rows into a preallocated buffer, training-mode forward, loss
/// and its gradient, backward, optimizer update. Nothing is allocated per step.
public final class Trainer {
    /// The network being trained (updated in place).
    public let network: Network
    /// The settings.
    public let configuration: TrainingConfiguration
    private let optimizerState: OptimizerState
    private var shuffleRandom: RandomGenerator

    public init(network: Network, configuration: TrainingConfiguration) {
        self.network = network
        self.configuration = configuration
        optimizerState = OptimizerState(optimizer: configuration.optimizer, weightDecay: configuration.weightDecay)
        shuffleRandom = RandomGenerator(seed: configuration.seed, stream: .shuffling)
    }

    /// Whether cross-entropy is fused through a final softmax layer.
    private var fusedSoftmax: Bool { configuration.loss == .crossEntropy && network.endsWithSoftmax }

    /// Checks that the data fit the network and the loss.
    func check(_ data: Dataset, role: String) throws(TrainingError) {
        guard data.width == network.inputWidth else {
            throw TrainingError("the \(role) rows have \(data.width) values but the network expects \(network.inputWidth) (input shape \(network.inputShape))")
        }
        switch data.targets {
        case .classes(_, let labels):
            let width = network.outputWidth
            if width == 1 {
                guard labels.count == 2, configuration.loss != .crossEntropy else {
                    throw TrainingError("a network with one output can only learn two classes with a squared-error loss; the data have \(labels.count) classes — end with a dense layer of \(labels.count) and softmax")
                }
            } else if width != labels.count {
                throw TrainingError("the last layer has \(width) outputs but the data have \(labels.count) classes (\(labels.prefix(12).joined(separator: ", "))\(labels.count > 12 ? ", …" : "")); make the last dense layer \(labels.count) wide")
            }
        case .values(_, let width):
            guard width == network.outputWidth else {
                throw TrainingError("the last layer has \(network.outputWidth) outputs but each \(role) row has \(width) target values")
            }
        }
    }

    /// Trains for the configured epochs (or until early stopping).
    public func fit(_ train: Dataset, validation: Dataset? = nil,
                    progress: ((TrainingEvent) -> Void)? = nil) throws(TrainingError) -> TrainingHistory {
        try check(train, role: "training")
        if let validation { try check(validation, role: "validation") }
        let count = train.count
        guard count > 0 else { throw TrainingError("there are no training rows") }
        let batchSize = min(configuration.batchSize ?? count, count)
        guard batchSize > 0 else { throw TrainingError("the batch size must be positive") }
        let width = train.width, outputWidth = network.outputWidth
        let batches = (count + batchSize - 1) / batchSize

        let inputs = FloatBuffer(count: batchSize * width)
        let gradient = FloatBuffer(count: batchSize * outputWidth)
        let labels = IndexBuffer(count: batchSize)
        let targetValues = FloatBuffer(count: batchSize * train.targets.width)
        var order = Array(0..<count)
        let parameters = network.parameters
        let backwardBelow = fusedSoftmax ? network.layers.count - 1 : network.layers.count

        var history = TrainingHistory()
        var best = Double.infinity
        var bestState: [[(name: String, shape: [Int], values: [Float])]]?
        var epochsWithoutImprovement = 0

        for epoch in 0..<configuration.epochs {
            let started = monotonicSeconds()
            let learningRate = configuration.schedule.learningRate(base: configuration.learningRate, epoch: epoch)
            if configuration.shuffle && batches > 1 { shuffleRandom.shuffle(&order) }
            var lossSum = 0.0
            var correct = 0
            for b in 0..<batches {
                let start = b * batchSize
                let rows = min(batchSize, count - start)
                // Gather the batch.
                train.features.withUnsafeBufferPointer { source in
                    for r in 0..<rows {
                        (inputs.pointer + r * width).update(from: source.baseAddress! + order[start + r] * width, count: width)
                    }
                }
                let targets: TargetRows
                switch train.targets {
                case .classes(let all, _):
                    for r in 0..<rows { labels.pointer[r] = all[order[start + r]] }
                    targets = .classes(UnsafePointer(labels.pointer))
                case .values(let all, let targetWidth):
                    all.withUnsafeBufferPointer { source in
                        for r in 0..<rows {
                            (targetValues.pointer + r * targetWidth).update(from: source.baseAddress! + order[start + r] * targetWidth, count: targetWidth)
                        }
                    }
                    targets = .values(UnsafePointer(targetValues.pointer), width: targetWidth)
                }
                let outputs = network.forward(inputs.pointer, batch: rows, mode: .training)
                let result = configuration.loss.evaluate(outputs: outputs, batch: rows, width: outputWidth, targets: targets,
                                                         outputsAreProbabilities: fusedSoftmax, reduction: configuration.reduction,
                                                         gradient: gradient.pointer)
                guard result.lossSum.isFinite else {
                    throw TrainingError("the loss became \(result.lossSum) at epoch \(epoch + 1), batch \(b + 1); lower the learning rate (now \(learningRate))")
                }
                lossSum += result.lossSum
                correct += result.correct
                network.backward(gradient.pointer, batch: rows, below: backwardBelow)
                optimizerState.apply(to: parameters, learningRate: learningRate)
                if let progress {
                    let seen = start + rows
                    progress(.batch(epoch: epoch + 1, epochs: configuration.epochs, batch: b + 1, batches: batches,
                                    loss: result.lossSum / Double(rows),
                                    accuracy: train.isClassification ? Double(correct) / Double(seen) : nil))
                }
            }
            let seconds = monotonicSeconds() - started
            var metrics = EpochMetrics(epoch: epoch + 1, epochs: configuration.epochs, loss: lossSum / Double(count),
                                       accuracy: train.isClassification ? Double(correct) / Double(count) : nil,
                                       learningRate: learningRate, seconds: seconds)
            if let validation {
                let v = evaluate(validation)
                metrics.validationLoss = v.loss
                metrics.validationAccuracy = v.accuracy
            }
            history.epochs.append(metrics)
            progress?(.epoch(metrics))

            if let rule = configuration.earlyStopping {
                let monitored = metrics.validationLoss ?? metrics.loss
                if monitored < best - rule.minimumDelta {
                    best = monitored
                    history.bestEpoch = epoch + 1
                    epochsWithoutImprovement = 0
                    if rule.restoreBest { bestState = network.layers.map(\.exportedTensors) }
                } else {
                    epochsWithoutImprovement += 1
                    if epochsWithoutImprovement >= rule.patience {
                        history.stoppedEarly = epoch + 1 < configuration.epochs
                        if let bestState { network.restore(bestState) }
                        return history
                    }
                }
            } else {
                history.bestEpoch = epoch + 1
            }
        }
        if configuration.earlyStopping?.restoreBest == true, let bestState, history.bestEpoch < configuration.epochs {
            network.restore(bestState)
        }
        return history
    }

    /// Evaluation-mode loss and metrics on already-normalized rows.
    public func evaluate(_ data: Dataset) -> Evaluation {
        network.evaluate(data, loss: configuration.loss)
    }
}

extension Network {
    /// Evaluation-mode loss (`loss`) and metrics on already-normalized rows.
    public func evaluate(_ data: Dataset, loss: Loss) -> Evaluation {
        let count = data.count
        let outputs = predict(data.features, count: count)
        let width = outputWidth
        let probabilities = loss == .crossEntropy && endsWithSoftmax
        let result: LossResult
        var squared = 0.0, absolute = 0.0
        switch data.targets {
        case .classes(let labels, _):
            result = outputs.withUnsafeBufferPointer { out in
                labels.withUnsafeBufferPointer { l in
                    loss.evaluate(outputs: out.baseAddress!, batch: count, width: width, targets: .classes(l.baseAddress!),
                                  outputsAreProbabilities: probabilities, reduction: .mean, gradient: nil)
                }
            }
            for r in 0..<count {
                for k in 0..<width {
                    let t: Float = width == 1 ? Float(labels[r]) : (Int(labels[r]) == k ? 1 : 0)
                    let d = Double(outputs[r * width + k] - t)
                    squared += d * d
                    absolute += abs(d)
                }
            }
        case .values(let values, let targetWidth):
            result = outputs.withUnsafeBufferPointer { out in
                values.withUnsafeBufferPointer { v in
                    loss.evaluate(outputs: out.baseAddress!, batch: count, width: width, targets: .values(v.baseAddress!, width: targetWidth),
                                  outputsAreProbabilities: probabilities, reduction: .mean, gradient: nil)
                }
            }
            for i in 0..<min(values.count, outputs.count) {
                let d = Double(outputs[i] - values[i])
                squared += d * d
                absolute += abs(d)
            }
        }
        let n = Double(max(count * width, 1))
        return Evaluation(count: count, loss: result.lossSum / Double(max(count, 1)),
                          accuracy: data.isClassification || data.targets.width > 1 ? Double(result.correct) / Double(max(count, 1)) : nil,
                          meanSquaredError: squared / n, meanAbsoluteError: absolute / n)
    }

    /// Puts back tensors captured with `layers.map(\.exportedTensors)`.
    func restore(_ state: [[(name: String, shape: [Int], values: [Float])]]) {
        for (layer, tensors) in zip(layers, state) {
            for parameter in layer.parameters {
                if let saved = tensors.first(where: { $0.name == parameter.name }) { parameter.values = saved.values }
            }
            if let bn = layer as? BatchNorm,
               let mean = tensors.first(where: { $0.name == "running_mean" }),
               let variance = tensors.first(where: { $0.name == "running_var" }) {
                bn.setRunningStatistics(mean: mean.values, variance: variance.values)
            }
        }
    }
}

/// Seconds on a monotonic clock.
func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}
