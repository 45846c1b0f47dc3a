/// The one way nnz uses more cores: the kernels' fork-join pool.
public enum WorkPool {
    /// Runs `body(0..<count)` on the calling thread and the pool's workers, returning when all
    /// are done. `body` must not call `run` itself.
    public static func run(_ count: Int, _ body: (Int) -> Void) {
        parallelFor(count, body)
    }
}
