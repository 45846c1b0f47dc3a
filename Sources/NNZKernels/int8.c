/* int8 kernels, path independent part: choice of the int8 kernel, quantization parameters,
 * packing of the weights, and the drivers that call the active path's kernels. */
#include "nnz_int8.h"
#include <stdlib.h>

/* ---------------------------------------------------------------------------------------
 * Dispatch
 * --------------------------------------------------------------------------------------- */

/* The int8 kernels of the active path: the avx512 path uses AVX-512 VNNI when the CPU has
 * it, the avx2 path (and the avx512 one without AVX-512 VNNI) AVX-VNNI when the CPU has that,
 * else the avx2 int8 kernels; NNZ_KERNELS and nnz_kernels_force_path select them too, and
 * nnz_int8_force_vnni(0) leaves out both VNNI kinds. */
static const nnz_int8_ops *int8_ops(void) {
#if defined(__x86_64__)
    int path = nnz_kernels_path_id();
    if (path != NNZ_PATH_AVX512 && path != NNZ_PATH_AVX2) return &nnz_int8_portable;
    if (!nnz_int8_vnni_allowed()) return &nnz_int8_avx2;
    if (path == NNZ_PATH_AVX512 && nnz_cpu_has_vnni()) return &nnz_int8_avx512vnni;
    return nnz_cpu_has_avxvnni() ? &nnz_int8_avxvnni : &nnz_int8_avx2;
#endif
    return &nnz_int8_portable;
}

const char *nnz_int8_kernel_name(void) { return int8_ops()->name; }

/* ---------------------------------------------------------------------------------------
 * Quantization
 * --------------------------------------------------------------------------------------- */

/* r, zp and 1/r from lo = min(0, min x), hi = max(0, max x), as the design states; the
 * clamps are done in float (a NaN, possible only when r underflows to 0, gives 0). */
static void quant_params(float lo, float hi, float *r, int32_t *zp, float *inv) {
    if (hi == lo) {
        *r = 1.0f;
        *zp = 0;
        *inv = 1.0f;
        return;
    }
    float rr = (hi - lo) / 255.0f;
    float z = __builtin_rintf(-lo / rr);
    z = z > 0.0f ? z : 0.0f;
    z = z < 255.0f ? z : 255.0f;
    *r = rr;
    *zp = (int32_t)z;
    *inv = 1.0f / rr;
}

void nnz_quantize_rows_u8(const float *x, int M, int K, int ldx, uint8_t *q, int ldq, float *r, int32_t *zp) {
    if (M <= 0) return;
    const nnz_int8_ops *ops = int8_ops();
    /* Blocks of rows: every row's min/max, then every row's parameters (independent
     * divisions overlap), then the quantization (the block, <= 32 KB, still in L1). */
    enum { BLOCK = 16 };
    int block = K > 0 ? imax(1, imin(BLOCK, 8192 / K)) : BLOCK;
    for (int i0 = 0; i0 < M; i0 += block) {
        int nb = imin(block, M - i0);
        float lo[BLOCK], hi[BLOCK], inv[BLOCK];
        for (int b = 0; b < nb; b++) {
            lo[b] = hi[b] = 0.0f;
            if (K > 0) ops->minmax(x + (ptrdiff_t)(i0 + b) * ldx, 1, (size_t)K, 0, &lo[b], &hi[b]);
        }
        for (int b = 0; b < nb; b++) quant_params(lo[b], hi[b], &r[i0 + b], &zp[i0 + b], &inv[b]);
        if (K > 0)
            for (int b = 0; b < nb; b++)
                ops->quantize(x + (ptrdiff_t)(i0 + b) * ldx, 1, (size_t)K, 0, inv[b], (float)zp[i0 + b],
                              q + (ptrdiff_t)(i0 + b) * ldq, 0);
    }
}

void nnz_quantize_nhwc_u8(int C, int H, int W, const float *x, ptrdiff_t x_rs, int ph, int pw,
                          uint8_t *q, ptrdiff_t q_rs, float *r, int32_t *zp) {
    const nnz_int8_ops *ops = int8_ops();
    size_t row = (size_t)(W > 0 ? W : 0) * (size_t)(C > 0 ? C : 0);
    float lo = 0.0f, hi = 0.0f, inv;
    if (row > 0 && H > 0) {
        if (x_rs == (ptrdiff_t)row) /* contiguous: one long row */
            ops->minmax(x, 1, row * (size_t)H, 0, &lo, &hi);
        else
            ops->minmax(x, H, row, x_rs, &lo, &hi);
    }
    quant_params(lo, hi, r, zp, &inv);
    if (C <= 0 || W < 0 || H < 0) return;
    if (row > 0 && H > 0) {
        if (x_rs == (ptrdiff_t)row && q_rs == (ptrdiff_t)row) /* both contiguous: one long row */
            ops->quantize(x, 1, row * (size_t)H, 0, inv, (float)*zp, q, 0);
        else
            ops->quantize(x, H, row, x_rs, inv, (float)*zp, q, q_rs);
    }
    /* the border: ph full rows above and below, pw pixels left and right of each row */
    uint8_t z = (uint8_t)*zp;
    size_t full = (size_t)(W + 2 * pw) * (size_t)C, side = (size_t)pw * (size_t)C;
    for (int h = 0; h < ph; h++) {
        memset(q + (ptrdiff_t)(h - ph) * q_rs - side, z, full);
        memset(q + (ptrdiff_t)(H + h) * q_rs - side, z, full);
    }
    if (side)
        for (int h = 0; h < H; h++) {
            uint8_t *qr = q + (ptrdiff_t)h * q_rs;
            for (size_t t = 0; t < side; t++) {
                qr[-(ptrdiff_t)side + (ptrdiff_t)t] = z;
                qr[row + t] = z;
            }
        }
}

/* ---------------------------------------------------------------------------------------
 * Packing
 * --------------------------------------------------------------------------------------- */

size_t nnz_int8_packed_size(int K, int N) {
    if (K < 0 || N <= 0) return 0;
    return nnz_i8_packed_bytes((K + 3) / 4, N);
}

/* Writes the panels and colsum[N] for Kg k groups: dense W[K][N] (conv == 0; k = 4g + t),
 * or OIHW conv weights grouped within each kernel row (conv != 0; see nnz_int8.h). */
static void pack_panels(int Kg, int N, void *packed, const int8_t *W, int K,
                        int inC, int kh, int kw, int conv) {
    int8_t *dst = (int8_t *)packed;
    int32_t *colsum = (int32_t *)(dst + nnz_i8_colsum_offset(Kg, N));
    int kwc = kw * inC, gpr = (kwc + 3) / 4;
    for (int n = 0; n < N; n++) colsum[n] = 0;
    for (int col0 = 0; col0 < N; col0 += NNZ_I8_NP) {
        int wp = nnz_i8_panel_width(N, col0);
        int8_t *panel = dst + (size_t)col0 * Kg * 4;
        for (int g = 0; g < Kg; g++)
            for (int j = 0; j < wp; j++)
                for (int t = 0; t < 4; t++) {
                    int n = col0 + j;
                    int8_t v = 0;
                    if (n < N) {
                        if (!conv) {
                            int k = 4 * g + t;
                            if (k < K) v = W[(size_t)k * N + n];
                        } else {
                            int i = g / gpr, x = (g % gpr) * 4 + t;
                            if (x < kwc) {
                                int jj = x / inC, c = x % inC;
                                v = W[(((size_t)n * inC + c) * kh + i) * kw + jj];
                            }
                        }
                        colsum[n] += v;
                    }
                    panel[((size_t)g * wp + j) * 4 + t] = v;
                }
    }
}

void nnz_int8_pack_b(const int8_t *W, int K, int N, void *packed) {
    if (K < 0 || N <= 0) return;
    pack_panels((K + 3) / 4, N, packed, W, K, 0, 0, 0, 0);
}

size_t nnz_int8_conv_pack_size(int outC, int inC, int kh, int kw) {
    if (outC <= 0 || inC <= 0 || kh <= 0 || kw <= 0) return 0;
    return nnz_i8_packed_bytes(kh * ((kw * inC + 3) / 4), outC);
}

void nnz_int8_conv_pack(int outC, int inC, int kh, int kw, const int8_t *weight, void *packed) {
    if (outC <= 0 || inC <= 0 || kh <= 0 || kw <= 0) return;
    pack_panels(kh * ((kw * inC + 3) / 4), outC, packed, weight, 0, inC, kh, kw, 1);
}

/* ---------------------------------------------------------------------------------------
 * GEMM and convolution drivers
 * --------------------------------------------------------------------------------------- */

/* The fused part of act (NONE / RELU) and the fp32 path's function for the rest. */
static void split_act(nnz_activation act, int *fused, nnz_i8_unary_fn *fn) {
    const nnz_path_ops *f = nnz_active_ops();
    *fused = act == NNZ_ACT_RELU ? NNZ_ACT_RELU : NNZ_ACT_NONE;
    *fn = act == NNZ_ACT_SIGMOID ? f->sigmoid : act == NNZ_ACT_TANH ? f->tanh_ : NULL;
}

void nnz_gemm_int8_packed(int M, int N, int K, const uint8_t *q, int ldq, const float *r, const int32_t *zp,
                          const void *packed, const float *scales, const float *bias, nnz_activation act,
                          float *C, int ldc) {
    if (M <= 0 || N <= 0 || K < 0) return;
    int Kg = (K + 3) / 4;
    nnz_i8_gemm_args a = {M, N, K, q, ldq, r, zp, (const int8_t *)packed,
                          (const int32_t *)((const int8_t *)packed + nnz_i8_colsum_offset(Kg, N)),
                          scales, bias, NNZ_ACT_NONE, NULL, C, ldc};
    split_act(act, &a.act, &a.act_fn);
    int8_ops()->gemm(&a);
}

void nnz_conv2d_int8_nhwc(int outH, int outW, int inC, int kh, int kw, int sh, int sw,
                          const uint8_t *in, ptrdiff_t in_rs, float r, int32_t zp, const void *packed,
                          const float *scales, const float *bias, int outC, nnz_activation act,
                          float *out, ptrdiff_t out_rs) {
    if (outH <= 0 || outW <= 0 || outC <= 0 || inC <= 0 || kh <= 0 || kw <= 0) return;
    int Kg = kh * ((kw * inC + 3) / 4);
    nnz_i8_conv_args a = {outH, outW, inC, kh, kw, sh, sw, outC, in, in_rs, r, zp, (const int8_t *)packed,
                          (const int32_t *)((const int8_t *)packed + nnz_i8_colsum_offset(Kg, outC)),
                          scales, bias, NNZ_ACT_NONE, NULL, out, out_rs};
    split_act(act, &a.act, &a.act_fn);
    int8_ops()->conv(&a);
}

void nnz_conv2d_int8_nhwc_pool2(int outH, int outW, int inC, int kh, int kw, int sh, int sw,
                                const uint8_t *in, ptrdiff_t in_rs, float r, int32_t zp, const void *packed,
                                const float *scales, const float *bias, int outC, nnz_activation act,
                                float *out, ptrdiff_t out_rs) {
    int pH = outH / 2, pW = outW / 2;
    if (pH <= 0 || pW <= 0 || outC <= 0 || inC <= 0 || kh <= 0 || kw <= 0) return;
    const nnz_int8_ops *ops = int8_ops();
    if (ops->conv_pool2 && (act == NNZ_ACT_NONE || act == NNZ_ACT_RELU)) {
        int Kg = kh * ((kw * inC + 3) / 4);
        nnz_i8_conv_args a = {outH, outW, inC, kh, kw, sh, sw, outC, in, in_rs, r, zp, (const int8_t *)packed,
                              (const int32_t *)((const int8_t *)packed + nnz_i8_colsum_offset(Kg, outC)),
                              scales, bias, (int)act, NULL, out, out_rs};
        ops->conv_pool2(&a);
        return;
    }
    /* Two conv rows of up to `cw` (even) columns into a buffer, then the pool. */
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
            const uint8_t *a = in + (ptrdiff_t)(2 * py) * sh * in_rs + (ptrdiff_t)x0 * sw * inC;
            nnz_conv2d_int8_nhwc(2, n, inC, kh, kw, sh, sw, a, in_rs, r, zp, packed, scales, bias, outC, act, buf,
                                 (ptrdiff_t)n * outC);
            nnz_maxpool_nhwc(outC, 2, n, buf, (ptrdiff_t)n * outC, 2, 2, 2, 2, 0, 0, 1, n / 2,
                             out + (ptrdiff_t)py * out_rs + (ptrdiff_t)(x0 / 2) * outC, out_rs);
        }
    free(heap);
}
