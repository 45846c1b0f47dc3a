import NNZKernels

/// The one place the trainer calls compute kernels: thin wrappers over the C target
/// `NNZKernels` (AVX-512 / AVX2 / portable, chosen at run time), with the kernels' argument
/// order. Everything is row-major `Float`.
enum Linalg {
    /// `C = alpha · op(A) · op(B) + beta · C` (`nnz_sgemm`): `op(A)` is `m × k`, `op(B)` is
    /// `k × n`; `lda`, `ldb`, `ldc` are the stored row strides. With `beta == 0`, C is not read.
    @inline(__always)
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        nnz_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Unfolds one `[channels, height, width]` sample into `col`, shaped
    /// `[channels · kernelH · kernelW, outH · outW]` (row `(c·kh + u)·kw + v`, column
    /// `r·outW + s`); padding reads as 0. `outH`, `outW` are the layer's output size
    /// (NNZFormat's `windowOutput`).
    static func im2col(
        _ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padH: Int, padW: Int, outH: Int, outW: Int,
        _ col: UnsafeMutablePointer<Float>
    ) {
        nnz_im2col(input, Int32(channels), Int32(height), Int32(width), Int32(kernelH), Int32(kernelW), Int32(strideH), Int32(strideW),
                   Int32(padH), Int32(padW), Int32(outH), Int32(outW), col)
    }

    /// The adjoint of ``im2col``: `output` (one sample) is overwritten with the sum of every
    /// column entry at the position it was read from.
    static func col2im(
        _ col: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padH: Int, padW: Int, outH: Int, outW: Int,
        _ output: UnsafeMutablePointer<Float>
    ) {
        output.update(repeating: 0, count: channels * height * width)
        nnz_col2im(col, Int32(channels), Int32(height), Int32(width), Int32(kernelH), Int32(kernelW), Int32(strideH), Int32(strideW),
                   Int32(padH), Int32(padW), Int32(outH), Int32(outW), output)
    }

    /// Max pooling of `batch` `[channels, height, width]` samples; `argmax` receives, per
    /// output, the flat index of the winning input relative to `input` (padding never wins;
    /// ties go to the first position in row-major window order). `outH`, `outW` are the
    /// layer's output size (NNZFormat's `windowOutput`).
    static func maxPoolForward(
        _ input: UnsafePointer<Float>, batch: Int, channels: Int, height: Int, width: Int,
        kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padH: Int, padW: Int, outH: Int, outW: Int,
        _ output: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>?
    ) {
        nnz_maxpool_forward(Int32(batch), Int32(channels), Int32(height), Int32(width), input, Int32(kernelH), Int32(kernelW),
                            Int32(strideH), Int32(strideW), Int32(padH), Int32(padW), Int32(outH), Int32(outW), output, argmax)
    }

    /// Average pooling of `batch` `[channels, height, width]` samples (`nnz_avgpool_forward`):
    /// each window's in-image values summed in row-major order, divided by `kernelH · kernelW`
    /// when `includePad`, else by their count. The runtime's NHWC kernel gives the same bits.
    static func avgPoolForward(
        _ input: UnsafePointer<Float>, batch: Int, channels: Int, height: Int, width: Int,
        kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padH: Int, padW: Int, outH: Int, outW: Int,
        includePad: Bool, _ output: UnsafeMutablePointer<Float>
    ) {
        nnz_avgpool_forward(Int32(batch), Int32(channels), Int32(height), Int32(width), input, Int32(kernelH), Int32(kernelW),
                            Int32(strideH), Int32(strideW), Int32(padH), Int32(padW), Int32(outH), Int32(outW),
                            includePad ? 1 : 0, output)
    }

    /// The gradient of ``avgPoolForward``: `inputGradient` (overwritten) receives, per input
    /// value, the output gradient of every window holding it divided by that window's divisor.
    static func avgPoolBackward(
        _ outputGradient: UnsafePointer<Float>, batch: Int, channels: Int, height: Int, width: Int,
        kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padH: Int, padW: Int, outH: Int, outW: Int,
        includePad: Bool, _ inputGradient: UnsafeMutablePointer<Float>
    ) {
        nnz_avgpool_backward(Int32(batch), Int32(channels), Int32(height), Int32(width), outputGradient, Int32(kernelH),
                             Int32(kernelW), Int32(strideH), Int32(strideW), Int32(padH), Int32(padW), Int32(outH), Int32(outW),
                             includePad ? 1 : 0, inputGradient)
    }

    /// `y = x` for `x ≥ 0`, else `alpha · x` (`nnz_leaky_relu`).
    static func leakyRelu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, alpha: Float) {
        nnz_leaky_relu(x, y, count, alpha)
    }

    static func relu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        nnz_relu(x, y, count)
    }

    static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        nnz_sigmoid(x, y, count)
    }

    static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        nnz_tanh(x, y, count)
    }

    /// Row-wise softmax of a `rows × columns` matrix: `e^(x − max) / Σ e^(x − max)`.
    static func softmaxRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        nnz_softmax_rows(x, y, Int32(rows), Int32(columns))
    }
}
