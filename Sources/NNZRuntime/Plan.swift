/// The compiled steps of a model plus the buffer sizes they need, per sample. Built once at
/// load; immutable afterwards.
final class Plan: Sendable {
    let steps: [any PlanStep]
    /// Largest activation (values per sample) any step reads or writes.
    let maxWidth: Int
    /// Per-image NHWC buffers of the spatial segments (values, zeroed once per ``Scratch``).
    let spatialArena: Int
    let inputWidth: Int
    let outputWidth: Int
    /// Approximate floating-point operations per sample, to decide whether splitting a batch pays.
    let flopsPerRow: Int

    init(steps: [any PlanStep], inputWidth: Int, outputWidth: Int, arenaSize: Int) {
        self.steps = steps
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        maxWidth = steps.reduce(inputWidth) { max($0, $1.outputWidth) }
        spatialArena = arenaSize
        flopsPerRow = steps.reduce(0) { saturatingSum($0, $1.flopsPerRow) }
    }

    /// Runs `rows` samples from `input` into `output` using `scratch` (two ping-pong buffers of
    /// `rows * maxWidth` values plus the spatial segments' arena).
    func run(input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>, scratch: Scratch) {
        guard !steps.isEmpty else {
            output.update(from: input, count: rows * inputWidth)
            return
        }
        var source = input
        var current = scratch.a, other = scratch.b
        for (index, step) in steps.enumerated() {
            // The last step writes straight into the caller's output.
            let target = index == steps.count - 1 ? output : current
            step.run(source, rows: rows, into: target, scratch: scratch)
            source = UnsafePointer(target)
            swap(&current, &other)
        }
    }
}
