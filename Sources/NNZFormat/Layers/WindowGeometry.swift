/// `floor((n + 2·pad − kernel) / stride) + 1`, or nil when the window does not fit: the output
/// size of a convolution or pooling window along one axis. The one place this formula lives;
/// the format, the runtime and the trainer call it.
@inlinable
public func windowOutput(_ n: Int, _ kernel: Int, _ stride: Int, _ pad: Int) -> Int? {
    let span = n + 2 * pad - kernel
    guard stride > 0, span >= 0 else { return nil }
    return span / stride + 1
}

/// The six fields a window layer (conv2d, max-pool, average pool) stores in ARCH after its own: kernel,
/// stride and padding, each height then width (docs/FORMAT.md §3).
struct WindowFields {
    var kernelHeight, kernelWidth, strideHeight, strideWidth, padHeight, padWidth: Int

    /// Reads the six fields of `layer` (e.g. `layer 3 conv2d`), each checked against its range.
    static func decode(_ layer: String, from d: inout ByteSource) throws(FormatError) -> WindowFields {
        let dims = Limits.dimensions, strides = Limits.strides, pads = Limits.pads
        return WindowFields(
            kernelHeight: try d.int("\(layer) kernel_h", in: dims), kernelWidth: try d.int("\(layer) kernel_w", in: dims),
            strideHeight: try d.int("\(layer) stride_h", in: strides), strideWidth: try d.int("\(layer) stride_w", in: strides),
            padHeight: try d.int("\(layer) pad_h", in: pads), padWidth: try d.int("\(layer) pad_w", in: pads))
    }

    /// The fields in ARCH order.
    var values: [Int] { [kernelHeight, kernelWidth, strideHeight, strideWidth, padHeight, padWidth] }

    /// Why a field is out of its range (a kernel size is called `kernelLabel` in the message),
    /// or nil.
    func problem(kernelLabel: String) -> String? {
        for v in [kernelHeight, kernelWidth] where !Limits.dimensions.contains(v) { return "\(kernelLabel) \(v) outside 1...\(Limits.maxDimension)" }
        for v in [strideHeight, strideWidth] where !Limits.strides.contains(v) { return "stride \(v) outside 1...\(Limits.maxStride)" }
        for v in [padHeight, padWidth] where !Limits.pads.contains(v) { return "padding \(v) outside 0...\(Limits.maxPad)" }
        return nil
    }
}
