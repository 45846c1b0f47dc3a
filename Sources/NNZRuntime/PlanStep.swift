import NNZKernels

/// One step of a compiled ``Plan``: built once at load, immutable afterwards, and run by many
/// threads at once (each with its own ``Scratch``). Every layer kind's step lives in one file
/// under `Steps/` that holds both how it is compiled from the file and how it runs.
protocol PlanStep: AnyObject, Sendable {
    /// Values per sample this step writes.
    var outputWidth: Int { get }
    /// Approximate floating-point operations per sample, to decide whether splitting a batch
    /// across cores pays (``WorkPool/partCount(work:threads:items:)``).
    var flopsPerRow: Int { get }
    /// Runs `rows` samples (back to back, `rows × inputWidth` values) from `input` into
    /// `output` (`rows × outputWidth` values; never the same memory as `input`).
    func run(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, scratch: Scratch)
    /// Bytes of ``Scratch/bytes`` this step needs for a pass of `rows` rows (the quantized
    /// inputs of an int8 layer); 0 for the float32 steps.
    func byteScratch(rows: Int) -> Int
}

extension PlanStep {
    func byteScratch(rows: Int) -> Int { 0 }
}
