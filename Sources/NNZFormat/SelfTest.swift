/// Inputs and the outputs the producer computed for them, with the tolerance a reader must meet.
public struct SelfTest: Equatable, Sendable {
    /// Largest absolute difference allowed between a reader's output and ``outputs``.
    public var tolerance: Float
    /// One raw input row (before normalization) per entry.
    public var inputs: [[Float]]
    /// One output row per input row.
    public var outputs: [[Float]]

    public init(tolerance: Float, inputs: [[Float]], outputs: [[Float]]) {
        self.tolerance = tolerance
        self.inputs = inputs
        self.outputs = outputs
    }
}
