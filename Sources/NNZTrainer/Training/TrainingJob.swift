import NNZFormat

/// One complete training run from raw data to a trained model: split, fit the input
/// normalization on the training rows, build the network, train, and keep what export needs.
///
/// ```swift
/// var job = TrainingJob(layers: try LayerSpec.parseList("16,relu,2,softmax"))
/// job.training.epochs = 100
/// job.validationFraction = 0.2
/// let trained = try job.run(on: try CSVLoader.load(path: "moons.csv", target: "label"))
/// try NNZWriter.write(try trained.modelFile(), to: "moons.nnz")
/// ```
public struct TrainingJob: Sendable {
    /// The architecture.
    public var layers: [LayerSpec]
    /// Overrides the data's sample shape (e.g. `[1, 8, 8]` for image rows).
    public var inputShape: [Int]?
    /// Input normalization, fitted on the training rows (default standard).
    public var normalization: Normalization = .standard
    /// How dense and conv2d weights start (default He).
    public var weightInitialization: WeightInitialization = .he
    /// How biases start (default zeros).
    public var biasInitialization: BiasInitialization = .zeros
    /// Where initial weights come from; nil means `.seed(training.seed)`.
    public var initializationSource: InitializationSource?
    /// The convention of dropout items that do not name one (default inverted).
    public var dropoutConvention: DropoutConvention = .inverted
    /// Epochs, batches, optimizer, loss, seed, early stopping.
    public var training = TrainingConfiguration()
    /// Fraction of rows held out for validation (0: none).
    public var validationFraction: Double = 0
    /// The model's name in its metadata.
    public var name: String?
    /// The data set's name for `training.dataset` (e.g. the CSV file name).
    public var datasetName: String?

    public init(layers: [LayerSpec]) {
        self.layers = layers
    }

    /// Trains on `data` (raw, unnormalized rows).
    public func run(on data: Dataset, progress: ((TrainingEvent) -> Void)? = nil) throws(TrainingJobError) -> TrainedModel {
        var data = data
        if let inputShape {
            guard inputShape.reduce(1, *) == data.width else {
                throw .architecture(ArchitectureError(layer: nil, message: "the input shape \(inputShape) holds \(inputShape.reduce(1, *)) values but each row has \(data.width)"))
            }
            data.sampleShape = inputShape
        }
        let (trainRaw, validationRaw) = data.split(validationFraction: validationFraction, seed: training.seed)
        let stored = normalization.fit(trainRaw.features, width: trainRaw.width)
        var train = trainRaw
        train.features = Normalization.apply(stored, to: trainRaw.features, width: trainRaw.width)
        var validation = validationRaw
        if let v = validationRaw {
            validation?.features = Normalization.apply(stored, to: v.features, width: v.width)
        }
        let network: Network
        do {
            network = try Network(inputShape: data.sampleShape, layers: layers, weightInitialization: weightInitialization,
                                  biasInitialization: biasInitialization, source: initializationSource ?? .seed(training.seed),
                                  dropoutConvention: dropoutConvention, seed: training.seed)
        } catch {
            throw .architecture(error)
        }
        let trainer = Trainer(network: network, configuration: training)
        let history: TrainingHistory
        do {
            history = try trainer.fit(train, validation: validation, progress: progress)
        } catch {
            throw .training(error)
        }
        return TrainedModel(network: network, normalization: stored, job: self, history: history,
                            trainingRaw: trainRaw, trainingEvaluation: trainer.evaluate(train),
                            validationEvaluation: validation.map { trainer.evaluate($0) })
    }
}

/// Why a ``TrainingJob`` failed.
public enum TrainingJobError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The layers do not fit together or the input.
    case architecture(ArchitectureError)
    /// The data do not fit the network, or training diverged.
    case training(TrainingError)

    public var description: String {
        switch self {
        case .architecture(let e): return e.description
        case .training(let e): return e.description
        }
    }
}

/// A trained network with its input normalization and the record of how it was trained.
public final class TrainedModel {
    /// The trained network.
    public let network: Network
    /// The normalization fitted on the training rows (stored as the file's `NORM`).
    public let normalization: InputNormalization?
    /// The settings it was trained with.
    public let job: TrainingJob
    /// Per-epoch metrics.
    public let history: TrainingHistory
    /// The training rows, raw (self-test rows come from here).
    public let trainingRaw: Dataset
    /// Evaluation-mode metrics on the training and validation rows after training.
    public let trainingEvaluation: Evaluation
    /// Evaluation-mode metrics on the validation rows, if any.
    public let validationEvaluation: Evaluation?
    /// Metrics on a separate test set, when one was evaluated (stored as `training.test_*`).
    public var testEvaluation: Evaluation?

    init(network: Network, normalization: InputNormalization?, job: TrainingJob, history: TrainingHistory,
         trainingRaw: Dataset, trainingEvaluation: Evaluation, validationEvaluation: Evaluation?) {
        self.network = network
        self.normalization = normalization
        self.job = job
        self.history = history
        self.trainingRaw = trainingRaw
        self.trainingEvaluation = trainingEvaluation
        self.validationEvaluation = validationEvaluation
    }

    /// Evaluation-mode outputs for raw rows (`count × inputWidth` values).
    public func predict(raw rows: [Float], count: Int) -> [Float] {
        network.predict(Normalization.apply(normalization, to: rows, width: network.inputWidth), count: count)
    }

    /// Evaluation-mode metrics on raw data (e.g. a separate test file).
    public func evaluate(_ data: Dataset) -> Evaluation {
        var normalized = data
        normalized.features = Normalization.apply(normalization, to: data.features, width: data.width)
        return network.evaluate(normalized, loss: job.training.loss)
    }
}
