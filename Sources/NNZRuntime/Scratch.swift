/// Per-call working memory for ``Plan/run(input:rows:output:scratch:)``.
final class Scratch {
    /// Ping-pong activation buffers, `rows × maxWidth` values each.
    let a: UnsafeMutablePointer<Float>
    let b: UnsafeMutablePointer<Float>
    /// NHWC buffers of the spatial segments; their zero borders are never written.
    let arena: UnsafeMutablePointer<Float>
    let rows: Int

    init(plan: Plan, rows: Int) {
        self.rows = rows
        let size = rows * plan.maxWidth
        a = allocateAligned(floats: size)
        b = allocateAligned(floats: size)
        arena = allocateAligned(floats: plan.spatialArena)
        arena.initialize(repeating: 0, count: max(1, plan.spatialArena))
    }

    deinit {
        deallocateAligned(a)
        deallocateAligned(b)
        deallocateAligned(arena)
    }
}
