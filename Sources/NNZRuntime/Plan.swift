/// The compiled steps of a model plus the buffer sizes they need, per sample. Built once at
/// load; immutable afterwards.
final class Plan: Sendable {
    let steps: [any PlanStep]
    /// Largest activation (values per sample) a step writes for the next one: the widths of
    /// the ping-pong buffers (the input is the caller's, the last step writes the output).
    let intermediateWidth: Int
    /// Ping-pong buffers the steps need: none for one step, one for two, else two.
    let bufferCount: Int
    /// Per-image NHWC buffers of the spatial segments that have memory of their own (values,
    /// zeroed once per ``Scratch``; at most ``SpatialSegment/dedicatedArenaLimit``).
    let spatialArena: Int
    /// Per-image NHWC buffers of the spatial segments that alternate between two regions
    /// (values; at most two padded activations plus a Winograd workspace).
    let sharedSpatialArena: Int
    let inputWidth: Int
    let outputWidth: Int
    /// Approximate floating-point operations per sample, to decide whether splitting a batch pays.
    let flopsPerRow: Int
    /// Rows one ``Scratch`` holds at most: its ping-pong buffers (`rows × intermediateWidth`
    /// values each) stay within ``passBudget`` unless a single row needs more. Larger batches run in
    /// passes of this many rows (results do not depend on how a batch is split).
    let rowsPerPass: Int

    /// Values (2^26 floats, 256 MiB) the ping-pong buffers of one pass may take together.
    /// Bigger passes gain nothing (a pass of 1024 rows of the widest fixture model takes
    /// 51 MB), and a file's activation widths (up to 2^28 values per sample) times a caller's
    /// batch size must not decide how much is allocated.
    static let passBudget = 1 << 26

    init(steps: [any PlanStep], inputWidth: Int, outputWidth: Int, arenaSize: Int, sharedArenaSize: Int,
         passBudget: Int = passBudget) {
        self.steps = steps
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        intermediateWidth = steps.dropLast().reduce(0) { max($0, $1.outputWidth) }
        bufferCount = min(2, max(0, steps.count - 1))
        spatialArena = arenaSize
        sharedSpatialArena = sharedArenaSize
        flopsPerRow = steps.reduce(0) { saturatingSum($0, $1.flopsPerRow) }
        rowsPerPass = max(1, passBudget / (2 * max(1, intermediateWidth)))
    }

    /// Runs `rows` samples from `input` into `output` using `scratch`, in passes of at most
    /// `scratch.rows` rows.
    func run(input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>, scratch: Scratch) {
        var done = 0
        while done < rows {
            let count = min(scratch.rows, rows - done)
            runPass(input: input + done * inputWidth, rows: count, output: output + done * outputWidth, scratch: scratch)
            done += count
        }
    }

    /// One pass: `rows ≤ scratch.rows`; steps alternate between the scratch's two buffers and
    /// the last one writes straight into `output`.
    private func runPass(input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>, scratch: Scratch) {
        guard !steps.isEmpty else {
            output.update(from: input, count: rows * inputWidth)
            return
        }
        var source = input
        var current = scratch.a, other = scratch.b
        for (index, step) in steps.enumerated() {
            let target = index == steps.count - 1 ? output : current
            step.run(source, rows: rows, into: target, scratch: scratch)
            source = UnsafePointer(target)
            swap(&current, &other)
        }
    }
}
