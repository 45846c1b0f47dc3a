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

    /// The rule both pools add: padding smaller than the kernel, so every window holds at least
    /// one real value (max-pool needs a winner; avgpool without padded positions would divide by 0).
    var poolingProblem: String? {
        if let problem = problem(kernelLabel: "kernel") { return problem }
        if padHeight >= kernelHeight || padWidth >= kernelWidth { return "padding must be smaller than the kernel" }
        return nil
    }

    /// A pool's output `[C, H', W']` from `[C, H, W]`; `kind` names the layer in messages.
    func pooledShape(_ kind: String, for input: [Int]) -> Result<[Int], ShapeMismatch> {
        guard input.count == 3 else {
            return .failure(ShapeMismatch("\(kind) expects a [channels, height, width] input, got \(input)"))
        }
        guard padHeight < kernelHeight, padWidth < kernelWidth,
              let h = windowOutput(input[1], kernelHeight, strideHeight, padHeight),
              let w = windowOutput(input[2], kernelWidth, strideWidth, padWidth) else {
            return .failure(ShapeMismatch("\(kind) window \(kernelHeight)x\(kernelWidth) (padding \(padHeight),\(padWidth)) does not fit input \(input[1])x\(input[2])"))
        }
        return .success([input[0], h, w])
    }
}
