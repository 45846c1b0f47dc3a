import NNZKernels

/// Which compute-kernel code path this process uses, and the kernels themselves for callers
/// that want a plain matrix product.
public enum Kernels {
    /// `"avx512"`, `"avx2"` or `"portable"`: chosen from the CPU at first use, or forced with
    /// the environment variable `NNZ_KERNELS=portable|avx2|avx512`.
    ///
    /// ```swift
    /// print(Kernels.path)   // "avx512"
    /// ```
    public static var path: String { String(cString: nnz_kernels_path()) }

    /// Single-precision matrix product `C = alpha·op(A)·op(B) + beta·C`, row-major, where
    /// `op(X)` is `X` or its transpose: `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`,
    /// with row strides `lda`, `ldb`, `ldc` (BLAS semantics: with `beta == 0`, `C` is not read).
    /// Large products are split by blocks of 8 rows of `C` across up to `threads` cores of the
    /// ``WorkPool`` (each part packs its own blocks; results are the same whatever the split up
    /// to the last bits); small ones run on the calling thread
    /// (``WorkPool/partCount(work:threads:items:)`` with work `2·m·n·k`).
    /// `C` must not overlap `A` or `B`.
    ///
    /// ```swift
    /// Kernels.sgemm(m: 512, n: 512, k: 512, a: a, lda: 512, b: b, ldb: 512, c: c, ldc: 512, threads: 2)
    /// ```
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
                             c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int = 1) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative matrix size")
        let parts = WorkPool.partCount(work: saturatingProduct(2, m, n, k), threads: threads, items: m / 8)
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta,
              c: c, ldc: ldc, parts: parts)
    }

    /// ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:threads:)`` split into exactly
    /// `parts` row blocks (at most one per 8 rows), whatever the size: for tests of the split.
    static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, parts: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative matrix size")
        precondition([m, n, k, lda, ldb, ldc].allSatisfy { $0 <= Int(Int32.max) }, "matrix size beyond Int32")
        let parts = max(1, min(parts, m / 8))
        let job = GemmJob(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                          b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, parts: parts)
        WorkPool.run(parts) { job.run(part: $0) }
    }
}

/// One product split into row blocks of C (multiples of 8 rows, so that only the last block
/// may end in a partial register tile).
private struct GemmJob: @unchecked Sendable {
    let transA, transB: Bool
    let m, n, k: Int
    let alpha: Float
    let a: UnsafePointer<Float>
    let lda: Int
    let b: UnsafePointer<Float>
    let ldb: Int
    let beta: Float
    let c: UnsafeMutablePointer<Float>
    let ldc: Int
    let parts: Int

    func run(part: Int) {
        let blocks = (m + 7) / 8
        let start = min(m, blocks * part / parts * 8), end = min(m, blocks * (part + 1) / parts * 8)
        guard end > start else { return }
        // Row `start` of op(A): row `start` of A, or column `start` of A when transposed.
        let aPart = transA ? a + start : a + start * lda
        nnz_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(end - start), Int32(n), Int32(k), alpha, aPart, Int32(lda),
                  b, Int32(ldb), beta, c + start * ldc, Int32(ldc))
    }
}

// MARK: - int8 kernels

extension Kernels {
    /// The activation fused into an int8 kernel's epilogue: ReLU is exact; sigmoid and tanh are
    /// the active fp32 path's `nnz_sigmoid` / `nnz_tanh`.
    public enum Activation: Sendable {
        case none, relu, sigmoid, tanh

        var kernel: nnz_activation {
            switch self {
            case .none: return NNZ_ACT_NONE
            case .relu: return NNZ_ACT_RELU
            case .sigmoid: return NNZ_ACT_SIGMOID
            case .tanh: return NNZ_ACT_TANH
            }
        }
    }

    /// The int8 kernels in use: `"avx512-vnni"`, `"avx2"` or `"portable"`. They follow
    /// ``path``: the avx512 path uses AVX-512 VNNI when the CPU has it, else the avx2 int8
    /// kernels (and then reports `"avx2"`).
    ///
    /// ```swift
    /// print(Kernels.path, Kernels.int8Path)   // "avx512 avx512-vnni"
    /// ```
    public static var int8Path: String { String(cString: nnz_int8_kernel_name()) }

    /// Quantizes `rows` rows of `width` floats (row `i` at `input + i·width`) to bytes, each
    /// row with its own scale `r` and zero point `zp` (`lo = min(0, min x)`, `hi = max(0, max x)`,
    /// `r = (hi − lo)/255`, `zp = clamp(rint(−lo/r), 0, 255)`, `q = clamp(rint(x·(1/r)) + zp, 0, 255)`;
    /// `r = 1, zp = 0` when `hi == lo`): row `i` of `output` is at `output + i·width`.
    /// The same bits on every kernel path.
    ///
    /// ```swift
    /// Kernels.quantizeRows(x, rows: 2, width: 784, into: q, scales: r, zeroPoints: zp)
    /// ```
    public static func quantizeRows(_ input: UnsafePointer<Float>, rows: Int, width: Int, into output: UnsafeMutablePointer<UInt8>,
                                    scales: UnsafeMutablePointer<Float>, zeroPoints: UnsafeMutablePointer<Int32>) {
        precondition(rows >= 0 && width >= 0 && width <= Int(Int32.max) && rows <= Int(Int32.max), "bad matrix size")
        nnz_quantize_rows_u8(input, Int32(rows), Int32(width), Int32(width), output, Int32(width), scales, zeroPoints)
    }

    /// Dense int8 weights `[inputs, outputs]` (values −127…127, one scale per output column,
    /// an optional bias) packed once for ``int8Dense(rows:input:weights:activation:output:threads:)``
    /// (`nnz_int8_pack_b`, which also keeps each column's sum). Immutable, so one instance can
    /// serve any number of threads.
    ///
    /// ```swift
    /// let w = Kernels.Int8DenseWeights(inputs: 784, outputs: 10, values: q, scales: s, bias: b)
    /// ```
    public final class Int8DenseWeights: @unchecked Sendable {
        public let inputs: Int
        public let outputs: Int
        public let scales: [Float]
        public let bias: [Float]?
        let packed: UnsafeMutableRawPointer

        /// `values[i·outputs + o]` is the weight from input `i` to output `o`; `scales` has
        /// `outputs` entries (finite, > 0), `bias` `outputs` entries or is `nil`.
        public init(inputs: Int, outputs: Int, values: [Int8], scales: [Float], bias: [Float]? = nil) {
            precondition(inputs >= 0 && outputs > 0 && inputs <= 66311 && outputs <= Int(Int32.max),
                         "int8 dense needs 0 ≤ inputs ≤ 66311 and outputs > 0")
            precondition(values.count == inputs * outputs && scales.count == outputs && (bias?.count ?? outputs) == outputs,
                         "int8 dense weight, scale or bias count does not match the shape")
            self.inputs = inputs
            self.outputs = outputs
            self.scales = scales
            self.bias = bias
            packed = UnsafeMutableRawPointer.allocate(byteCount: max(1, nnz_int8_packed_size(Int32(inputs), Int32(outputs))),
                                                      alignment: 64)
            values.withUnsafeBufferPointer { nnz_int8_pack_b($0.baseAddress, Int32(inputs), Int32(outputs), packed) }
        }

        deinit { packed.deallocate() }
    }

    /// `output = act(x · W + bias)` for `rows` rows of `weights.inputs` floats, in int8: each row
    /// is quantized (``quantizeRows(_:rows:width:into:scales:zeroPoints:)``), multiplied with
    /// exact int32 sums and dequantized as `(float)(acc − zp·colsum) · (scale·r) + bias` (a
    /// multiply, then an add) by `nnz_gemm_int8_packed`. Rows are split in blocks of 8 across up
    /// to `threads` cores of the ``WorkPool`` when the product is large (the work counted as
    /// `m·n·k / 2` flops: an int8 multiply-add costs about a quarter of a float one). A row's
    /// result depends on nothing but that row: not on `rows`, the split or, for `.none` and
    /// `.relu`, the kernel path. Allocates the quantized rows (`rows·inputs` bytes) per call.
    ///
    /// ```swift
    /// Kernels.int8Dense(rows: 1024, input: x, weights: w, activation: .relu, output: y, threads: 2)
    /// ```
    public static func int8Dense(rows: Int, input: UnsafePointer<Float>, weights: Int8DenseWeights, activation: Activation = .none,
                                 output: UnsafeMutablePointer<Float>, threads: Int = 1) {
        precondition(rows >= 0 && rows <= Int(Int32.max), "bad row count")
        let work = saturatingProduct(rows, weights.inputs, weights.outputs) / 2
        int8Dense(rows: rows, input: input, weights: weights, activation: activation, output: output,
                  parts: WorkPool.partCount(work: work, threads: threads, items: rows / 8))
    }

    /// ``int8Dense(rows:input:weights:activation:output:threads:)`` split into exactly `parts`
    /// blocks of rows (at most one per 8 rows), whatever the size: for tests of the split.
    static func int8Dense(rows: Int, input: UnsafePointer<Float>, weights: Int8DenseWeights, activation: Activation,
                          output: UnsafeMutablePointer<Float>, parts: Int) {
        guard rows > 0 else { return }
        let k = weights.inputs, parts = max(1, min(parts, rows / 8))
        let quantized = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, rows * k))
        let rowScales = UnsafeMutablePointer<Float>.allocate(capacity: rows)
        let zeroPoints = UnsafeMutablePointer<Int32>.allocate(capacity: rows)
        defer {
            quantized.deallocate()
            rowScales.deallocate()
            zeroPoints.deallocate()
        }
        let job = Int8DenseJob(rows: rows, input: input, weights: weights, activation: activation.kernel, output: output,
                               quantized: quantized, rowScales: rowScales, zeroPoints: zeroPoints, parts: parts)
        weights.scales.withUnsafeBufferPointer { scales in
            if let bias = weights.bias {
                bias.withUnsafeBufferPointer { bias in WorkPool.run(parts) { job.run(part: $0, scales: scales.baseAddress!, bias: bias.baseAddress) } }
            } else {
                WorkPool.run(parts) { job.run(part: $0, scales: scales.baseAddress!, bias: nil) }
            }
        }
    }

    /// Convolution weights `[outChannels, inChannels, kernelHeight, kernelWidth]` in int8
    /// (values −127…127, one scale per output channel, an optional bias) packed once for
    /// ``int8Conv2D(image:height:width:weights:stride:padding:activation:pool2:output:)``
    /// (`nnz_int8_conv_pack`). Immutable, shareable across threads.
    ///
    /// ```swift
    /// let w = Kernels.Int8ConvWeights(outChannels: 16, inChannels: 1, kernelHeight: 3, kernelWidth: 3,
    ///                                 values: q, scales: s, bias: b)
    /// ```
    public final class Int8ConvWeights: @unchecked Sendable {
        public let outChannels, inChannels, kernelHeight, kernelWidth: Int
        public let scales: [Float]
        public let bias: [Float]?
        let packed: UnsafeMutableRawPointer

        /// `values` in OIHW order (`((o·inChannels + c)·kernelHeight + i)·kernelWidth + j`);
        /// `scales` and `bias` (or `nil`) have `outChannels` entries.
        public init(outChannels: Int, inChannels: Int, kernelHeight: Int, kernelWidth: Int, values: [Int8], scales: [Float],
                    bias: [Float]? = nil) {
            precondition(outChannels > 0 && inChannels > 0 && kernelHeight > 0 && kernelWidth > 0 &&
                         inChannels * kernelHeight * kernelWidth <= 66311, "int8 conv needs positive sizes and in·kh·kw ≤ 66311")
            precondition(values.count == outChannels * inChannels * kernelHeight * kernelWidth && scales.count == outChannels &&
                         (bias?.count ?? outChannels) == outChannels, "int8 conv weight, scale or bias count does not match the shape")
            self.outChannels = outChannels
            self.inChannels = inChannels
            self.kernelHeight = kernelHeight
            self.kernelWidth = kernelWidth
            self.scales = scales
            self.bias = bias
            let size = nnz_int8_conv_pack_size(Int32(outChannels), Int32(inChannels), Int32(kernelHeight), Int32(kernelWidth))
            packed = UnsafeMutableRawPointer.allocate(byteCount: max(1, size), alignment: 64)
            values.withUnsafeBufferPointer {
                nnz_int8_conv_pack(Int32(outChannels), Int32(inChannels), Int32(kernelHeight), Int32(kernelWidth), $0.baseAddress, packed)
            }
        }

        deinit { packed.deallocate() }
    }

    /// One image through an int8 convolution: `image` is NHWC (`[height, width, inChannels]`,
    /// contiguous), quantized as one row of `height·width·inChannels` values
    /// (`nnz_quantize_nhwc_u8`; the zero padding reads the zero point, so it adds exactly 0),
    /// then `nnz_conv2d_int8_nhwc` with the epilogue `(float)(acc − zp·colsum) · (scale·r) + bias`.
    /// `output` receives NHWC `[outHeight, outWidth, outChannels]` with
    /// `outHeight = (height + 2·padding.height − kernelHeight) / stride.height + 1` (the same for
    /// the width), or, with `pool2`, the 2×2 stride-2 max-pool of that (`outHeight / 2` ×
    /// `outWidth / 2` pixels) after the activation. Allocates the padded bytes per call.
    ///
    /// ```swift
    /// Kernels.int8Conv2D(image: x, height: 28, width: 28, weights: w, padding: (1, 1), activation: .relu,
    ///                    pool2: true, output: y)   // y: 14 × 14 × 16
    /// ```
    public static func int8Conv2D(image: UnsafePointer<Float>, height: Int, width: Int, weights: Int8ConvWeights,
                                  stride: (height: Int, width: Int) = (1, 1), padding: (height: Int, width: Int) = (0, 0),
                                  activation: Activation = .none, pool2: Bool = false, output: UnsafeMutablePointer<Float>) {
        let c = weights.inChannels, kh = weights.kernelHeight, kw = weights.kernelWidth
        precondition(height > 0 && width > 0 && stride.height > 0 && stride.width > 0 && padding.height >= 0 && padding.width >= 0,
                     "bad convolution geometry")
        guard height + 2 * padding.height >= kh, width + 2 * padding.width >= kw else { return }
        let outHeight = (height + 2 * padding.height - kh) / stride.height + 1
        let outWidth = (width + 2 * padding.width - kw) / stride.width + 1
        let rowStride = (width + 2 * padding.width) * c
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: (height + 2 * padding.height) * rowStride)
        defer { bytes.deallocate() }
        let interior = bytes + padding.height * rowStride + padding.width * c
        var r: Float = 0
        var zp: Int32 = 0
        nnz_quantize_nhwc_u8(Int32(c), Int32(height), Int32(width), image, width * c, Int32(padding.height), Int32(padding.width),
                             interior, rowStride, &r, &zp)
        let outRowStride = (pool2 ? outWidth / 2 : outWidth) * weights.outChannels
        let conv = pool2 ? nnz_conv2d_int8_nhwc_pool2 : nnz_conv2d_int8_nhwc
        weights.scales.withUnsafeBufferPointer { scales in
            let run = { (bias: UnsafePointer<Float>?) in
                conv(Int32(outHeight), Int32(outWidth), Int32(c), Int32(kh), Int32(kw), Int32(stride.height), Int32(stride.width),
                     bytes, rowStride, r, zp, weights.packed, scales.baseAddress, bias, Int32(weights.outChannels),
                     activation.kernel, output, outRowStride)
            }
            if let bias = weights.bias { bias.withUnsafeBufferPointer { run($0.baseAddress) } } else { run(nil) }
        }
    }
}

/// One int8 dense product split into blocks of 8 rows: each part quantizes its own rows, then
/// multiplies them.
private struct Int8DenseJob: @unchecked Sendable {
    let rows: Int
    let input: UnsafePointer<Float>
    let weights: Kernels.Int8DenseWeights
    let activation: nnz_activation
    let output: UnsafeMutablePointer<Float>
    let quantized: UnsafeMutablePointer<UInt8>
    let rowScales: UnsafeMutablePointer<Float>
    let zeroPoints: UnsafeMutablePointer<Int32>
    let parts: Int

    func run(part: Int, scales: UnsafePointer<Float>, bias: UnsafePointer<Float>?) {
        let blocks = (rows + 7) / 8
        let start = min(rows, blocks * part / parts * 8), end = min(rows, blocks * (part + 1) / parts * 8)
        guard end > start else { return }
        let k = weights.inputs, n = weights.outputs, m = end - start
        nnz_quantize_rows_u8(input + start * k, Int32(m), Int32(k), Int32(k), quantized + start * k, Int32(k),
                             rowScales + start, zeroPoints + start)
        nnz_gemm_int8_packed(Int32(m), Int32(n), Int32(k), quantized + start * k, Int32(k), rowScales + start, zeroPoints + start,
                             weights.packed, scales, bias, activation, output + start * n, Int32(n))
    }
}
