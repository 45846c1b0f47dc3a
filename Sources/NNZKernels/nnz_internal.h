/* Internal declarations shared by the NNZKernels translation units (not public API). */
#ifndef NNZ_INTERNAL_H
#define NNZ_INTERNAL_H

#include "nnz_kernels.h"
#include <stddef.h>
#include <stdint.h>

/* Small integer helpers shared by the path-independent drivers. */
static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }
static inline int round_up(int a, int m) { return (a + m - 1) / m * m; }

/* Width of a packed-B column panel (floats).  Same for every path. */
#define NNZ_NR 32

/* Epilogue of a GEMM block: C = act(alpha*acc + beta*C + bias_n[j] + bias_m[i]).
 * beta == 0 means C is not read.  bias_n / bias_m are offset to the block origin and may be
 * NULL.  act is applied last. */
typedef struct {
    float alpha;
    float beta;
    const float *bias_n;
    const float *bias_m;
    int act;
} nnz_epi;

/* Macro-kernel: C[M x N] (op) A[M x kc] * Bp, where Bp holds ceil(N/32) panels, panel p at
 * Bp + p*panel_stride, each kc rows of 32 floats (zero padded beyond N).
 *   unpacked A: element (i,k) at A[i*lda + k]
 *   packed A:   MR-row blocks, block b at A + b*MR*kc, element (i,k) at blk[k*MR + i%MR]
 *               (rows past M zero padded or garbage: those rows are never stored),
 *               or, if ops->pack_a_rows, row-major: element (i,k) at A[i*kc + k]. */
typedef void (*nnz_macro_unpacked_fn)(int M, int N, int kc, const float *A, ptrdiff_t lda,
                                      const float *Bp, ptrdiff_t panel_stride,
                                      float *C, ptrdiff_t ldc, const nnz_epi *e);
/* Small-M variant without packing: A element (i,k) at A[i*rsa + k*csa], B row-major (ldb);
 * never reads B past column N. */
typedef void (*nnz_macro_rowb_fn)(int M, int N, int K, const float *A, ptrdiff_t rsa,
                                  ptrdiff_t csa, const float *B, ptrdiff_t ldb, float *C,
                                  ptrdiff_t ldc, const nnz_epi *e);
typedef void (*nnz_macro_packed_fn)(int M, int N, int kc, const float *Ap,
                                    const float *Bp, ptrdiff_t panel_stride,
                                    float *C, ptrdiff_t ldc, const nnz_epi *e);
/* GEMV (one row of A): c[0..N) = epi(sum_k a[k*inca] * B(k, j)), where column j
 * of B lives in panel p = j/32 at B + p*panel_stride + k*row_stride + j%32.  Packed B:
 * panel_stride = K*32, row_stride = 32; row-major B: panel_stride = 32, row_stride = ldb
 * (columns >= N are never read).  Each column is ONE accumulation chain over k starting from
 * 0, exactly like a column of the register tiles, so that a row gives bitwise the same result
 * through the GEMV and the tile kernels (batch invariance of gemm_packed). */
typedef void (*nnz_gemv_fn)(int N, int K, const float *a, ptrdiff_t inca, const float *B,
                            ptrdiff_t panel_stride, ptrdiff_t row_stride, float *c, const nnz_epi *e);
/* Dot rows: c[j] = alpha * dot(a[0..K), B[j*ldb .. +K)) + beta*c[j] (beta == 0: c not read),
 * j < N.  Only e->alpha and e->beta are used. */
typedef void (*nnz_dotrows_fn)(int N, int K, const float *a, const float *B, ptrdiff_t ldb,
                               float *c, const nnz_epi *e);
typedef void (*nnz_unary_fn)(const float *x, float *y, size_t n);
typedef void (*nnz_softmax_fn)(const float *x, float *y, int rows, int cols);
typedef void (*nnz_scale_shift_fn)(const float *x, float *y, size_t n, float scale, float shift);
typedef void (*nnz_leaky_relu_fn)(const float *x, float *y, size_t n, float alpha);

/* NHWC convolution with packed weights (see nnz_conv2d_nhwc in nnz_kernels.h).  Input element
 * (oh, ow, tap i, j, channel c) at in[(oh*sh + i)*in_rs + (ow*sw + j)*inC + c]; output element
 * (oh, ow, channel o) at out[oh*out_rs + ow*outC + o]; packed weights: groups of 32 output
 * channels (the last one 16 wide if at most 16 remain), group g at w + K*32*g, K rows of the
 * group's width, row k = (i*kw + j)*inC + c. */
typedef struct {
    int outH, outW, inC, kh, kw, sh, sw, outC, act;
    const float *in;
    ptrdiff_t in_rs;
    const float *w;
    const float *bias;
    float *out;
    ptrdiff_t out_rs;
} nnz_conv_args;
typedef void (*nnz_conv_nhwc_fn)(const nnz_conv_args *a);

/* NHWC max- and average pool: input (h, w, c) at in[h*in_rs + w*C + c] for h < H, w < W;
 * output (oh, ow, c) at out[oh*out_rs + ow*C + c]; windows clipped to the image.  include_pad
 * (average pool only): divide by kh*kw instead of the in-image count. */
typedef struct {
    int C, H, W, kh, kw, sh, sw, ph, pw, outH, outW;
    const float *in;
    ptrdiff_t in_rs;
    float *out;
    ptrdiff_t out_rs;
    int include_pad;
} nnz_pool_args;

/* The divisor of an average-pool window of rows x cols in-image elements (kh x kw with
 * padding), computed exactly in double (kh*kw may exceed 2^31) and rounded once to float:
 * every path and the NCHW kernels share it. */
static inline float nnz_avgpool_divisor(int include_pad, int kh, int kw, int rows, int cols) {
    return include_pad ? (float)((double)kh * (double)kw) : (float)((double)rows * (double)cols);
}
typedef void (*nnz_pool_nhwc_fn)(const nnz_pool_args *a);

/* Winograd F(2x2, 3x3) convolution (see nnz_conv3x3_winograd_nhwc): tiles of 2x2 outputs are
 * processed in blocks of NNZ_WINO_TB; work holds V (TB*16*icp floats) then M (TB*16*ocp),
 * icp/ocp = channel counts rounded up to 16, in a path-specific layout.  Packed weights (same
 * for every path): 16 matrices U_xi (xi = 4*i + j), each icp x ocp in the conv-pack group
 * layout (K = icp rows, rows >= inC and columns >= outC zero), matrix xi at w + xi*icp*ocp. */
#define NNZ_WINO_TB 14
typedef struct {
    int outH, outW, inC, outC, act, pool;
    const float *in;
    ptrdiff_t in_rs;
    const float *w;
    const float *bias;
    float *out;
    ptrdiff_t out_rs;
    float *work;
} nnz_wino_args;
typedef void (*nnz_wino_fn)(const nnz_wino_args *a);

/* Width (16 or 32) of the packed conv weight group that starts at output channel col0. */
static inline int nnz_conv_group_width(int outC, int col0) {
    int left = outC - col0;
    return left > 16 ? 32 : 16;
}

typedef struct {
    const char *name;
    int mr;          /* rows of the register tile (packed-A block height) */
    int pack_a_rows; /* packed A is row-major (i*kc + k) instead of MR-row blocks */
    nnz_macro_unpacked_fn macro_unpacked;
    nnz_macro_packed_fn macro_packed;
    nnz_macro_rowb_fn macro_rowb; /* may be NULL (then small M packs B too) */
    nnz_gemv_fn gemv;
    nnz_dotrows_fn dotrows;
    nnz_unary_fn relu, sigmoid, tanh_;
    nnz_softmax_fn softmax;
    nnz_scale_shift_fn scale_shift; /* y = x*scale + shift over n contiguous floats */
    nnz_leaky_relu_fn leaky_relu;
    nnz_conv_nhwc_fn conv_nhwc;
    nnz_pool_nhwc_fn maxpool_nhwc;
    nnz_pool_nhwc_fn avgpool_nhwc;
    nnz_wino_fn conv3x3_wino;
    /* conv_nhwc followed by a 2x2 stride-2 max-pool, out = the pooled view; NULL: the generic
     * driver (conv_nhwc two rows at a time into a buffer, then maxpool_nhwc). */
    nnz_conv_nhwc_fn conv_nhwc_pool2;
} nnz_path_ops;

extern const nnz_path_ops nnz_ops_portable;
#if defined(__x86_64__)
extern const nnz_path_ops nnz_ops_avx2;
extern const nnz_path_ops nnz_ops_avx512;
#endif

/* Active path table (cached dispatch). */
const nnz_path_ops *nnz_active_ops(void);


/* 0 when nnz_int8_force_vnni(0) or NNZ_INT8_VNNI=0 turned the VNNI kernels off, else 1. */
int nnz_int8_vnni_allowed(void);

#endif
