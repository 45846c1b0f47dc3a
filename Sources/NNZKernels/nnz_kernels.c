/* Public entry points: blocking/packing drivers (path independent), convolution helpers,
 * pooling, and the elementwise wrappers.  The inner kernels come from the active path. */
#include "nnz_internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Cache blocking (floats).  KC x 32 B micro-panel (32 KB) fits L1, MC x KC block of A
 * (120 KB) and KC x NC slice of B (512 KB) fit L2.  MC is a multiple of every path's MR. */
#define KC 256
#define MC 120
#define NC 512

/* Stack buffer for the packing of small sgemm problems (floats). */
#define SGEMM_STACK_FLOATS 8192

static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }
static inline int round_up(int a, int m) { return (a + m - 1) / m * m; }

/* K-block length: K split into equal blocks of at most KC (a multiple of 4 unless K is small),
 * so that no tiny last block pays a full C read-modify-write. */
static inline int k_step(int K) {
    if (K <= KC) return K;
    int nb = (K + KC - 1) / KC;
    return round_up((K + nb - 1) / nb, 4);
}

/* ---------------------------------------------------------------------------------------
 * Packing
 * --------------------------------------------------------------------------------------- */

size_t nnz_pack_b_size(int K, int N) {
    if (K <= 0 || N <= 0) return 0;
    return (size_t)round_up(N, NNZ_NR) * (size_t)K;
}

/* Pack op(B)[k0..k0+kc) x [j0..j0+nc) into panels of 32 columns, panel stride kc*32.
 * op(B)(k, j) = B[k*ldb + j] (trans == 0) or B[j*ldb + k] (trans != 0). */
static void pack_b_block(int trans, const float *B, ptrdiff_t ldb, int k0, int j0, int kc, int nc,
                         float *Bp) {
    int npanels = (nc + NNZ_NR - 1) / NNZ_NR;
    for (int p = 0; p < npanels; p++) {
        float *d = Bp + (ptrdiff_t)p * kc * NNZ_NR;
        int jb = j0 + p * NNZ_NR;
        int nr = imin(NNZ_NR, nc - p * NNZ_NR);
        if (!trans) {
            for (int k = 0; k < kc; k++) {
                const float *s = B + (ptrdiff_t)(k0 + k) * ldb + jb;
                float *dk = d + (ptrdiff_t)k * NNZ_NR;
                memcpy(dk, s, (size_t)nr * sizeof(float));
                for (int j = nr; j < NNZ_NR; j++) dk[j] = 0.0f;
            }
        } else {
            for (int j = 0; j < nr; j++) {
                const float *s = B + (ptrdiff_t)(jb + j) * ldb + k0;
                for (int k = 0; k < kc; k++) d[(ptrdiff_t)k * NNZ_NR + j] = s[k];
            }
            if (nr < NNZ_NR)
                for (int k = 0; k < kc; k++)
                    for (int j = nr; j < NNZ_NR; j++) d[(ptrdiff_t)k * NNZ_NR + j] = 0.0f;
        }
    }
}

void nnz_pack_b(int K, int N, const float *B, int ldb, float *packed) {
    if (K <= 0 || N <= 0) return;
    /* Full-K panels: panel p at packed + p*K*32. */
    pack_b_block(0, B, ldb, 0, 0, K, N, packed);
}

/* Pack op(A) = A^T rows [i0, i0+mc), k in [k0, k0+kc) (A stored K x M, element (i,k) at
 * A[k*lda + i]) into mr-row blocks: block b at Ap + b*mr*kc, element [k*mr + i%mr]; or, if
 * rows, row-major Ap[i*kc + k]. */
static void pack_a_trans(const float *A, ptrdiff_t lda, int i0, int k0, int mc, int kc, int mr,
                         int rows_layout, float *Ap) {
    if (rows_layout) {
        for (int k = 0; k < kc; k++) {
            const float *s = A + (ptrdiff_t)(k0 + k) * lda + i0;
            for (int i = 0; i < mc; i++) Ap[(ptrdiff_t)i * kc + k] = s[i];
        }
        return;
    }
    for (int b = 0; b * mr < mc; b++) {
        int rows = imin(mr, mc - b * mr);
        float *d = Ap + (ptrdiff_t)b * mr * kc;
        for (int k = 0; k < kc; k++) {
            const float *s = A + (ptrdiff_t)(k0 + k) * lda + i0 + b * mr;
            float *dk = d + (ptrdiff_t)k * mr;
            int i = 0;
            for (; i < rows; i++) dk[i] = s[i];
            for (; i < mr; i++) dk[i] = 0.0f;
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * GEMM drivers
 * --------------------------------------------------------------------------------------- */

/* C = act(A * B + bias_n[j]) with A unpacked (M x K, lda) and B packed with full K (panel
 * stride K*32).  C is overwritten. */
static void gemm_bp(const nnz_path_ops *ops, int M, int N, int K, const float *A, ptrdiff_t lda,
                    const float *Bp, float *C, ptrdiff_t ldc, const float *bias_n, int act) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        for (int i = 0; i < M; i++) {
            float *c = C + (ptrdiff_t)i * ldc;
            for (int j = 0; j < N; j++) c[j] = bias_n ? bias_n[j] : 0.0f;
            switch (act) {
            case NNZ_ACT_RELU: ops->relu(c, c, (size_t)N); break;
            case NNZ_ACT_SIGMOID: ops->sigmoid(c, c, (size_t)N); break;
            case NNZ_ACT_TANH: ops->tanh_(c, c, (size_t)N); break;
            default: break;
            }
        }
        return;
    }
    ptrdiff_t ps = (ptrdiff_t)K * NNZ_NR;
    if (M == 1) {
        /* Same k blocks and same epilogue sequence as the tiles below: bitwise batch
         * invariance (a row's result does not depend on M or on how rows are split). */
        for (int pc = 0, ks = k_step(K); pc < K; pc += ks) {
            int kc = imin(ks, K - pc);
            int last = pc + kc == K;
            nnz_epi e = {1.0f, pc == 0 ? 0.0f : 1.0f, last ? bias_n : NULL, NULL, last ? act : NNZ_ACT_NONE};
            ops->gemv(N, kc, A + pc, 1, Bp + (ptrdiff_t)pc * NNZ_NR, ps, NNZ_NR, C, &e);
        }
        return;
    }
    for (int jc = 0; jc < N; jc += NC) {
        int nc = imin(NC, N - jc);
        for (int pc = 0, ks = k_step(K); pc < K; pc += ks) {
            int kc = imin(ks, K - pc);
            int last = pc + kc == K;
            for (int ic = 0; ic < M; ic += MC) {
                int mc = imin(MC, M - ic);
                nnz_epi e = {1.0f, pc == 0 ? 0.0f : 1.0f, (last && bias_n) ? bias_n + jc : NULL, NULL,
                             last ? act : NNZ_ACT_NONE};
                ops->macro_unpacked(mc, nc, kc, A + (ptrdiff_t)ic * lda + pc, lda,
                                    Bp + (ptrdiff_t)(jc / NNZ_NR) * ps + (ptrdiff_t)pc * NNZ_NR, ps,
                                    C + (ptrdiff_t)ic * ldc + jc, ldc, &e);
            }
        }
    }
}

void nnz_gemm_packed(int M, int N, int K, const float *A, int lda, const float *packed,
                     const float *bias, nnz_activation act, float *C, int ldc) {
    gemm_bp(nnz_active_ops(), M, N, K, A, lda, packed, C, ldc, bias, (int)act);
}

/* C = beta*C (beta == 0: C = 0 without reading it). */
static void scale_c(int M, int N, float beta, float *C, ptrdiff_t ldc) {
    for (int i = 0; i < M; i++) {
        float *c = C + (ptrdiff_t)i * ldc;
        if (beta == 0.0f)
            memset(c, 0, (size_t)N * sizeof(float));
        else if (beta != 1.0f)
            for (int j = 0; j < N; j++) c[j] *= beta;
    }
}

static void sgemm_packed(const nnz_path_ops *ops, int transA, int transB, int M, int N, int K,
                         float alpha, const float *A, ptrdiff_t lda, const float *B, ptrdiff_t ldb,
                         float beta, float *C, ptrdiff_t ldc);

void nnz_sgemm(int transA, int transB, int M, int N, int K, float alpha,
               const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0.0f) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    const nnz_path_ops *ops = nnz_active_ops();
    if (M == 1 && !(transA && transB)) {
        /* GEMV without packing: B is streamed once anyway. */
        nnz_epi e = {alpha, beta, NULL, NULL, NNZ_ACT_NONE};
        if (!transB)
            ops->gemv(N, K, A, transA ? lda : 1, B, NNZ_NR, ldb, C, &e);
        else
            ops->dotrows(N, K, A, B, ldb, C, &e);
        return;
    }
    int mr = ops->mr;
    if (!transB && M <= 2 * mr && ops->macro_rowb) {
        /* Small M: B is used at most twice, packing it would cost more than it saves. */
        nnz_epi e = {alpha, beta, NULL, NULL, NNZ_ACT_NONE};
        ops->macro_rowb(M, N, K, A, transA ? 1 : lda, transA ? lda : 1, B, ldb, C, ldc, &e);
        return;
    }
    sgemm_packed(ops, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* General case: Goto-style blocking with B packed per (KC x NC) block and A^T packed per
 * (MC x KC) block.  Separate function so that the small paths above do not reserve its
 * 32 KB stack buffer. */
static __attribute__((noinline)) void
sgemm_packed(const nnz_path_ops *ops, int transA, int transB, int M, int N, int K, float alpha,
             const float *A, ptrdiff_t lda, const float *B, ptrdiff_t ldb, float beta, float *C,
             ptrdiff_t ldc) {
    int mr = ops->mr;
    int kcb = k_step(K);
    int ncb = imin(round_up(N, NNZ_NR), NC);
    int mcb = imin(round_up(M, mr), MC);
    size_t bfl = (size_t)kcb * ncb;
    size_t afl = transA ? (size_t)mcb * kcb : 0;
    size_t total = bfl + afl;

    _Alignas(64) float stack_buf[SGEMM_STACK_FLOATS];
    float *heap = NULL, *buf = stack_buf;
    if (total > SGEMM_STACK_FLOATS) {
        if (posix_memalign((void **)&heap, 64, total * sizeof(float)) != 0 || heap == NULL) {
            /* Out of memory: plain loops (slow but correct). */
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++) {
                    float s = 0.0f;
                    for (int k = 0; k < K; k++) {
                        float a = transA ? A[(ptrdiff_t)k * lda + i] : A[(ptrdiff_t)i * lda + k];
                        float b = transB ? B[(ptrdiff_t)j * ldb + k] : B[(ptrdiff_t)k * ldb + j];
                        s += a * b;
                    }
                    float *c = C + (ptrdiff_t)i * ldc + j;
                    *c = alpha * s + (beta == 0.0f ? 0.0f : beta * *c);
                }
            return;
        }
        buf = heap;
    }
    float *Bp = buf;
    float *Ap = buf + bfl;

    for (int jc = 0; jc < N; jc += NC) {
        int nc = imin(NC, N - jc);
        for (int pc = 0, ks = k_step(K); pc < K; pc += ks) {
            int kc = imin(ks, K - pc);
            pack_b_block(transB, B, ldb, pc, jc, kc, nc, Bp);
            nnz_epi e = {alpha, pc == 0 ? beta : 1.0f, NULL, NULL, NNZ_ACT_NONE};
            if (M == 1) { /* transA && transB: column of A (stride lda) times packed B */
                ops->gemv(nc, kc, A + (ptrdiff_t)pc * lda, lda, Bp, (ptrdiff_t)kc * NNZ_NR, NNZ_NR,
                          C + jc, &e);
                continue;
            }
            for (int ic = 0; ic < M; ic += MC) {
                int mc = imin(MC, M - ic);
                float *c = C + (ptrdiff_t)ic * ldc + jc;
                if (transA) {
                    pack_a_trans(A, lda, ic, pc, mc, kc, mr, ops->pack_a_rows, Ap);
                    ops->macro_packed(mc, nc, kc, Ap, Bp, (ptrdiff_t)kc * NNZ_NR, c, ldc, &e);
                } else {
                    ops->macro_unpacked(mc, nc, kc, A + (ptrdiff_t)ic * lda + pc, lda, Bp,
                                        (ptrdiff_t)kc * NNZ_NR, c, ldc, &e);
                }
            }
        }
    }
    free(heap);
}

/* ---------------------------------------------------------------------------------------
 * Elementwise / rowwise
 * --------------------------------------------------------------------------------------- */

void nnz_relu(const float *x, float *y, size_t n) { nnz_active_ops()->relu(x, y, n); }
void nnz_sigmoid(const float *x, float *y, size_t n) { nnz_active_ops()->sigmoid(x, y, n); }
void nnz_tanh(const float *x, float *y, size_t n) { nnz_active_ops()->tanh_(x, y, n); }

void nnz_softmax_rows(const float *x, float *y, int rows, int cols) {
    if (rows <= 0 || cols <= 0) return;
    nnz_active_ops()->softmax(x, y, rows, cols);
}

void nnz_scale_shift_channels(const float *x, float *y, int n, int channels, int spatial,
                              const float *scale, const float *shift) {
    if (n <= 0 || channels <= 0 || spatial <= 0) return;
    const nnz_path_ops *ops = nnz_active_ops();
    for (int i = 0; i < n; i++)
        for (int c = 0; c < channels; c++) {
            ptrdiff_t off = ((ptrdiff_t)i * channels + c) * spatial;
            ops->scale_shift(x + off, y + off, (size_t)spatial, scale ? scale[c] : 1.0f,
                             shift ? shift[c] : 0.0f);
        }
}

/* ---------------------------------------------------------------------------------------
 * im2col / col2im / convolution
 * --------------------------------------------------------------------------------------- */

static inline int floor_div(int a, int b) { /* b > 0 */
    int q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}
static inline int ceil_div(int a, int b) { /* b > 0 */
    return -floor_div(-a, b);
}

/* Range of output columns ow in [ow0, ow0+run) whose input column ow*sw - pw + j is inside
 * [0, W): returns [*lo, *hi) clipped to the run (as offsets t = ow - ow0). */
static inline void valid_cols(int ow0, int run, int sw, int pw, int j, int W, int *lo, int *hi) {
    int a = ceil_div(pw - j, sw);               /* first ow with iw >= 0 */
    int b = floor_div(W - 1 + pw - j, sw) + 1;  /* one past last ow with iw <= W-1 */
    int l = imax(a - ow0, 0), h = imin(b - ow0, run);
    if (h < l) h = l;
    *lo = l;
    *hi = h;
}

/* dst[t] = row[(ow0+t)*sw - pw + j] (0 outside [0, W)), t in [0, run). */
static inline void gather_row(float *dst, const float *row, int W, int ow0, int run, int sw, int pw,
                              int j) {
    int lo, hi;
    valid_cols(ow0, run, sw, pw, j, W, &lo, &hi);
    int t = 0;
    for (; t < lo; t++) dst[t] = 0.0f;
    const float *s = row + (ptrdiff_t)(ow0 + lo) * sw - pw + j;
    if (hi <= lo) {
    } else if (sw == 1) {
        memcpy(dst + lo, s, (size_t)(hi - lo) * sizeof(float));
    } else {
        for (t = lo; t < hi; t++) dst[t] = s[(ptrdiff_t)(t - lo) * sw];
    }
    for (t = hi; t < run; t++) dst[t] = 0.0f;
}

void nnz_im2col(const float *img, int inC, int H, int W, int kh, int kw, int sh, int sw, int ph, int pw,
                int outH, int outW, float *cols) {
    if (outH <= 0 || outW <= 0) return;
    ptrdiff_t P = (ptrdiff_t)outH * outW;
    for (int c = 0; c < inC; c++)
        for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++) {
                float *d = cols + ((ptrdiff_t)(c * kh + i) * kw + j) * P;
                const float *ch = img + (ptrdiff_t)c * H * W;
                for (int oh = 0; oh < outH; oh++) {
                    int ih = oh * sh - ph + i;
                    float *dr = d + (ptrdiff_t)oh * outW;
                    if (ih < 0 || ih >= H)
                        memset(dr, 0, (size_t)outW * sizeof(float));
                    else
                        gather_row(dr, ch + (ptrdiff_t)ih * W, W, 0, outW, sw, pw, j);
                }
            }
}

void nnz_col2im(const float *cols, int inC, int H, int W, int kh, int kw, int sh, int sw, int ph, int pw,
                int outH, int outW, float *img) {
    if (outH <= 0 || outW <= 0) return;
    ptrdiff_t P = (ptrdiff_t)outH * outW;
    for (int c = 0; c < inC; c++)
        for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++) {
                const float *s = cols + ((ptrdiff_t)(c * kh + i) * kw + j) * P;
                float *ch = img + (ptrdiff_t)c * H * W;
                int lo, hi;
                valid_cols(0, outW, sw, pw, j, W, &lo, &hi);
                for (int oh = 0; oh < outH; oh++) {
                    int ih = oh * sh - ph + i;
                    if (ih < 0 || ih >= H) continue;
                    const float *sr = s + (ptrdiff_t)oh * outW;
                    float *dr = ch + (ptrdiff_t)ih * W - pw + j;
                    for (int ow = lo; ow < hi; ow++) dr[(ptrdiff_t)ow * sw] += sr[ow];
                }
            }
}

/* ---------------------------------------------------------------------------------------
 * Pooling
 * --------------------------------------------------------------------------------------- */

void nnz_maxpool_forward(int n, int C, int H, int W, const float *input, int kh, int kw, int sh, int sw,
                         int ph, int pw, int outH, int outW, float *output, int32_t *argmax) {
    if (n <= 0 || C <= 0 || outH <= 0 || outW <= 0) return;
    for (int pl = 0; pl < n * C; pl++) {
        ptrdiff_t base = (ptrdiff_t)pl * H * W;
        const float *plane = input + base;
        float *out = output + (ptrdiff_t)pl * outH * outW;
        int32_t *am = argmax ? argmax + (ptrdiff_t)pl * outH * outW : NULL;
        for (int oh = 0; oh < outH; oh++) {
            int h0 = oh * sh - ph;
            int hs = imax(h0, 0), he = imin(h0 + kh, H);
            for (int ow = 0; ow < outW; ow++) {
                int w0 = ow * sw - pw;
                int ws = imax(w0, 0), we = imin(w0 + kw, W);
                float best = 0.0f;
                ptrdiff_t idx = -1;
                for (int h = hs; h < he; h++) {
                    const float *r = plane + (ptrdiff_t)h * W;
                    for (int w = ws; w < we; w++) {
                        float v = r[w];
                        /* first element, a larger one, or the first NaN (which then sticks) */
                        if (idx < 0 || v > best || (v != v && best == best)) {
                            best = v;
                            idx = (ptrdiff_t)h * W + w;
                        }
                    }
                }
                out[(ptrdiff_t)oh * outW + ow] = best;
                if (am) am[(ptrdiff_t)oh * outW + ow] = idx < 0 ? -1 : (int32_t)(base + idx);
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * Inference convolution, NHWC
 * --------------------------------------------------------------------------------------- */

size_t nnz_conv_pack_size(int outC, int inC, int kh, int kw) {
    if (outC <= 0 || inC <= 0 || kh <= 0 || kw <= 0) return 0;
    return (size_t)round_up(outC, 16) * (size_t)inC * kh * kw;
}

void nnz_conv_pack(int outC, int inC, int kh, int kw, const float *weight, float *packed) {
    if (outC <= 0 || inC <= 0 || kh <= 0 || kw <= 0) return;
    ptrdiff_t K = (ptrdiff_t)inC * kh * kw;
    for (int col0 = 0; col0 < outC; col0 += 32) {
        int wg = nnz_conv_group_width(outC, col0);
        float *g = packed + K * col0;
        for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++)
                for (int c = 0; c < inC; c++) {
                    float *row = g + (((ptrdiff_t)i * kw + j) * inC + c) * wg;
                    for (int t = 0; t < wg; t++) {
                        int o = col0 + t;
                        row[t] = o < outC ? weight[(((ptrdiff_t)o * inC + c) * kh + i) * kw + j] : 0.0f;
                    }
                }
    }
}

void nnz_conv2d_nhwc(int outH, int outW, int inC, int kh, int kw, int sh, int sw,
                     const float *in, ptrdiff_t in_rs, const float *packed, const float *bias,
                     int outC, nnz_activation act, float *out, ptrdiff_t out_rs) {
    if (outH <= 0 || outW <= 0 || outC <= 0) return;
    const nnz_path_ops *ops = nnz_active_ops();
    if (inC <= 0 || kh <= 0 || kw <= 0) { /* empty sum: act(bias) */
        for (int oh = 0; oh < outH; oh++) {
            float *c = out + (ptrdiff_t)oh * out_rs;
            for (int ow = 0; ow < outW; ow++)
                for (int o = 0; o < outC; o++) c[(ptrdiff_t)ow * outC + o] = bias ? bias[o] : 0.0f;
            size_t n = (size_t)outW * outC;
            switch (act) {
            case NNZ_ACT_RELU: ops->relu(c, c, n); break;
            case NNZ_ACT_SIGMOID: ops->sigmoid(c, c, n); break;
            case NNZ_ACT_TANH: ops->tanh_(c, c, n); break;
            default: break;
            }
        }
        return;
    }
    nnz_conv_args a = {outH, outW, inC, kh, kw, sh, sw, outC, (int)act, in, in_rs, packed, bias, out, out_rs};
    ops->conv_nhwc(&a);
}

void nnz_conv2d_nhwc_pool2(int outH, int outW, int inC, int kh, int kw, int sh, int sw,
                           const float *in, ptrdiff_t in_rs, const float *packed, const float *bias,
                           int outC, nnz_activation act, float *out, ptrdiff_t out_rs) {
    int pH = outH / 2, pW = outW / 2;
    if (pH <= 0 || pW <= 0 || outC <= 0) return;
    const nnz_path_ops *ops = nnz_active_ops();
    if (inC > 0 && kh > 0 && kw > 0 && ops->conv_nhwc_pool2) {
        nnz_conv_args a = {outH, outW, inC, kh, kw, sh, sw, outC, (int)act, in, in_rs, packed, bias, out, out_rs};
        ops->conv_nhwc_pool2(&a);
        return;
    }
    /* Generic: two conv rows of up to `cw` (even) columns into a buffer, then the pool. */
    enum { BUF = 4096 };
    float stack_buf[BUF];
    float *heap = NULL, *buf = stack_buf;
    int cw = BUF / (2 * outC) / 2 * 2;
    if (cw < 2) {
        cw = 2;
        heap = malloc(sizeof(float) * 4 * (size_t)outC);
        if (!heap) return;
        buf = heap;
    }
    if (cw > 2 * pW) cw = 2 * pW;
    for (int py = 0; py < pH; py++)
        for (int x0 = 0; x0 < 2 * pW; x0 += cw) {
            int n = imin(cw, 2 * pW - x0);
            const float *a = in + (ptrdiff_t)(2 * py) * sh * in_rs + (ptrdiff_t)x0 * sw * inC;
            nnz_conv2d_nhwc(2, n, inC, kh, kw, sh, sw, a, in_rs, packed, bias, outC, act, buf, (ptrdiff_t)n * outC);
            nnz_maxpool_nhwc(outC, 2, n, buf, (ptrdiff_t)n * outC, 2, 2, 2, 2, 0, 0, 1, n / 2,
                             out + (ptrdiff_t)py * out_rs + (ptrdiff_t)(x0 / 2) * outC, out_rs);
        }
    free(heap);
}

void nnz_maxpool_nhwc(int C, int H, int W, const float *in, ptrdiff_t in_rs, int kh, int kw,
                      int sh, int sw, int ph, int pw, int outH, int outW, float *out,
                      ptrdiff_t out_rs) {
    if (C <= 0 || outH <= 0 || outW <= 0) return;
    nnz_pool_args a = {C, H, W, kh, kw, sh, sw, ph, pw, outH, outW, in, in_rs, out, out_rs};
    nnz_active_ops()->maxpool_nhwc(&a);
}

void nnz_nchw_to_nhwc(int C, int H, int W, const float *src, float *dst, ptrdiff_t dst_rs) {
    if (C <= 0 || H <= 0 || W <= 0) return;
    if (C == 1) {
        for (int h = 0; h < H; h++)
            memcpy(dst + (ptrdiff_t)h * dst_rs, src + (ptrdiff_t)h * W, (size_t)W * sizeof(float));
        return;
    }
    ptrdiff_t plane = (ptrdiff_t)H * W;
    for (int h = 0; h < H; h++) {
        float *d = dst + (ptrdiff_t)h * dst_rs;
        const float *s = src + (ptrdiff_t)h * W;
        for (int w = 0; w < W; w++)
            for (int c = 0; c < C; c++) d[(ptrdiff_t)w * C + c] = s[c * plane + w];
    }
}

void nnz_nhwc_to_nchw(int C, int H, int W, const float *src, ptrdiff_t src_rs, float *dst) {
    if (C <= 0 || H <= 0 || W <= 0) return;
    ptrdiff_t plane = (ptrdiff_t)H * W;
    if (C == 1) {
        for (int h = 0; h < H; h++)
            memcpy(dst + (ptrdiff_t)h * W, src + (ptrdiff_t)h * src_rs, (size_t)W * sizeof(float));
        return;
    }
    /* blocks of 8 channels: 8 output rows written at a time, the source read once */
    for (int c0 = 0; c0 < C; c0 += 8) {
        int nc = imin(8, C - c0);
        for (int h = 0; h < H; h++) {
            const float *s = src + (ptrdiff_t)h * src_rs + c0;
            float *d = dst + (ptrdiff_t)c0 * plane + (ptrdiff_t)h * W;
            for (int w = 0; w < W; w++)
                for (int c = 0; c < nc; c++) d[c * plane + w] = s[(ptrdiff_t)w * C + c];
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * Winograd F(2x2, 3x3)
 * --------------------------------------------------------------------------------------- */

size_t nnz_winograd_pack_size(int outC, int inC) {
    if (outC <= 0 || inC <= 0) return 0;
    return 16 * (size_t)round_up(outC, 16) * (size_t)round_up(inC, 16);
}

size_t nnz_winograd_work_size(int inC, int outC) {
    if (inC <= 0 || outC <= 0) return 0;
    return 16 * (size_t)NNZ_WINO_TB * ((size_t)round_up(inC, 16) + (size_t)round_up(outC, 16));
}

void nnz_winograd_pack(int outC, int inC, const float *weight, float *packed) {
    if (outC <= 0 || inC <= 0) return;
    int ocp = round_up(outC, 16), icp = round_up(inC, 16);
    ptrdiff_t mat = (ptrdiff_t)icp * ocp;
    /* U = G g G^T, G = [[1,0,0],[1/2,1/2,1/2],[1/2,-1/2,1/2],[0,0,1]], in double; channels and
     * output columns past inC / outC are zero */
    static const double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
    for (int o = 0; o < ocp; o++) {
        int col0 = o / 32 * 32, wg = nnz_conv_group_width(outC, col0);
        for (int c = 0; c < icp; c++) {
            double u[4][4] = {{0}};
            if (o < outC && c < inC) {
                const float *g = weight + ((ptrdiff_t)o * inC + c) * 9;
                double t[4][3];
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 3; j++)
                        t[i][j] = G[i][0] * g[0 * 3 + j] + G[i][1] * g[1 * 3 + j] + G[i][2] * g[2 * 3 + j];
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++) u[i][j] = t[i][0] * G[j][0] + t[i][1] * G[j][1] + t[i][2] * G[j][2];
            }
            for (int xi = 0; xi < 16; xi++)
                packed[xi * mat + (ptrdiff_t)icp * col0 + (ptrdiff_t)c * wg + (o - col0)] = (float)u[xi / 4][xi % 4];
        }
    }
}

void nnz_conv3x3_winograd_nhwc(int outH, int outW, int inC, const float *in, ptrdiff_t in_rs,
                               const float *packed, const float *bias, int outC,
                               nnz_activation act, int pool, float *out, ptrdiff_t out_rs,
                               float *work) {
    if (outH <= 0 || outW <= 0 || outC <= 0 || inC <= 0) return;
    if (pool && (outH < 2 || outW < 2)) return;
    nnz_wino_args a = {outH, outW, inC, outC, (int)act, pool ? 2 : 0, in, in_rs, packed, bias, out, out_rs, work};
    nnz_active_ops()->conv3x3_wino(&a);
}
