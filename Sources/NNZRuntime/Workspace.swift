/// Reusable working memory for repeated predictions without allocation, for hot loops.
/// A workspace belongs to one thread at a time; the model itself may be shared.
///
/// ```swift
/// let workspace = model.makeWorkspace(rows: 1)
/// for row in stream {   // row: UnsafeBufferPointer<Float>
///     try model.predict(row, rows: 1, into: out, workspace: workspace)
/// }
/// ```
public final class Workspace {
    let scratch: Scratch
    /// The largest batch this workspace can run.
    public let rows: Int
    init(plan: Plan, rows: Int) {
        self.rows = rows
        scratch = Scratch(plan: plan, rows: rows)
    }
}
