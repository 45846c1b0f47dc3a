/// Options that change how a model is compiled for inference.
public struct RuntimeOptions: Sendable, Equatable {
    /// Fold each batch-norm that directly follows a dense or conv2d layer into that layer's
    /// weights and bias at load (one pass fewer over the activations; outputs agree with the
    /// unfolded computation to about 1e-6). Default true.
    public var foldBatchNorm: Bool
    /// Fuse ReLU / sigmoid / tanh into the preceding dense or conv2d layer's output pass. Default true.
    public var fuseActivations: Bool
    /// Memory limits of the compiled plan (``SpatialSegment/dedicatedArenaLimit``,
    /// ``Plan/passBudget``): tests lower them to run the bounded-memory paths on small models.
    var dedicatedArenaLimit = SpatialSegment.dedicatedArenaLimit
    var passBudget = Plan.passBudget

    public init(foldBatchNorm: Bool = true, fuseActivations: Bool = true) {
        self.foldBatchNorm = foldBatchNorm
        self.fuseActivations = fuseActivations
    }
}
