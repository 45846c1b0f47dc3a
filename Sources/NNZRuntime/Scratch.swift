/// Per-call working memory for ``Plan/run(input:rows:output:scratch:)``: at most
/// ``Plan/passBudget`` values of ping-pong buffers (or two rows' worth, if one row needs more)
/// plus the spatial segments' arenas, whatever batch size is asked for.
final class Scratch {
    /// Ping-pong activation buffers, `rows × intermediateWidth` values each (one float when
    /// the plan does not need them).
    let a: UnsafeMutablePointer<Float>
    let b: UnsafeMutablePointer<Float>
    /// NHWC buffers of the spatial segments with memory of their own; their zero borders are
    /// written here once and never again.
    let arena: UnsafeMutablePointer<Float>
    /// NHWC buffers of the spatial segments that share two regions (not initialized: every
    /// value is written before it is read, borders included).
    let sharedArena: UnsafeMutablePointer<Float>
    /// Byte memory of the int8 steps (their quantized inputs, row scales and zero points):
    /// the largest ``PlanStep/byteScratch(rows:)`` of the plan's steps, 64-byte aligned.
    let bytes: UnsafeMutableRawPointer
    /// Rows per pass: the batch size asked for, capped at ``Plan/rowsPerPass``.
    let rows: Int

    init(plan: Plan, rows: Int) {
        self.rows = max(1, min(rows, plan.rowsPerPass))
        let size = self.rows * plan.intermediateWidth
        a = allocateAligned(floats: plan.bufferCount >= 1 ? size : 0)
        b = allocateAligned(floats: plan.bufferCount >= 2 ? size : 0)
        arena = allocateAligned(floats: plan.spatialArena)
        arena.initialize(repeating: 0, count: max(1, plan.spatialArena))
        sharedArena = allocateAligned(floats: plan.sharedSpatialArena)
        let passRows = self.rows
        let byteCount = plan.steps.reduce(0) { max($0, $1.byteScratch(rows: passRows)) }
        bytes = UnsafeMutableRawPointer.allocate(byteCount: max(64, byteCount), alignment: 64)
    }

    deinit {
        deallocateAligned(a)
        deallocateAligned(b)
        deallocateAligned(arena)
        deallocateAligned(sharedArena)
        bytes.deallocate()
    }
}
