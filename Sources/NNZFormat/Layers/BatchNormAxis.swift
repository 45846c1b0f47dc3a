/// Which axis batch normalization normalizes over.
public enum BatchNormAxis: UInt8, Equatable, Sendable {
    /// Input `[F]`: one statistic per feature.
    case features = 0
    /// Input `[C, H, W]`: one statistic per channel (spatial batch-norm).
    case channels = 1
}
