/// `floor((n + 2·pad − kernel) / stride) + 1`, or nil when the window does not fit: the output
/// size of a convolution or pooling window along one axis. The one place this formula lives;
/// the format, the runtime and the trainer call it.
@inlinable
public func windowOutput(_ n: Int, _ kernel: Int, _ stride: Int, _ pad: Int) -> Int? {
    let span = n + 2 * pad - kernel
    guard stride > 0, span >= 0 else { return nil }
    return span / stride + 1
}
