/// Everything that steers one training run.
///
/// ```swift
/// var config = TrainingConfiguration()
/// config.epochs = 50
/// config.batchSize = 32
/// config.optimizer = .adam()
/// config.learningRate = 0.001
/// ```
public struct TrainingConfiguration: Sendable {
    /// Passes over the training rows.
    public var epochs: Int = 50
    /// Rows per step; nil means full-batch gradient descent (one step per epoch).
    public var batchSize: Int? = 32
    /// Reshuffle the rows before every epoch (stream ``RandomGenerator/Stream/shuffling``).
    public var shuffle: Bool = true
    /// The update rule (default Adam).
    public var optimizer: Optimizer = .adam()
    /// The base learning rate (default 0.001).
    public var learningRate: Float = 0.001
    /// L2 weight decay `λ`: `λ · w` is added to the gradient of every weight and kernel
    /// (not biases or batch-norm parameters).
    public var weightDecay: Float = 0
    /// How the learning rate changes per epoch (default constant).
    public var schedule: LearningRateSchedule = .constant
    /// The objective (default cross-entropy).
    public var loss: Loss = .crossEntropy
    /// Mean (default) or summed gradients over a batch.
    public var reduction: GradientReduction = .mean
    /// Stop when the monitored loss (validation if there is a validation set, else training)
    /// has not improved for `patience` epochs.
    public var earlyStopping: EarlyStopping?
    /// Seeds shuffling (and, through the network, dropout).
    public var seed: UInt64 = 0

    public init() {}
}

/// Early-stopping rule.
public struct EarlyStopping: Sendable, Equatable {
    /// Epochs without improvement before stopping.
    public var patience: Int
    /// An improvement must lower the loss by more than this.
    public var minimumDelta: Double
    /// Put back the parameters (and batch-norm statistics) of the best epoch when stopping.
    public var restoreBest: Bool

    public init(patience: Int, minimumDelta: Double = 0, restoreBest: Bool = true) {
        self.patience = patience
        self.minimumDelta = minimumDelta
        self.restoreBest = restoreBest
    }
}

/// Metrics after one epoch.
public struct EpochMetrics: Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// The configured number of epochs.
    public var epochs: Int
    /// Mean per-sample loss over the epoch's training steps (training-mode forward passes,
    /// before each step's update).
    public var loss: Double
    /// Fraction of training rows classified correctly during the epoch's steps (classification).
    public var accuracy: Double?
    /// Evaluation-mode mean loss on the validation rows.
    public var validationLoss: Double?
    /// Evaluation-mode accuracy on the validation rows (classification).
    public var validationAccuracy: Double?
    /// The learning rate used in this epoch.
    public var learningRate: Float
    /// Wall-clock seconds the epoch's training steps took (not the validation pass).
    public var seconds: Double
}

/// What a progress callback receives.
public enum TrainingEvent: Sendable {
    /// After each step: epoch and batch are 1-based, `epochs` and `batches` the totals;
    /// `loss` is the batch's mean loss, `accuracy` the fraction correct so far this epoch
    /// (classification only).
    case batch(epoch: Int, epochs: Int, batch: Int, batches: Int, loss: Double, accuracy: Double?)
    /// After each epoch.
    case epoch(EpochMetrics)
}

/// The record of a run.
public struct TrainingHistory: Sendable {
    /// One entry per epoch run.
    public var epochs: [EpochMetrics] = []
    /// Whether early stopping ended the run before the configured number of epochs.
    public var stoppedEarly = false
    /// The epoch whose parameters the network holds at the end (1-based).
    public var bestEpoch: Int = 0
}

/// Loss and accuracy of a network on a data set in evaluation mode.
public struct Evaluation: Sendable, Equatable {
    /// Rows evaluated.
    public var count: Int
    /// Mean per-sample loss.
    public var loss: Double
    /// Fraction correct (classification).
    public var accuracy: Double?
    /// Mean over rows and outputs of (output − target)².
    public var meanSquaredError: Double
    /// Mean over rows and outputs of |output − target|.
    public var meanAbsoluteError: Double
}

/// Why training stopped with an error.
public struct TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was wrong and what was expected.
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}
