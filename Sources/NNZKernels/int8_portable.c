/* int8 kernels, portable path: plain C, int32 sums (as uint32, so that even a reduction past
 * the 66311 limit wraps like the SIMD paths instead of being undefined). */
#include "nnz_int8.h"

#define INL static inline __attribute__((always_inline))

/* Register-friendly tile: PR rows x 16 columns. */
#define PR 4

static void minmax_p(const float *x, int rows, size_t n, ptrdiff_t x_rs, float *lo, float *hi) {
    float l = 0.0f, h = 0.0f;
    for (int r = 0; r < rows; r++)
        for (size_t i = 0; i < n; i++) {
            float v = x[r * x_rs + (ptrdiff_t)i];
            l = v < l ? v : l;
            h = v > h ? v : h;
        }
    *lo = l;
    *hi = h;
}

static void quantize_p(const float *x, int rows, size_t n, ptrdiff_t x_rs, float inv, float zpf, uint8_t *q,
                       ptrdiff_t q_rs) {
    for (int r = 0; r < rows; r++)
        for (size_t i = 0; i < n; i++) q[r * q_rs + (ptrdiff_t)i] = nnz_i8_quantize1(x[r * x_rs + (ptrdiff_t)i], inv, zpf);
}

/* The epilogue of one output: t = (float)(acc - zp*colsum), p = t*(s*r), y = p + b. */
INL float epi1(uint32_t acc, int32_t zp, int32_t colsum, float s, float r, float b, int relu) {
    int32_t d = (int32_t)(acc - (uint32_t)zp * (uint32_t)colsum);
    float t = (float)d;
    float m = s * r;
    float p = t * m;
    float y = p + b;
    if (relu) y = y > 0.0f ? y : 0.0f; /* NaN -> 0, like the fp32 relu */
    return y;
}

/* rows x 16 columns (ncols valid) of a panel whose groups are gs bytes apart.
 * Row i's 4 bytes of group g: a(i, g) via the strides below. */
INL void tile_p(const int rows, int Kg, int K, const uint8_t *q, ptrdiff_t ldq, const int8_t *b,
                ptrdiff_t gs, uint32_t acc[PR][16]) {
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < 16; j++) acc[i][j] = 0;
    for (int g = 0; g < Kg; g++) {
        const int8_t *bg = b + (ptrdiff_t)g * gs;
        int kn = K - 4 * g < 4 ? K - 4 * g : 4;
        for (int i = 0; i < rows; i++) {
            const uint8_t *a = q + (ptrdiff_t)i * ldq + 4 * g;
            for (int t = 0; t < kn; t++) {
                uint32_t av = a[t];
                for (int j = 0; j < 16; j++) acc[i][j] += av * (uint32_t)(int32_t)bg[j * 4 + t];
            }
        }
    }
}

static void gemm_p(const nnz_i8_gemm_args *p) {
    int Kg = (p->K + 3) / 4;
    for (int col0 = 0; col0 < p->N; col0 += NNZ_I8_NP) {
        int wp = nnz_i8_panel_width(p->N, col0);
        const int8_t *panel = p->w + (size_t)col0 * Kg * 4;
        for (int j0 = 0; j0 < wp; j0 += 16) {
            int n0 = col0 + j0;
            int ncols = p->N - n0 < 16 ? p->N - n0 : 16;
            if (ncols <= 0) break;
            for (int i0 = 0; i0 < p->M; i0 += PR) {
                int rows = p->M - i0 < PR ? p->M - i0 : PR;
                uint32_t acc[PR][16];
                tile_p(rows, Kg, p->K, p->q + (ptrdiff_t)i0 * p->ldq, p->ldq, panel + j0 * 4, (ptrdiff_t)wp * 4, acc);
                for (int i = 0; i < rows; i++) {
                    float *c = p->C + (ptrdiff_t)(i0 + i) * p->ldc + n0;
                    for (int j = 0; j < ncols; j++)
                        c[j] = epi1(acc[i][j], p->zp[i0 + i], p->colsum[n0 + j], p->scales[n0 + j], p->r[i0 + i],
                                    p->bias ? p->bias[n0 + j] : 0.0f, p->act == NNZ_ACT_RELU);
                    if (p->act_fn) p->act_fn(c, c, (size_t)ncols);
                }
            }
        }
    }
}

/* One output pixel x 16 output channels (ncols valid) of a panel (groups gs bytes apart);
 * a: the pixel's tap (0, 0), channel 0. */
static void conv_pixel_p(const nnz_i8_conv_args *p, const uint8_t *a, const int8_t *b, ptrdiff_t gs,
                         int n0, int ncols, float *c) {
    uint32_t acc[16];
    for (int j = 0; j < 16; j++) acc[j] = 0;
    int kwc = p->kw * p->inC, gpr = (kwc + 3) / 4;
    for (int i = 0; i < p->kh; i++) {
        const uint8_t *ai = a + (ptrdiff_t)i * p->in_rs;
        for (int gi = 0; gi < gpr; gi++) {
            int kn = kwc - 4 * gi < 4 ? kwc - 4 * gi : 4;
            for (int t = 0; t < kn; t++) {
                uint32_t av = ai[4 * gi + t];
                for (int j = 0; j < 16; j++) acc[j] += av * (uint32_t)(int32_t)b[j * 4 + t];
            }
            b += gs;
        }
    }
    for (int j = 0; j < ncols; j++)
        c[j] = epi1(acc[j], p->zp, p->colsum[n0 + j], p->scales[n0 + j], p->r, p->bias ? p->bias[n0 + j] : 0.0f,
                    p->act == NNZ_ACT_RELU);
}

static void conv_p(const nnz_i8_conv_args *p) {
    int Kg = p->kh * ((p->kw * p->inC + 3) / 4);
    for (int col0 = 0; col0 < p->outC; col0 += NNZ_I8_NP) {
        int wp = nnz_i8_panel_width(p->outC, col0);
        const int8_t *panel = p->w + (size_t)col0 * Kg * 4;
        for (int j0 = 0; j0 < wp; j0 += 16) {
            int n0 = col0 + j0;
            int ncols = p->outC - n0 < 16 ? p->outC - n0 : 16;
            if (ncols <= 0) break;
            for (int oh = 0; oh < p->outH; oh++)
                for (int ow = 0; ow < p->outW; ow++) {
                    const uint8_t *a = p->in + (ptrdiff_t)oh * p->sh * p->in_rs + (ptrdiff_t)ow * p->sw * p->inC;
                    conv_pixel_p(p, a, panel + j0 * 4, (ptrdiff_t)wp * 4, n0, ncols,
                                 p->out + (ptrdiff_t)oh * p->out_rs + (ptrdiff_t)ow * p->outC + n0);
                }
        }
    }
    if (p->act_fn)
        for (int oh = 0; oh < p->outH; oh++) {
            float *row = p->out + (ptrdiff_t)oh * p->out_rs;
            p->act_fn(row, row, (size_t)p->outW * p->outC);
        }
}

const nnz_int8_ops nnz_int8_portable = {
    .name = "portable",
    .minmax = minmax_p,
    .quantize = quantize_p,
    .gemm = gemm_p,
    .conv = conv_p,
};
