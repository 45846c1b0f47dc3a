/// What ``Model/runSelfTest()`` found.
public struct SelfTestReport: Sendable, Equatable {
    /// Rows checked.
    public let rows: Int
    /// Largest absolute difference between our outputs and the stored ones.
    public let maxDifference: Float
    /// The row where it occurred.
    public let worstRow: Int
    /// The file's tolerance.
    public let tolerance: Float
    /// Whether every output was within tolerance.
    public var passed: Bool { maxDifference <= tolerance }
}
