/* Portable path: plain C (auto-vectorised by the compiler for the baseline ISA: SSE2 on
 * x86-64, NEON on arm64).  Also the reference for the activation functions (libm). */
#include "nnz_internal.h"
#include "nnz_wino_generic.h"
#include "nnz_vector_math.h"
#include <math.h>

#define INL static inline __attribute__((always_inline))

/* Register tile of PMR rows x PNR columns; a 32-wide packed panel is processed in strips. */
#if defined(__aarch64__)
#define PMR 6
#define PNR 16 /* 24 of the 32 NEON registers hold accumulators */
#else
#define PMR 4
#define PNR 8 /* 8 of the 16 SSE registers hold accumulators */
#endif

/* ---------------------------------------------------------------------------------------
 * Scalar math (libm)
 * --------------------------------------------------------------------------------------- */

INL float sigmoid_s(float x) { return nnz_sigmoid_s(x); }

INL float relu_s(float x) { return x > 0.0f ? x : 0.0f; /* NaN -> 0 */ }

INL float act_s(float v, int act) {
    switch (act) {
    case NNZ_ACT_RELU: return relu_s(v);
    case NNZ_ACT_SIGMOID: return sigmoid_s(v);
    case NNZ_ACT_TANH: return nnz_tanh_s(v);
    default: return v;
    }
}

/* ---------------------------------------------------------------------------------------
 * GEMM
 * --------------------------------------------------------------------------------------- */

INL void epi_row_p(const float *v, int nr, float *c, const nnz_epi *e, const float *bias_n,
                   const float *bias_m_i) {
    float alpha = e->alpha, beta = e->beta;
    float bm = bias_m_i ? *bias_m_i : 0.0f;
    for (int j = 0; j < nr; j++) {
        float t = v[j] * alpha;
        if (beta != 0.0f) t += beta * c[j];
        if (bias_n) t += bias_n[j];
        t += bm;
        c[j] = act_s(t, e->act);
    }
}

/* mr x PNR strip; A element (i,k) at A[i*rsa + k*csa]; B rows 32 floats apart. */
INL void tile_p(const int mr, int kc, const float *A, const ptrdiff_t rsa, const ptrdiff_t csa,
                const float *B, int nr, float *C, ptrdiff_t ldc, const nnz_epi *e,
                const float *bias_n, const float *bias_m) {
    float acc[PMR][PNR];
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < PNR; j++) acc[i][j] = 0.0f;
    for (int k = 0; k < kc; k++) {
        const float *b = B + (ptrdiff_t)k * NNZ_NR;
        const float *a = A + k * csa;
        for (int i = 0; i < mr; i++) {
            float ai = a[i * rsa];
            for (int j = 0; j < PNR; j++) acc[i][j] += ai * b[j];
        }
    }
    for (int i = 0; i < mr; i++)
        epi_row_p(acc[i], nr, C + i * ldc, e, bias_n, bias_m ? bias_m + i : NULL);
}

/* Remainder rows (mr < PMR) with a compile-time row count each. */
INL void tail_p(int mr, int kc, const float *a, const ptrdiff_t rsa, const ptrdiff_t csa,
                const float *b, int nr, float *c, ptrdiff_t ldc, const nnz_epi *e,
                const float *bias_n, const float *bm) {
    switch (mr) {
    case 1: tile_p(1, kc, a, rsa, csa, b, nr, c, ldc, e, bias_n, bm); break;
    case 2: tile_p(2, kc, a, rsa, csa, b, nr, c, ldc, e, bias_n, bm); break;
    case 3: tile_p(3, kc, a, rsa, csa, b, nr, c, ldc, e, bias_n, bm); break;
#if PMR > 4
    case 4: tile_p(4, kc, a, rsa, csa, b, nr, c, ldc, e, bias_n, bm); break;
    case 5: tile_p(5, kc, a, rsa, csa, b, nr, c, ldc, e, bias_n, bm); break;
#endif
    default: break;
    }
}

#define NNZ_MACRO_P(NAME, ARGS_A, AOFF, RSA, CSA)                                              \
    static void NAME ARGS_A {                                                                  \
        int npanels = (N + 31) / 32;                                                           \
        for (int p = 0; p < npanels; p++) {                                                    \
            for (int h = 0; h < NNZ_NR / PNR; h++) {                                           \
                int nr = N - p * 32 - h * PNR;                                                 \
                if (nr <= 0) break;                                                            \
                if (nr > PNR) nr = PNR;                                                        \
                const float *b = Bp + p * panel_stride + h * PNR;                              \
                const float *bias_n = e->bias_n ? e->bias_n + p * 32 + h * PNR : NULL;         \
                float *cp = C + p * 32 + h * PNR;                                              \
                int i = 0;                                                                     \
                for (; i + PMR <= M; i += PMR)                                                 \
                    tile_p(PMR, kc, A + (AOFF), RSA, CSA, b, nr, cp + i * ldc, ldc, e, bias_n, \
                           e->bias_m ? e->bias_m + i : NULL);                                  \
                int mr = M - i;                                                                \
                if (mr > 0) {                                                                  \
                    const float *a = A + (AOFF);                                               \
                    float *c = cp + i * ldc;                                                   \
                    const float *bm = e->bias_m ? e->bias_m + i : NULL;                        \
                    tail_p(mr, kc, a, RSA, CSA, b, nr, c, ldc, e, bias_n, bm);                 \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }

NNZ_MACRO_P(macro_unpacked_p,
            (int M, int N, int kc, const float *A, ptrdiff_t lda, const float *Bp,
             ptrdiff_t panel_stride, float *C, ptrdiff_t ldc, const nnz_epi *e),
            i * lda, lda, 1)
/* The portable path packs A row-major (element (i,k) at Ap[i*kc + k], see pack_a_rows in
 * nnz_path_ops): with the [k][MR] layout the four contiguous A values per k tempt the SLP
 * vectoriser into shuffle-heavy code that runs 6x slower. */
static void macro_packed_p(int M, int N, int kc, const float *Ap, const float *Bp,
                           ptrdiff_t panel_stride, float *C, ptrdiff_t ldc, const nnz_epi *e) {
    macro_unpacked_p(M, N, kc, Ap, kc, Bp, panel_stride, C, ldc, e);
}

/* One row of A times B (packed or row-major, see nnz_gemv_fn); columns >= nr never read.
 * One accumulation chain per column, in the same order as tile_p (bitwise batch invariance of
 * gemm_packed). */
INL void gemv_panel_p(const int nload, int nr, int K, const float *ak, ptrdiff_t inca,
                      const float *b, ptrdiff_t rs, float *c, const nnz_epi *e, const float *bn) {
    float s0[NNZ_NR];
    for (int j = 0; j < NNZ_NR; j++) s0[j] = 0.0f;
    for (int k = 0; k < K; k++) {
        float a0 = ak[0];
        for (int j = 0; j < nload; j++) s0[j] += a0 * b[j];
        b += rs;
        ak += inca;
    }
    epi_row_p(s0, nr, c, e, bn, e->bias_m);
}

static void gemv_p(int N, int K, const float *a, ptrdiff_t inca, const float *B,
                   ptrdiff_t panel_stride, ptrdiff_t rs, float *c, const nnz_epi *e) {
    int npanels = (N + 31) / 32;
    for (int p = 0; p < npanels; p++) {
        int nr = N - p * 32 < 32 ? N - p * 32 : 32;
        const float *bn = e->bias_n ? e->bias_n + p * 32 : NULL;
        /* a packed panel (rs == 32) is zero padded: read it in full (constant trip count) */
        if (nr == 32 || rs == NNZ_NR)
            gemv_panel_p(32, nr, K, a, inca, B + p * panel_stride, rs, c + p * 32, e, bn);
        else
            gemv_panel_p(nr, nr, K, a, inca, B + p * panel_stride, rs, c + p * 32, e, bn);
    }
}

/* c[j] = alpha*dot(a, B row j) + beta*c[j]; 8 partial sums per row (vectorisable without
 * reassociation). */
static void dotrows_p(int N, int K, const float *a, const float *B, ptrdiff_t ldb, float *c,
                      const nnz_epi *e) {
    for (int j = 0; j < N; j++) {
        const float *b = B + j * ldb;
        float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int k = 0;
        for (; k + 8 <= K; k += 8)
            for (int t = 0; t < 8; t++) s[t] += a[k + t] * b[k + t];
        float d = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
        for (; k < K; k++) d += a[k] * b[k];
        float v = e->alpha * d;
        if (e->beta != 0.0f) v += e->beta * c[j];
        c[j] = v;
    }
}

/* ---------------------------------------------------------------------------------------
 * Elementwise
 * --------------------------------------------------------------------------------------- */

static void relu_arr_p(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = relu_s(x[i]);
}

static void sigmoid_arr_p(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = sigmoid_s(x[i]);
}

static void tanh_arr_p(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = nnz_tanh_s(x[i]);
}

static void softmax_p(const float *x, float *y, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (ptrdiff_t)r * cols;
        float *yr = y + (ptrdiff_t)r * cols;
        float mx = -INFINITY;
        for (int j = 0; j < cols; j++) mx = xr[j] > mx ? xr[j] : mx;
        float s[NNZ_SOFTMAX_LANES] = {0};
        for (int j = 0; j < cols; j++) {
            float ev = nnz_exp_nonpos_s(xr[j] - mx);
            yr[j] = ev;
            s[j % NNZ_SOFTMAX_LANES] += ev;
        }
        for (int w = NNZ_SOFTMAX_LANES / 2; w >= 1; w /= 2)
            for (int i = 0; i < w; i++) s[i] += s[i + w];
        float inv = 1.0f / s[0];
        for (int j = 0; j < cols; j++) yr[j] *= inv;
    }
}

static void scale_shift_p(const float *x, float *y, size_t n, float scale, float shift) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] * scale + shift;
}

static void leaky_relu_p(const float *x, float *y, size_t n, float alpha) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        y[i] = v >= 0.0f ? v : alpha * v; /* NaN: alpha * NaN, still NaN */
    }
}

/* ---------------------------------------------------------------------------------------
 * NHWC convolution (implicit GEMM) and max-pool
 * --------------------------------------------------------------------------------------- */

/* One output pixel x one weight group of WG (16 or 32) columns, ncols valid. */
INL void conv_pixel_p(const int WG, const nnz_conv_args *p, const float *a, const float *b,
                      const float *bias, int ncols, float *c) {
    float acc[32];
    for (int t = 0; t < WG; t++) acc[t] = 0.0f;
    int kwc = p->kw * p->inC;
    for (int i = 0; i < p->kh; i++) {
        const float *ai = a + (ptrdiff_t)i * p->in_rs;
        for (int k = 0; k < kwc; k++) {
            float av = ai[k];
            for (int t = 0; t < WG; t++) acc[t] += av * b[t];
            b += WG;
        }
    }
    for (int t = 0; t < ncols; t++) c[t] = act_s(acc[t] + (bias ? bias[t] : 0.0f), p->act);
}

static void conv_nhwc_p(const nnz_conv_args *p) {
    ptrdiff_t K = (ptrdiff_t)p->kh * p->kw * p->inC;
    for (int col0 = 0; col0 < p->outC; col0 += 32) {
        int wg = nnz_conv_group_width(p->outC, col0);
        int ncols = p->outC - col0 < wg ? p->outC - col0 : wg;
        const float *b = p->w + K * col0;
        const float *bias = p->bias ? p->bias + col0 : NULL;
        for (int oh = 0; oh < p->outH; oh++)
            for (int ow = 0; ow < p->outW; ow++) {
                const float *a = p->in + (ptrdiff_t)oh * p->sh * p->in_rs + (ptrdiff_t)ow * p->sw * p->inC;
                float *c = p->out + (ptrdiff_t)oh * p->out_rs + (ptrdiff_t)ow * p->outC + col0;
                if (wg == 32)
                    conv_pixel_p(32, p, a, b, bias, ncols, c);
                else
                    conv_pixel_p(16, p, a, b, bias, ncols, c);
            }
    }
}

static void maxpool_nhwc_p(const nnz_pool_args *p) {
    int C = p->C;
    for (int oh = 0; oh < p->outH; oh++) {
        int h0 = oh * p->sh - p->ph;
        int hs = h0 > 0 ? h0 : 0, he = h0 + p->kh < p->H ? h0 + p->kh : p->H;
        for (int ow = 0; ow < p->outW; ow++) {
            int w0 = ow * p->sw - p->pw;
            int ws = w0 > 0 ? w0 : 0, we = w0 + p->kw < p->W ? w0 + p->kw : p->W;
            float *o = p->out + (ptrdiff_t)oh * p->out_rs + (ptrdiff_t)ow * C;
            if (hs >= he || ws >= we) {
                for (int c = 0; c < C; c++) o[c] = 0.0f;
                continue;
            }
            const float *first = p->in + (ptrdiff_t)hs * p->in_rs + (ptrdiff_t)ws * C;
            for (int c = 0; c < C; c++) o[c] = first[c];
            for (int h = hs; h < he; h++)
                for (int w = (h == hs ? ws + 1 : ws); w < we; w++) {
                    const float *x = p->in + (ptrdiff_t)h * p->in_rs + (ptrdiff_t)w * C;
                    for (int c = 0; c < C; c++) {
                        float v = x[c], best = o[c];
                        /* a larger one, or the first NaN (which then sticks) */
                        if (v > best || (v != v && best == best)) o[c] = v;
                    }
                }
        }
    }
}

static void avgpool_nhwc_p(const nnz_pool_args *p) {
    int C = p->C;
    for (int oh = 0; oh < p->outH; oh++) {
        int h0 = oh * p->sh - p->ph;
        int hs = h0 > 0 ? h0 : 0, he = h0 + p->kh < p->H ? h0 + p->kh : p->H;
        for (int ow = 0; ow < p->outW; ow++) {
            int w0 = ow * p->sw - p->pw;
            int ws = w0 > 0 ? w0 : 0, we = w0 + p->kw < p->W ? w0 + p->kw : p->W;
            float *o = p->out + (ptrdiff_t)oh * p->out_rs + (ptrdiff_t)ow * C;
            if (hs >= he || ws >= we) {
                for (int c = 0; c < C; c++) o[c] = 0.0f;
                continue;
            }
            const float *first = p->in + (ptrdiff_t)hs * p->in_rs + (ptrdiff_t)ws * C;
            for (int c = 0; c < C; c++) o[c] = first[c];
            for (int h = hs; h < he; h++)
                for (int w = (h == hs ? ws + 1 : ws); w < we; w++) {
                    const float *x = p->in + (ptrdiff_t)h * p->in_rs + (ptrdiff_t)w * C;
                    for (int c = 0; c < C; c++) o[c] += x[c];
                }
            float divisor = nnz_avgpool_divisor(p->include_pad, p->kh, p->kw, he - hs, we - ws);
            for (int c = 0; c < C; c++) o[c] /= divisor;
        }
    }
}

static void conv3x3_wino_p(const nnz_wino_args *p) { nnz_wino_generic(p, &nnz_ops_portable); }

const nnz_path_ops nnz_ops_portable = {
    .name = "portable",
    .mr = PMR,
    .pack_a_rows = 1,
    .macro_unpacked = macro_unpacked_p,
    .macro_packed = macro_packed_p,
    .macro_rowb = NULL,
    .gemv = gemv_p,
    .dotrows = dotrows_p,
    .relu = relu_arr_p,
    .sigmoid = sigmoid_arr_p,
    .tanh_ = tanh_arr_p,
    .softmax = softmax_p,
    .scale_shift = scale_shift_p,
    .leaky_relu = leaky_relu_p,
    .conv_nhwc = conv_nhwc_p,
    .maxpool_nhwc = maxpool_nhwc_p,
    .avgpool_nhwc = avgpool_nhwc_p,
    .conv3x3_wino = conv3x3_wino_p,
};
