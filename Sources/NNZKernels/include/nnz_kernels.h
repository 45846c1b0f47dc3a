/*
 * nnz_kernels.h: single-threaded float32 compute kernels for nnz (inference + training), and
 * int8 inference kernels (dynamically quantized u8 activations x int8 weights, last section).
 *
 * Conventions
 *  - Row-major everywhere, float32 (int8 section: bytes), leading dimensions ("ld*") are row
 *    strides in elements.
 *  - Every kernel is single-threaded, reentrant and keeps no mutable global state apart from
 *    the cached choice of code path.  Callers parallelise by splitting rows (M) or images (n)
 *    and calling the kernel on sub-blocks (offset pointers + the same leading dimensions).
 *  - Three code paths: "portable" (plain C, any CPU), "avx2" (AVX2+FMA) and "avx512"
 *    (AVX-512F/VL+FMA).  The best path the CPU supports is chosen at first use; the
 *    environment variable NNZ_KERNELS=portable|avx2|avx512|auto (read once) overrides it
 *    (a request for an ISA the CPU lacks falls back to the best supported path below it).
 *  - No kernel allocates except nnz_sgemm, which may malloc a packing buffer for large
 *    problems (it uses a stack buffer for small ones), and the unfused conv + 2x2 pool
 *    drivers (nnz_conv2d_nhwc_pool2, nnz_conv2d_int8_nhwc_pool2) for more than 1024 output
 *    channels.
 */
#ifndef NNZ_KERNELS_H
#define NNZ_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------
 * Code-path selection
 * ------------------------------------------------------------------------------------------ */

/** Code-path identifiers for nnz_kernels_force_path / nnz_kernels_path_id. */
enum {
    NNZ_PATH_AUTO = -1,     /**< best path supported by this CPU (the default) */
    NNZ_PATH_PORTABLE = 0,  /**< plain C */
    NNZ_PATH_AVX2 = 1,      /**< x86-64 AVX2 + FMA */
    NNZ_PATH_AVX512 = 2     /**< x86-64 AVX-512F + AVX-512VL + FMA */
};

/** Name of the active code path: "portable", "avx2" or "avx512". */
const char *nnz_kernels_path(void);

/** Identifier (NNZ_PATH_PORTABLE/AVX2/AVX512) of the active code path. */
int nnz_kernels_path_id(void);

/** 1 if this CPU can run the given path (NNZ_PATH_PORTABLE is always supported), else 0. */
int nnz_kernels_path_supported(int path);

/**
 * Force the code path (for tests and benchmarks).  NNZ_PATH_AUTO selects the best supported
 * path.  An unsupported request falls back to the best supported path below it, so check
 * nnz_kernels_path_id() afterwards.  Not meant to be called while other threads run kernels
 * (they would simply see either the old or the new path).  Overrides NNZ_KERNELS.
 */
void nnz_kernels_force_path(int path);

/* ------------------------------------------------------------------------------------------
 * GEMM
 * ------------------------------------------------------------------------------------------ */

/** Activation applied in fused epilogues and by the elementwise kernels. */
typedef enum { NNZ_ACT_NONE = 0, NNZ_ACT_RELU = 1, NNZ_ACT_SIGMOID = 2, NNZ_ACT_TANH = 3 } nnz_activation;

/**
 * General SGEMM: C = alpha * op(A) * op(B) + beta * C, where op(X) = X^T if trans != 0.
 * op(A) is M x K, op(B) is K x N, C is M x N; all row-major with row strides lda/ldb/ldc:
 * A is stored M x K (transA == 0) or K x M (transA != 0); B is K x N or N x K.
 * BLAS semantics: when beta == 0, C is not read (NaN/garbage in C does not propagate);
 * when K == 0 or alpha == 0, C = beta * C.  M, N, K >= 0; nothing happens if M or N is 0.
 * C must not overlap A or B.  To thread, split M: call with A (and C) offset to the first
 * row of each block (A + i0*lda, or A + i0 when transA).
 * No packing at all for M == 1 and, on the SIMD paths, for M <= 12 with transB == 0; other
 * small problems pack into a stack buffer (32 KB), larger ones malloc a packing buffer of at
 * most about 640 KB per call.
 * Unlike nnz_gemm_packed, not batch invariant: the kernel (and so the summation order) depends
 * on M and the transposes, so results may differ in the last bits when M changes.
 */
void nnz_sgemm(int transA, int transB, int M, int N, int K, float alpha,
               const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc);

/**
 * Number of floats needed by nnz_pack_b for a K x N matrix (inference weights W[in=K][out=N]).
 * The packed layout is opaque: column panels of 32, zero padded; it is the same for every
 * code path, so packing once at load and switching paths later is fine.
 */
size_t nnz_pack_b_size(int K, int N);

/** Pack the K x N row-major matrix B (row stride ldb >= N) into `packed`
 *  (nnz_pack_b_size(K, N) floats).  Any 4-byte alignment works, but allocate `packed` 64-byte
 *  aligned (e.g. UnsafeMutableRawPointer.allocate(byteCount:alignment: 64)): with malloc's
 *  16-byte alignment every 64-byte load of the weights straddles two cache lines and M == 1
 *  inference runs about 1.7x slower. */
void nnz_pack_b(int K, int N, const float *B, int ldb, float *packed);

/**
 * C[M x N] = act(A[M x K] * B + bias) with B packed by nnz_pack_b(K, N, ...).
 * bias has N entries (one per output column) or is NULL.  C is overwritten (not read) and must
 * not overlap A; lda >= K, ldc >= N.  To thread, split M (offset A and C).  M == 1 uses a
 * dedicated GEMV path.  K == 0 gives C = act(bias).
 * Bitwise batch invariant on a given path: a row's result does not depend on M, on the row's
 * position, or on how the rows are split across calls/threads (every element is accumulated
 * in the same order by the GEMV and the tile kernels).  Different paths differ in the last
 * bits (FMA vs separate multiply/add, vector exp).
 */
void nnz_gemm_packed(int M, int N, int K, const float *A, int lda, const float *packed,
                     const float *bias, nnz_activation act, float *C, int ldc);

/* ------------------------------------------------------------------------------------------
 * Elementwise / rowwise (in place allowed: y may equal x; partial overlap is not allowed)
 * ------------------------------------------------------------------------------------------ */

/** y = max(x, 0).  (NaN inputs give 0 on every path.) */
void nnz_relu(const float *x, float *y, size_t n);

/** Leaky ReLU: y = x for x >= 0, alpha * x otherwise (NaN stays NaN, -0 stays -0).  One
 *  multiply at most per value, so every path gives the same bits. */
void nnz_leaky_relu(const float *x, float *y, size_t n, float alpha);

/** y = 1 / (1 + exp(-x)).  Saturates to exactly 0 / 1 for large |x|, never NaN/inf for
 *  finite x.  SIMD paths agree with the libm-based portable path to <= 1e-6 absolute. */
void nnz_sigmoid(const float *x, float *y, size_t n);

/** y = tanh(x).  Saturates to exactly +-1; SIMD paths agree with libm tanhf to <= 1e-6 abs. */
void nnz_tanh(const float *x, float *y, size_t n);

/** Row-wise softmax of a rows x cols row-major matrix (contiguous rows).  Stable: the row
 *  maximum is subtracted first, so finite inputs of any size (1e30, -3e38) never overflow and
 *  -inf entries give 0.  A row containing NaN or +inf, or only -inf, gives NaN. */
void nnz_softmax_rows(const float *x, float *y, int rows, int cols);

/** Input normalization: y[r][i] = (x[r][i] - offset[i]) / divisor[i] for r < rows, i < width,
 *  or with offset[0] / divisor[0] for every i when `broadcast` is non-zero.  One subtraction
 *  and one division per value, each correctly rounded, so every path gives the same bits. */
void nnz_normalize_rows(const float *x, float *y, int rows, int width, const float *offset,
                        const float *divisor, int broadcast);

/** y[i][c][s] = x[i][c][s] * scale[c] + shift[c] for i < n, c < channels, s < spatial
 *  (folded batch-norm, dropout scaling).  scale or shift may be NULL (meaning 1 / 0). */
void nnz_scale_shift_channels(const float *x, float *y, int n, int channels, int spatial,
                              const float *scale, const float *shift);

/* ------------------------------------------------------------------------------------------
 * Convolution (NCHW, cross-correlation, zero padding) and pooling
 * ------------------------------------------------------------------------------------------ */

/**
 * im2col for one image img[inC][H][W]: cols is (inC*kh*kw) x (outH*outW) row-major;
 * row r = (c*kh + i)*kw + j, column p = oh*outW + ow holds
 * img[c][oh*sh - ph + i][ow*sw - pw + j] or 0 outside the image.
 */
void nnz_im2col(const float *img, int inC, int H, int W, int kh, int kw, int sh, int sw,
                int ph, int pw, int outH, int outW, float *cols);

/** Adjoint of nnz_im2col: ACCUMULATES every cols entry into the image position it was read
 *  from (entries that fall in the padding are dropped).  img is not cleared first. */
void nnz_col2im(const float *cols, int inC, int H, int W, int kh, int kw, int sh, int sw,
                int ph, int pw, int outH, int outW, float *img);

/**
 * Max-pool of input[n][C][H][W] into output[n][C][outH][outW] over kh x kw windows at
 * stride sh/sw with padding ph/pw: window (oh, ow) covers rows oh*sh-ph .. +kh-1 and columns
 * ow*sw-pw .. +kw-1; padded positions never win (only in-image elements are compared; the
 * first maximum in row-major window order wins ties; a NaN in the window propagates: the
 * first NaN wins).
 * argmax (may be NULL) receives, per output element, the flat index into `input`
 * ((i*C + c)*H + h)*W + w of the winning element (relative to the `input` pointer passed).
 * A window with no in-image element (only possible when padding >= kernel size) yields
 * output 0 and argmax -1.
 */
void nnz_maxpool_forward(int n, int C, int H, int W, const float *input, int kh, int kw,
                         int sh, int sw, int ph, int pw, int outH, int outW,
                         float *output, int32_t *argmax);

/* ------------------------------------------------------------------------------------------
 * Inference convolution: NHWC activations, weights packed once (implicit GEMM, no im2col)
 *
 * An "NHWC view" of an image with C channels, H rows and W columns is a pointer p and a row
 * stride rs (floats, >= W*C): element (h, w, c) is at p[h*rs + w*C + c].  The channels of a
 * pixel are contiguous, pixels of a row are contiguous; rows may be further apart, which
 * lets a producer write straight into the interior of a zero-bordered buffer that the next
 * convolution reads as its padded input.
 * ------------------------------------------------------------------------------------------ */

/** Floats needed by nnz_conv_pack (opaque layout, the same for every code path). */
size_t nnz_conv_pack_size(int outC, int inC, int kh, int kw);

/** Pack OIHW weights weight[outC][inC][kh][kw] for nnz_conv2d_nhwc (do it once at load).
 *  Allocate `packed` 64-byte aligned. */
void nnz_conv_pack(int outC, int inC, int kh, int kw, const float *weight, float *packed);

/**
 * Convolution over an NHWC view with packed weights, bias[outC] (or NULL) and a fused
 * activation: for oh < outH, ow < outW, o < outC
 *   out[oh*out_rs + ow*outC + o] =
 *     act(bias[o] + sum_{i<kh, j<kw, c<inC} in[(oh*sh + i)*in_rs + (ow*sw + j)*inC + c] * W[o][c][i][j]).
 * `in` points at the input element read by tap (0, 0) of output (0, 0): for zero padding
 * ph/pw, pass a pointer to element (-ph, -pw) of a view whose border of ph rows / pw columns
 * holds zeros.  Exactly the elements named above are read (nothing else, no over-read).
 * out_rs >= outW*outC; out must not overlap in.  Each output pixel's sum is accumulated in the
 * same order whatever outH/outW (results do not depend on the image's position in a batch).
 */
void nnz_conv2d_nhwc(int outH, int outW, int inC, int kh, int kw, int sh, int sw,
                     const float *in, ptrdiff_t in_rs, const float *packed, const float *bias,
                     int outC, nnz_activation act, float *out, ptrdiff_t out_rs);

/**
 * nnz_conv2d_nhwc followed by a 2x2, stride-2, unpadded max-pool (after the activation), fused:
 * out (row stride out_rs >= (outW/2)*outC) receives (outH/2) x (outW/2) pixels, the values
 * nnz_maxpool_nhwc would give on nnz_conv2d_nhwc's output (outH, outW are still the
 * convolution's output size; an odd last row/column is not computed).  No workspace.
 */
void nnz_conv2d_nhwc_pool2(int outH, int outW, int inC, int kh, int kw, int sh, int sw,
                           const float *in, ptrdiff_t in_rs, const float *packed, const float *bias,
                           int outC, nnz_activation act, float *out, ptrdiff_t out_rs);

/** Floats needed by nnz_winograd_pack (opaque layout, the same for every code path). */
size_t nnz_winograd_pack_size(int outC, int inC);

/** Transform and pack 3x3 OIHW weights weight[outC][inC][3][3] for
 *  nnz_conv3x3_winograd_nhwc (do it once at load; 64-byte aligned `packed`). */
void nnz_winograd_pack(int outC, int inC, const float *weight, float *packed);

/** Floats of workspace needed by nnz_conv3x3_winograd_nhwc (per concurrent call). */
size_t nnz_winograd_work_size(int inC, int outC);

/**
 * 3x3, stride-1 convolution over an NHWC view by Winograd F(2x2, 3x3) (2.25x fewer
 * multiplications than nnz_conv2d_nhwc; same contract for `in`, bias, act and the output
 * view, with packed = nnz_winograd_pack).  Agrees with the direct sum to about 1e-6 relative
 * to the sum of |products| (the transforms add a few roundings).
 * pool == 2 fuses a 2x2, stride-2, unpadded max-pool after the activation: out then receives
 * (outH/2) x (outW/2) pixels (outH, outW are still the convolution's output size), with
 * nnz_maxpool_nhwc's rules.  pool == 0: no pooling.
 * Reads only the elements nnz_conv2d_nhwc would read; work: nnz_winograd_work_size floats.
 * Each image's results do not depend on anything else in a batch.
 */
void nnz_conv3x3_winograd_nhwc(int outH, int outW, int inC, const float *in, ptrdiff_t in_rs,
                               const float *packed, const float *bias, int outC,
                               nnz_activation act, int pool, float *out, ptrdiff_t out_rs,
                               float *work);

/**
 * Max-pool over an NHWC view (C channels, H x W, row stride in_rs) into an NHWC view
 * (out_rs >= outW*C): window (oh, ow) covers rows oh*sh-ph .. +kh-1 and columns
 * ow*sw-pw .. +kw-1 clipped to the image (padding never wins; a window with no in-image
 * element gives 0).  Same values as nnz_maxpool_forward (a NaN in the window gives NaN).
 * Only in-image elements are read.
 */
void nnz_maxpool_nhwc(int C, int H, int W, const float *in, ptrdiff_t in_rs, int kh, int kw,
                      int sh, int sw, int ph, int pw, int outH, int outW, float *out,
                      ptrdiff_t out_rs);

/**
 * Average pool over an NHWC view (C channels, H x W, row stride in_rs) into an NHWC view
 * (out_rs >= outW*C), ONNX AveragePool: window (oh, ow) covers rows oh*sh-ph .. +kh-1 and
 * columns ow*sw-pw .. +kw-1; its in-image elements are added in row-major window order (the
 * first one, then each next), and the sum is divided by kh*kw when count_include_pad != 0
 * (padded zeros count), else by the number of in-image elements.  A window with no in-image
 * element (only possible when padding >= kernel size) gives 0.  Only in-image elements are
 * read.  Adds and one division in the same order on every path: the same bits everywhere, and
 * the same as nnz_avgpool_forward.  Global average pooling is kh = H, kw = W, no padding.
 */
void nnz_avgpool_nhwc(int C, int H, int W, const float *in, ptrdiff_t in_rs, int kh, int kw,
                      int sh, int sw, int ph, int pw, int outH, int outW, int count_include_pad,
                      float *out, ptrdiff_t out_rs);

/** Average pool of input[n][C][H][W] into output[n][C][outH][outW], for the trainer: the
 *  windows, order of additions and divisor of nnz_avgpool_nhwc (so the same bits). */
void nnz_avgpool_forward(int n, int C, int H, int W, const float *input, int kh, int kw,
                         int sh, int sw, int ph, int pw, int outH, int outW, int count_include_pad,
                         float *output);

/** Gradient of nnz_avgpool_forward: dx[n][C][H][W] is overwritten with, for each input
 *  element, the sum over the windows that hold it of dy[window] / that window's divisor. */
void nnz_avgpool_backward(int n, int C, int H, int W, const float *dy, int kh, int kw,
                          int sh, int sw, int ph, int pw, int outH, int outW,
                          int count_include_pad, float *dx);

/** Layout change of one image: src[C][H][W] (contiguous) into the NHWC view (dst, dst_rs). */
void nnz_nchw_to_nhwc(int C, int H, int W, const float *src, float *dst, ptrdiff_t dst_rs);

/** Layout change of one image: the NHWC view (src, src_rs) into dst[C][H][W] (contiguous). */
void nnz_nhwc_to_nchw(int C, int H, int W, const float *src, ptrdiff_t src_rs, float *dst);

/* ------------------------------------------------------------------------------------------
 * int8 inference (dynamic quantization): u8 activations x int8 weights, exact int32 sums
 *
 * Arithmetic (the runtime's int8 rule; a reference such as Tools/nnz.py must match it bit for bit):
 * each row x[0..K) of a layer's float input (a dense layer's inputs; a convolution's whole
 * C*H*W sample) is quantized with its own scale r and zero point zp:
 *   lo = min(0, min x), hi = max(0, max x)
 *   hi == lo: r = 1, zp = 0;  else r = (hi - lo) / 255, zp = clamp(rint(-lo / r), 0, 255)
 *   q[k] = clamp(rint(x[k] * (1 / r)) + zp, 0, 255)
 * (float32 divisions and multiply, rint half-to-even; the clamps are done in float, so a NaN
 * input gives q = 0 and NaN is ignored by min/max).  With int8 weights w[k][n] (-127..127),
 * per-column scales s[n] and colsum[n] = sum_k w[k][n] (kept in the packed weights):
 *   acc = sum_k q[k]*w[k][n]  (int32, exact);  t = (float)(acc - zp*colsum[n])
 *   y = t * (s[n] * r) + b[n]  (a multiply, then an add: never fused; b = +0 without bias)
 * then relu (exact) or sigmoid / tanh by the active fp32 path's nnz_sigmoid / nnz_tanh.
 * acc is exact as long as K <= 66311 (255*127*K < 2^31), which the format enforces.
 * Integer sums do not depend on their order, so all three paths give the same bits for
 * NONE and RELU (and for SIGMOID / TANH, the fp32 path's function of the same bits).
 * Kernels: the avx512 path uses AVX-512 VNNI (vpdpbusd on zmm) when the CPU has avx512vnni
 * and avx512bw; the avx2 path (and the avx512 path without AVX-512 VNNI) uses AVX-VNNI
 * (vpdpbusd on ymm) when the CPU has avxvnni, else the avx2 int8 kernels, which widen to
 * int16 (vpmaddwd: exact, unlike vpmaddubsw, whose int16 sums saturate); portable is plain C.
 * NNZ_KERNELS / nnz_kernels_force_path select them with the fp32 kernels; nnz_int8_force_vnni
 * (or NNZ_INT8_VNNI=0) turns the VNNI kernels off.
 * ------------------------------------------------------------------------------------------ */

/** Name of the int8 kernels in use: "avx512-vnni", "avx-vnni", "avx2" or "portable" (the
 *  avx512 path on a CPU without AVX-512 VNNI reports "avx-vnni" or "avx2"). */
const char *nnz_int8_kernel_name(void);

/** 1 (the default): int8 layers use the VNNI kernels where the CPU has them; 0: never (the
 *  avx2 vpmaddwd kernels on the avx2 and avx512 paths). The environment variable
 *  NNZ_INT8_VNNI=0 gives 0 from the start. All choices compute the same bits; tests and
 *  benchmarks compare them. */
void nnz_int8_force_vnni(int on);

/** 1 if the CPU has AVX-512 F, VL, BW and VNNI (the avx512 path's int8 kernels), else 0. */
int nnz_cpu_has_vnni(void);

/** 1 if the CPU has AVX2, FMA and AVX-VNNI (vpdpbusd on ymm: the avx2 path's VNNI kernels). */
int nnz_cpu_has_avxvnni(void);

/**
 * Quantize M rows of K floats (row i at x + i*ldx) to u8, each with its own scale r[i] and
 * zero point zp[i] (rule above): q row i at q + i*ldq receives K bytes (ldq >= K).  K == 0
 * gives r = 1, zp = 0.  Same bits on every path.
 */
void nnz_quantize_rows_u8(const float *x, int M, int K, int ldx, uint8_t *q, int ldq, float *r, int32_t *zp);

/**
 * Quantize one image given as an NHWC view (x, row stride x_rs floats >= W*C: element
 * (h, w, c) at x[h*x_rs + w*C + c]) as ONE row of C*H*W values (the same r and zp as
 * nnz_quantize_rows_u8 on the image in any layout), into the u8 NHWC view whose interior
 * element (h, w, c) is q[h*q_rs + w*C + c] (q_rs bytes >= (W + 2*pw)*C), and write zp into
 * its border of ph rows above and below and pw columns left and right (q - ph*q_rs - pw*C
 * is the border's first byte): the padding an int8 convolution reads, which then adds 0.
 */
void nnz_quantize_nhwc_u8(int C, int H, int W, const float *x, ptrdiff_t x_rs, int ph, int pw,
                          uint8_t *q, ptrdiff_t q_rs, float *r, int32_t *zp);

/** Bytes needed by nnz_int8_pack_b for K x N weights (K >= 0, N > 0; else 0).  The layout is
 *  the same for every path (pack once at load, switching paths later is fine). */
size_t nnz_int8_packed_size(int K, int N);

/**
 * Pack dense int8 weights W[K][N] (row-major, [inputs][outputs], values -127..127) for
 * nnz_gemm_int8_packed, and store colsum[N] with them (nnz_int8_packed_size(K, N) bytes;
 * allocate 64-byte aligned).  Layout (opaque to callers): k in groups of 4; 64-column panels
 * (the last one 16, 32 or 48 wide), each group holding every column's 4 consecutive k as 4
 * bytes (one vpdpbusd operand per 16 columns); then int32 colsum[N].
 */
void nnz_int8_pack_b(const int8_t *W, int K, int N, void *packed);

/**
 * C[M x N] = act(dequantized int8 product + bias), the rule above, for q rows (M x K bytes,
 * row stride ldq >= K, as nnz_quantize_rows_u8 writes them) with their r[M] and zp[M], and
 * weights packed by nnz_int8_pack_b(W, K, N, ...) with per-column scales[N] (> 0) and bias[N]
 * (or NULL).  C (row stride ldc >= N) is overwritten, not read.  Only q bytes k < K are read.
 * Single-threaded; to thread, split M (offset q, r, zp and C).  A row's result does not depend
 * on M, on the split or on the path (for NONE / RELU).
 */
void nnz_gemm_int8_packed(int M, int N, int K, const uint8_t *q, int ldq, const float *r, const int32_t *zp,
                          const void *packed, const float *scales, const float *bias, nnz_activation act,
                          float *C, int ldc);

/** Bytes needed by nnz_int8_conv_pack (opaque layout, the same for every path). */
size_t nnz_int8_conv_pack_size(int outC, int inC, int kh, int kw);

/** Pack OIHW int8 weights weight[outC][inC][kh][kw] (-127..127) and their per-output-channel
 *  colsum for nnz_conv2d_int8_nhwc (once at load; allocate 64-byte aligned).  Layout: the
 *  nnz_int8_pack_b panels with k groups formed within each kernel row (4 consecutive (j, c)
 *  of the row's kw*inC values, the row's last group zero padded). */
void nnz_int8_conv_pack(int outC, int inC, int kh, int kw, const int8_t *weight, void *packed);

/**
 * int8 convolution over a u8 NHWC view with one scale r and zero point zp (one sample, as
 * nnz_quantize_nhwc_u8 gives them), packed weights with per-output-channel scales[outC] and
 * bias[outC] (or NULL): for oh < outH, ow < outW, o < outC
 *   out[oh*out_rs + ow*outC + o] = act(t * (scales[o] * r) + bias[o]),
 *   t = (float)(sum_{i<kh, j<kw, c<inC} in[(oh*sh + i)*in_rs + (ow*sw + j)*inC + c] * W[o][c][i][j]
 *               - zp * colsum[o])
 * (the rule above; in_rs in bytes).  As with nnz_conv2d_nhwc, `in` points at the element read
 * by tap (0, 0) of output (0, 0): for padding ph/pw, element (-ph, -pw) of a view whose border
 * holds zp.  Nothing before the first element named or after the last one is read; when
 * kw*inC is not a multiple of 4, a kernel row's last 4-byte group may also read up to 3 bytes
 * just past that row (their values do not matter: they meet zero weights).  out_rs >=
 * outW*outC (floats).  Results do not depend on the image's position in a batch, nor on the
 * path (for NONE / RELU).
 */
void nnz_conv2d_int8_nhwc(int outH, int outW, int inC, int kh, int kw, int sh, int sw,
                          const uint8_t *in, ptrdiff_t in_rs, float r, int32_t zp, const void *packed,
                          const float *scales, const float *bias, int outC, nnz_activation act,
                          float *out, ptrdiff_t out_rs);

/** nnz_conv2d_int8_nhwc followed by a 2x2, stride-2, unpadded max-pool (after the
 *  activation): out (row stride out_rs >= (outW/2)*outC) receives (outH/2) x (outW/2)
 *  pixels, the values nnz_maxpool_nhwc would give on nnz_conv2d_int8_nhwc's output (outH,
 *  outW are still the convolution's output size; an odd last row/column is not computed).
 *  Fused in registers on the VNNI kernels for NONE / RELU; otherwise two conv rows at a time
 *  through a 16 KB stack buffer. */
void nnz_conv2d_int8_nhwc_pool2(int outH, int outW, int inC, int kh, int kw, int sh, int sw,
                                const uint8_t *in, ptrdiff_t in_rs, float r, int32_t zp, const void *packed,
                                const float *scales, const float *bias, int outC, nnz_activation act,
                                float *out, ptrdiff_t out_rs);

#ifdef __cplusplus
}
#endif

#endif /* NNZ_KERNELS_H */
