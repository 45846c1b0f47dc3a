#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place the trainer's hot loops live.
///
/// Every function mirrors a kernel of the C target `NNZKernels` with the same argument order
/// (`nnz_sgemm`, `nnz_im2col`, `nnz_col2im`, `nnz_maxpool_forward`, `nnz_relu`, `nnz_sigmoid`,
/// `nnz_tanh`, `nnz_softmax_rows`), implemented here in plain Swift. Switching the trainer to
/// the C kernels means replacing the bodies in this file and nothing else.
///
/// All matrices are row-major `Float` buffers.
enum Linalg {
    /// `C = alpha · op(A) · op(B) + beta · C`, `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is
    /// `m × n`; `op(X)` is `Xᵀ` when the matching `trans` flag is set. `lda`, `ldb`, `ldc` are
    /// the row strides of the matrices as stored. With `beta == 0`, C is overwritten (its old
    /// contents, even NaN, are ignored), as in BLAS.
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else if beta != 1 {
                for j in 0..<n { row[j] *= beta }
            }
        }
        guard k > 0, alpha != 0 else { return }
        if !transB {
            // op(A)[i, p] lives at a[i * rowStride + p * columnStride].
            let rowStride = transA ? 1 : lda
            let columnStride = transA ? lda : 1
            gemmRowTimesRows(m: m, n: n, k: k, alpha: alpha, a: a, rowStride: rowStride,
                             columnStride: columnStride, b: b, ldb: ldb, c: c, ldc: ldc)
        } else if !transA {
            gemmRowDotRows(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
        } else {
            for i in 0..<m {
                for j in 0..<n {
                    var sum: Float = 0
                    for p in 0..<k { sum += a[p * lda + i] * b[j * ldb + p] }
                    c[i * ldc + j] += alpha * sum
                }
            }
        }
    }

    /// C += alpha · A · B with B's rows contiguous: a 4 × 8 register tile, B row chunks
    /// broadcast-multiplied by single A elements.
    private static func gemmRowTimesRows(
        m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, rowStride: Int,
        columnStride: Int, b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let n8 = n & ~7
        var i = 0
        while i + 4 <= m {
            let a0 = a + i * rowStride, a1 = a0 + rowStride, a2 = a1 + rowStride, a3 = a2 + rowStride
            var j = 0
            while j < n8 {
                var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>(), c3 = SIMD8<Float>()
                var bp = b + j
                var offset = 0
                for _ in 0..<k {
                    let bv = load8(bp)
                    c0 += bv * a0[offset]
                    c1 += bv * a1[offset]
                    c2 += bv * a2[offset]
                    c3 += bv * a3[offset]
                    bp += ldb
                    offset += columnStride
                }
                accumulate8(c + i * ldc + j, c0, alpha)
                accumulate8(c + (i + 1) * ldc + j, c1, alpha)
                accumulate8(c + (i + 2) * ldc + j, c2, alpha)
                accumulate8(c + (i + 3) * ldc + j, c3, alpha)
                j += 8
            }
            if j < n {
                for r in 0..<4 {
                    let ar = a + (i + r) * rowStride
                    let cr = c + (i + r) * ldc
                    for jj in j..<n {
                        var sum: Float = 0
                        for p in 0..<k { sum += ar[p * columnStride] * b[p * ldb + jj] }
                        cr[jj] += alpha * sum
                    }
                }
            }
            i += 4
        }
        while i < m {
            let ar = a + i * rowStride
            let cr = c + i * ldc
            var j = 0
            while j < n8 {
                var acc = SIMD8<Float>()
                var bp = b + j
                for p in 0..<k {
                    acc += load8(bp) * ar[p * columnStride]
                    bp += ldb
                }
                accumulate8(cr + j, acc, alpha)
                j += 8
            }
            while j < n {
                var sum: Float = 0
                for p in 0..<k { sum += ar[p * columnStride] * b[p * ldb + j] }
                cr[j] += alpha * sum
                j += 1
            }
            i += 1
        }
    }

    /// C += alpha · A · Bᵀ: dot products of contiguous rows, four A rows per B row.
    private static func gemmRowDotRows(
        m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let k8 = k & ~7
        var i = 0
        while i + 4 <= m {
            let a0 = a + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
            for j in 0..<n {
                let bj = b + j * ldb
                var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
                var p = 0
                while p < k8 {
                    let bv = load8(bj + p)
                    s0 += load8(a0 + p) * bv
                    s1 += load8(a1 + p) * bv
                    s2 += load8(a2 + p) * bv
                    s3 += load8(a3 + p) * bv
                    p += 8
                }
                var t0 = s0.sum(), t1 = s1.sum(), t2 = s2.sum(), t3 = s3.sum()
                while p < k {
                    let bv = bj[p]
                    t0 += a0[p] * bv; t1 += a1[p] * bv; t2 += a2[p] * bv; t3 += a3[p] * bv
                    p += 1
                }
                c[i * ldc + j] += alpha * t0
                c[(i + 1) * ldc + j] += alpha * t1
                c[(i + 2) * ldc + j] += alpha * t2
                c[(i + 3) * ldc + j] += alpha * t3
            }
            i += 4
        }
        while i < m {
            let ai = a + i * lda
            for j in 0..<n {
                let bj = b + j * ldb
                var s = SIMD8<Float>()
                var p = 0
                while p < k8 {
                    s += load8(ai + p) * load8(bj + p)
                    p += 8
                }
                var t = s.sum()
                while p < k {
                    t += ai[p] * bj[p]
                    p += 1
                }
                c[i * ldc + j] += alpha * t
            }
            i += 1
        }
    }

    @inline(__always)
    private static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func accumulate8(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>, _ alpha: Float) {
        let raw = UnsafeMutableRawPointer(p)
        let old = raw.loadUnaligned(as: SIMD8<Float>.self)
        raw.storeBytes(of: alpha == 1 ? old + v : old + v * alpha, as: SIMD8<Float>.self)
    }

    // MARK: - Convolution and pooling (one sample, CHW)

    /// Unfolds one `[channels, height, width]` sample into `col`, shaped
    /// `[channels · kernelH · kernelW, outH · outW]` (row `(c·kh + u)·kw + v`, column
    /// `r·outW + s`); out-of-range positions (padding) are 0.
    static func im2col(
        _ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padH: Int, padW: Int,
        _ col: UnsafeMutablePointer<Float>
    ) {
        let outH = (height + 2 * padH - kernelH) / strideH + 1
        let outW = (width + 2 * padW - kernelW) / strideW + 1
        var row = 0
        for ch in 0..<channels {
            let plane = input + ch * height * width
            for u in 0..<kernelH {
                for v in 0..<kernelW {
                    let destination = col + row * outH * outW
                    for r in 0..<outH {
                        let y = r * strideH - padH + u
                        let line = destination + r * outW
                        if y < 0 || y >= height {
                            line.update(repeating: 0, count: outW)
                            continue
                        }
                        let source = plane + y * width
                        for s in 0..<outW {
                            let x = s * strideW - padW + v
                            line[s] = (x >= 0 && x < width) ? source[x] : 0
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// The adjoint of ``im2col``: adds every column entry back onto its input position.
    /// `output` is overwritten (zeroed first).
    static func col2im(
        _ col: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padH: Int, padW: Int,
        _ output: UnsafeMutablePointer<Float>
    ) {
        let outH = (height + 2 * padH - kernelH) / strideH + 1
        let outW = (width + 2 * padW - kernelW) / strideW + 1
        output.update(repeating: 0, count: channels * height * width)
        var row = 0
        for ch in 0..<channels {
            let plane = output + ch * height * width
            for u in 0..<kernelH {
                for v in 0..<kernelW {
                    let source = col + row * outH * outW
                    for r in 0..<outH {
                        let y = r * strideH - padH + u
                        if y < 0 || y >= height { continue }
                        let line = plane + y * width
                        let sourceLine = source + r * outW
                        for s in 0..<outW {
                            let x = s * strideW - padW + v
                            if x >= 0 && x < width { line[x] += sourceLine[s] }
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// Max pooling of one `[channels, height, width]` sample; `argmax` receives, per output,
    /// the index of the winning input within the sample (`c·H·W + y·W + x`). Padded positions
    /// never win; ties go to the first position in row-major window order.
    static func maxPoolForward(
        _ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padH: Int, padW: Int,
        _ output: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>
    ) {
        let outH = (height + 2 * padH - kernelH) / strideH + 1
        let outW = (width + 2 * padW - kernelW) / strideW + 1
        var o = 0
        for ch in 0..<channels {
            let planeOffset = ch * height * width
            for r in 0..<outH {
                let y0 = r * strideH - padH
                for s in 0..<outW {
                    let x0 = s * strideW - padW
                    var best = -Float.infinity
                    var bestIndex = -1
                    for u in 0..<kernelH {
                        let y = y0 + u
                        if y < 0 || y >= height { continue }
                        for v in 0..<kernelW {
                            let x = x0 + v
                            if x < 0 || x >= width { continue }
                            let index = planeOffset + y * width + x
                            let value = input[index]
                            if bestIndex < 0 || value > best {
                                best = value
                                bestIndex = index
                            }
                        }
                    }
                    output[o] = best
                    argmax[o] = Int32(bestIndex)
                    o += 1
                }
            }
        }
    }

    // MARK: - Element-wise

    static func relu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = x[i] > 0 ? x[i] : 0 }
    }

    static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = 1 / (1 + expf(-x[i])) }
    }

    static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = tanhf(x[i]) }
    }

    /// Row-wise softmax of a `rows × columns` matrix: `e^(x − max) / Σ e^(x − max)`.
    static func softmaxRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for r in 0..<rows {
            let source = x + r * columns, destination = y + r * columns
            var maximum = source[0]
            for j in 1..<max(columns, 1) where source[j] > maximum { maximum = source[j] }
            var sum: Float = 0
            for j in 0..<columns {
                let e = expf(source[j] - maximum)
                destination[j] = e
                sum += e
            }
            for j in 0..<columns { destination[j] /= sum }
        }
    }
}
