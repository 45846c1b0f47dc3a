/* int8 kernels, AVX-512 VNNI path: vpdpbusd (u8 x s8 -> s32, four products per lane, no
 * saturation).  Every function carries the target attribute (no global -m flags). */
#if defined(__x86_64__)
#include "nnz_int8.h"
#include <immintrin.h>

#define TV __attribute__((target("avx512f,avx512vl,avx512bw,avx512vnni,fma")))
#define INL static inline __attribute__((always_inline))

/* ---------------------------------------------------------------------------------------
 * Quantization
 * --------------------------------------------------------------------------------------- */

TV INL __mmask16 mask16(size_t n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1u); }

TV static void minmax_v(const float *x, int rows, size_t n, ptrdiff_t x_rs, float *lo, float *hi) {
    /* min(x, lo) returns lo when x is NaN (second operand), like the scalar x < lo ? x : lo;
     * masked-off lanes load 0, which min(0, ..) / max(0, ..) include anyway. */
    __m512 l0 = _mm512_setzero_ps(), l1 = l0, h0 = l0, h1 = l0;
    for (int r = 0; r < rows; r++) {
        const float *xr = x + r * x_rs;
        size_t i = 0;
        for (; i + 32 <= n; i += 32) {
            __m512 a = _mm512_loadu_ps(xr + i), b = _mm512_loadu_ps(xr + i + 16);
            l0 = _mm512_min_ps(a, l0);
            h0 = _mm512_max_ps(a, h0);
            l1 = _mm512_min_ps(b, l1);
            h1 = _mm512_max_ps(b, h1);
        }
        for (; i < n; i += 16) {
            __m512 a = _mm512_maskz_loadu_ps(mask16(n - i), xr + i);
            l0 = _mm512_min_ps(a, l0);
            h0 = _mm512_max_ps(a, h0);
        }
    }
    *lo = _mm512_reduce_min_ps(_mm512_min_ps(l0, l1));
    *hi = _mm512_reduce_max_ps(_mm512_max_ps(h0, h1));
}

/* clamp(rint(x*inv) + zpf, 0, 255) of 16 floats as int32 (nnz_i8_quantize1, lane-wise). */
TV INL __m512i quant16(__m512 x, __m512 inv, __m512 zpf) {
    __m512 v = _mm512_roundscale_ps(_mm512_mul_ps(x, inv), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    v = _mm512_add_ps(v, zpf);
    v = _mm512_max_ps(v, _mm512_setzero_ps()); /* NaN -> 0 (second operand) */
    v = _mm512_min_ps(v, _mm512_set1_ps(255.0f));
    return _mm512_cvttps_epi32(v);
}

TV static void quantize_v(const float *x, int rows, size_t n, ptrdiff_t x_rs, float inv, float zpf, uint8_t *q,
                          ptrdiff_t q_rs) {
    const __m512 vi = _mm512_set1_ps(inv), vz = _mm512_set1_ps(zpf);
    /* 64 values at a time: clamp(rint(x*inv) + zpf, -, 255) in float (min(255, v) keeps a NaN),
     * then the unsigned-saturating packs do the clamp at 0 (a NaN converts to INT_MIN: 0):
     * the same bytes as quant16, with two packs and a permute instead of four maxima and four
     * byte conversions. */
    const __m512 c255 = _mm512_set1_ps(255.0f);
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    for (int r = 0; r < rows; r++, x += x_rs, q += q_rs) {
        size_t i = 0;
        for (; i + 64 <= n; i += 64) {
            __m512i v[4];
            for (int t = 0; t < 4; t++) {
                __m512 y = _mm512_roundscale_ps(_mm512_mul_ps(_mm512_loadu_ps(x + i + 16 * t), vi),
                                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
                y = _mm512_min_ps(c255, _mm512_add_ps(y, vz));
                v[t] = _mm512_cvttps_epi32(y);
            }
            /* per 128-bit lane l: dwords (v0_l, v1_l, v2_l, v3_l); `order` puts v0's lanes first */
            __m512i bytes = _mm512_packus_epi16(_mm512_packus_epi32(v[0], v[1]), _mm512_packus_epi32(v[2], v[3]));
            _mm512_storeu_si512((void *)(q + i), _mm512_permutexvar_epi32(order, bytes));
        }
        for (; i < n; i += 16) {
            __mmask16 m = mask16(n - i);
            _mm512_mask_cvtepi32_storeu_epi8(q + i, m, quant16(_mm512_maskz_loadu_ps(m, x + i), vi, vz));
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * Epilogue
 * --------------------------------------------------------------------------------------- */

/* y = (float)d * m + bias, multiply then add (never fused), relu if asked; d = acc - zp*colsum. */
TV INL __m512 epi16(__m512i d, __m512 m, __m512 bias, int relu) {
    __m512 t = _mm512_cvtepi32_ps(d);
    __m512 p = _mm512_mul_ps(t, m);
    __m512 y = _mm512_add_ps(p, bias);
    return relu ? _mm512_max_ps(y, _mm512_setzero_ps()) : y;
}

TV INL __mmask16 mask_cols(int ncols, int v) {
    int n = ncols - 16 * v;
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1u);
}

/* ---------------------------------------------------------------------------------------
 * GEMM
 * --------------------------------------------------------------------------------------- */

/* Rows per tile for nv zmm (16 columns each) per row: at most 24 accumulators, and no more
 * than 12 rows (12 row addresses a run-time ldq apart stay in registers). */
#define GMR4 6
#define GMR3 8
#define GMR2 12
#define GMR1 12

/* mr rows x (16*nv) columns.  q: row i0's first byte; b: the panel's first group, offset to
 * the tile's first column; groups gs bytes apart; columns n0 .. n0+ncols-1 of C are stored. */
TV INL void gemm_tile_v(const int mr, const int nv, const nnz_i8_gemm_args *p, const uint8_t *q,
                        const int8_t *b, ptrdiff_t gs, int i0, int n0, int ncols) {
    __m512i acc[GMR1][4];
    const ptrdiff_t ldq = p->ldq;
    const int K = p->K, gfull = K / 4, tail = K % 4;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++)
        _Pragma("clang loop unroll(full)")
        for (int v = 0; v < nv; v++) acc[r][v] = _mm512_setzero_si512();
    const uint8_t *a = q;
    for (int g = 0; g < gfull; g++) {
        __m512i bv[4];
        _Pragma("clang loop unroll(full)")
        for (int v = 0; v < nv; v++) bv[v] = _mm512_loadu_si512((const void *)(b + 64 * v));
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < mr; r++) {
            __m512i av = _mm512_set1_epi32(nnz_i8_load4(a + r * ldq));
            _Pragma("clang loop unroll(full)")
            for (int v = 0; v < nv; v++) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], av, bv[v]);
        }
        a += 4;
        b += gs;
    }
    if (tail) {
        __mmask16 km = (__mmask16)((1u << tail) - 1u);
        __m512i bv[4];
        _Pragma("clang loop unroll(full)")
        for (int v = 0; v < nv; v++) bv[v] = _mm512_loadu_si512((const void *)(b + 64 * v));
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < mr; r++) {
            __m512i av = _mm512_broadcastd_epi32(_mm_maskz_loadu_epi8(km, a + r * ldq));
            _Pragma("clang loop unroll(full)")
            for (int v = 0; v < nv; v++) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], av, bv[v]);
        }
    }
    __m512i cs[4];
    __m512 sc[4], bias[4];
    __mmask16 mk[4];
    _Pragma("clang loop unroll(full)")
    for (int v = 0; v < nv; v++) {
        mk[v] = mask_cols(ncols, v);
        cs[v] = _mm512_maskz_loadu_epi32(mk[v], p->colsum + n0 + 16 * v);
        sc[v] = _mm512_maskz_loadu_ps(mk[v], p->scales + n0 + 16 * v);
        bias[v] = p->bias ? _mm512_maskz_loadu_ps(mk[v], p->bias + n0 + 16 * v) : _mm512_setzero_ps();
    }
    const int relu = p->act == NNZ_ACT_RELU;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++) {
        __m512i zp = _mm512_set1_epi32(p->zp[i0 + r]);
        __m512 rr = _mm512_set1_ps(p->r[i0 + r]);
        float *c = p->C + (ptrdiff_t)(i0 + r) * p->ldc + n0;
        _Pragma("clang loop unroll(full)")
        for (int v = 0; v < nv; v++) {
            __m512 m = _mm512_mul_ps(sc[v], rr);
            __m512 y = epi16(_mm512_sub_epi32(acc[r][v], _mm512_mullo_epi32(zp, cs[v])), m, bias[v], relu);
            _mm512_mask_storeu_ps(c + 16 * v, mk[v], y);
        }
        if (p->act_fn) p->act_fn(c, c, (size_t)(ncols < 16 * nv ? ncols : 16 * nv));
    }
}

/* Row tiles of up to MRMAX rows over rows [i0, i1) for one column block. */
#define NNZ_GEMM_ROWS(NV, MRMAX)                                                               \
    {                                                                                          \
        int i = i0;                                                                            \
        for (; i + MRMAX <= i1; i += MRMAX)                                                    \
            gemm_tile_v(MRMAX, NV, p, p->q + (ptrdiff_t)i * p->ldq, b, gs, i, n0, ncols);      \
        const uint8_t *qi = p->q + (ptrdiff_t)i * p->ldq;                                      \
        switch (i1 - i) {                                                                      \
        case 1: gemm_tile_v(1, NV, p, qi, b, gs, i, n0, ncols); break;                         \
        case 2: if (2 < MRMAX) gemm_tile_v(2, NV, p, qi, b, gs, i, n0, ncols); break;          \
        case 3: if (3 < MRMAX) gemm_tile_v(3, NV, p, qi, b, gs, i, n0, ncols); break;          \
        case 4: if (4 < MRMAX) gemm_tile_v(4, NV, p, qi, b, gs, i, n0, ncols); break;          \
        case 5: if (5 < MRMAX) gemm_tile_v(5, NV, p, qi, b, gs, i, n0, ncols); break;          \
        case 6: if (6 < MRMAX) gemm_tile_v(6, NV, p, qi, b, gs, i, n0, ncols); break;          \
        case 7: if (7 < MRMAX) gemm_tile_v(7, NV, p, qi, b, gs, i, n0, ncols); break;          \
        case 8: if (8 < MRMAX) gemm_tile_v(8, NV, p, qi, b, gs, i, n0, ncols); break;          \
        case 9: if (9 < MRMAX) gemm_tile_v(9, NV, p, qi, b, gs, i, n0, ncols); break;          \
        case 10: if (10 < MRMAX) gemm_tile_v(10, NV, p, qi, b, gs, i, n0, ncols); break;       \
        case 11: if (11 < MRMAX) gemm_tile_v(11, NV, p, qi, b, gs, i, n0, ncols); break;       \
        default: break;                                                                        \
        }                                                                                      \
    }

/* Rows per L2 block: the block's q rows (mc*K bytes) stay in L2 while every panel passes. */
static inline int gemm_mc(int K) {
    int mc = (256 * 1024) / (K > 0 ? K : 1) / 24 * 24;
    return mc < 24 ? 24 : mc > 960 ? 960 : mc;
}

/* One panel at a time, as wide as the tile: 6 x 64 tiles (24 accumulators, 4 weight vectors
 * and 6 broadcasts per k group) on full panels.  Measured (1024 x 1024 x 1024, Zen 5): the
 * same speed as 12 x 32 tiles whose half panel stays in L1, 0.95-1.0x the peak of vpdpbusd
 * in a register-only loop. */
TV static void gemm_v(const nnz_i8_gemm_args *p) {
    const int Kg = (p->K + 3) / 4, mcb = gemm_mc(p->K);
    for (int ic = 0; ic < p->M; ic += mcb) {
        int i0 = ic, i1 = ic + mcb < p->M ? ic + mcb : p->M;
        for (int col0 = 0; col0 < p->N; col0 += NNZ_I8_NP) {
            int wp = nnz_i8_panel_width(p->N, col0);
            int n0 = col0, ncols = p->N - n0 < NNZ_I8_NP ? p->N - n0 : NNZ_I8_NP;
            const int8_t *b = p->w + (size_t)col0 * Kg * 4;
            ptrdiff_t gs = (ptrdiff_t)wp * 4;
            switch (wp / 16) {
            case 4: NNZ_GEMM_ROWS(4, GMR4) break;
            case 3: NNZ_GEMM_ROWS(3, GMR3) break;
            case 2: NNZ_GEMM_ROWS(2, GMR2) break;
            default: NNZ_GEMM_ROWS(1, GMR1) break;
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * NHWC convolution (implicit GEMM: no im2col)
 * --------------------------------------------------------------------------------------- */

/* Pixels per tile: 24 to 28 accumulators; a one-channel stride-1 input (rsa == 1 at compile
 * time) takes 28 pixels of 16 channels, a run-time rsa at most 16 (the row addresses stay in
 * registers).  With the fused pool: 4 conv pixels per pooled pixel. */
#define CMR4 6
#define CMR3 8
#define CMR2 14
#define CMR1 28
#define CMR1G 16

/* Sums of mr conv pixels x (16*nv) output channels into acc, starting from nzc = -zp*colsum
 * (int32 wraps, and the final sum(q - zp)*w is in range: exact, and the epilogue has no
 * subtraction).  Pixel r < w reads the row at a
 * (pixel r at a + r*rsa), pixel r >= w the row at a + row2 (pixel r - w); w = mr for one row.
 * Weights: the panel's first group at b, groups gs bytes apart.  A kernel row whose kw*inC
 * bytes end in a partial group reads that group with a 4-byte load (the bytes past the row
 * meet zero weights) unless `exact`, then with a byte mask: the drivers set it for the
 * strips whose 4-byte loads could pass the last byte the call names. */
TV INL void conv_sums_v(const int nv, const int mr, const int w, const ptrdiff_t rsa, const nnz_i8_conv_args *p,
                        const uint8_t *a, ptrdiff_t row2, const int8_t *b, ptrdiff_t gs, int exact,
                        const __m512i *nzc, __m512i acc[][4]) {
    const ptrdiff_t in_rs = p->in_rs;
    const int kwc = p->kw * p->inC, gfull = kwc / 4, tail = kwc % 4, kh = p->kh;
    const __mmask16 km = (__mmask16)((1u << tail) - 1u);
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++)
        _Pragma("clang loop unroll(full)")
        for (int v = 0; v < nv; v++) acc[r][v] = nzc[v];
    for (int i = 0; i < kh; i++) {
        const uint8_t *ai = a + i * in_rs, *bi = ai + row2;
        for (int g = 0; g < gfull; g++) {
            __m512i bv[4];
            _Pragma("clang loop unroll(full)")
            for (int v = 0; v < nv; v++) bv[v] = _mm512_loadu_si512((const void *)(b + 64 * v));
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < mr; r++) {
                const uint8_t *x = (r < w ? ai + r * rsa : bi + (r - w) * rsa) + 4 * g;
                __m512i av = _mm512_set1_epi32(nnz_i8_load4(x));
                _Pragma("clang loop unroll(full)")
                for (int v = 0; v < nv; v++) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], av, bv[v]);
            }
            b += gs;
        }
        if (tail) {
            __m512i bv[4];
            _Pragma("clang loop unroll(full)")
            for (int v = 0; v < nv; v++) bv[v] = _mm512_loadu_si512((const void *)(b + 64 * v));
            if (exact) {
                _Pragma("clang loop unroll(full)")
                for (int r = 0; r < mr; r++) {
                    const uint8_t *x = (r < w ? ai + r * rsa : bi + (r - w) * rsa) + 4 * gfull;
                    __m512i av = _mm512_broadcastd_epi32(_mm_maskz_loadu_epi8(km, x));
                    _Pragma("clang loop unroll(full)")
                    for (int v = 0; v < nv; v++) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], av, bv[v]);
                }
            } else {
                _Pragma("clang loop unroll(full)")
                for (int r = 0; r < mr; r++) {
                    const uint8_t *x = (r < w ? ai + r * rsa : bi + (r - w) * rsa) + 4 * gfull;
                    __m512i av = _mm512_set1_epi32(nnz_i8_load4(x));
                    _Pragma("clang loop unroll(full)")
                    for (int v = 0; v < nv; v++) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], av, bv[v]);
                }
            }
            b += gs;
        }
    }
}

/* mr consecutive output pixels x (16*nv) output channels.  zc / sr / bias: -zp*colsum,
 * scale*r and bias per 16 channels, mk their store masks; c: the first pixel's output. */
TV INL void conv_tile_v(const int nv, const int mr, const ptrdiff_t rsa, const nnz_i8_conv_args *p,
                        const uint8_t *a, const int8_t *b, ptrdiff_t gs, int exact, const __m512i *zc,
                        const __m512 *sr, const __m512 *bias, const __mmask16 *mk, float *c) {
    __m512i acc[CMR1][4];
    conv_sums_v(nv, mr, mr, rsa, p, a, 0, b, gs, exact, zc, acc);
    const int relu = p->act == NNZ_ACT_RELU;
    const ptrdiff_t cps = p->outC;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++)
        _Pragma("clang loop unroll(full)")
        for (int v = 0; v < nv; v++) {
            __m512 y = epi16(acc[r][v], sr[v], bias[v], relu);
            if (mk[v] == 0xFFFF)
                _mm512_storeu_ps(c + r * cps + 16 * v, y);
            else
                _mm512_mask_storeu_ps(c + r * cps + 16 * v, mk[v], y);
        }
}

/* Maximum with nnz_maxpool_nhwc's rules (x comes after best in window order): a larger
 * value, or the first NaN, wins. */
TV INL __m512 max_first_v(__m512 best, __m512 x) {
    __m512 m = _mm512_max_ps(x, best); /* best if equal or either is NaN */
    __mmask16 take = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q) & _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q);
    return _mm512_mask_mov_ps(m, take, x);
}

/* pm pooled pixels x (16*nv) channels: the 2 x (2*pm) conv outputs under them (conv row 2y at
 * a, conv row 2y+1 at a + row2), then the epilogue and the maximum in row-major window
 * order.  act is NONE or RELU (the drivers send sigmoid / tanh to the unfused path). */
TV INL void conv_pool_tile_v(const int nv, const int pm, const ptrdiff_t rsa, const nnz_i8_conv_args *p,
                             const uint8_t *a, ptrdiff_t row2, const int8_t *b, ptrdiff_t gs, int exact,
                             const __m512i *zc, const __m512 *sr, const __m512 *bias, const __mmask16 *mk,
                             float *c) {
    __m512i acc[CMR1][4];
    const int w = 2 * pm;
    conv_sums_v(nv, 4 * pm, w, rsa, p, a, row2, b, gs, exact, zc, acc);
    const int relu = p->act == NNZ_ACT_RELU;
    const ptrdiff_t cps = p->outC;
    _Pragma("clang loop unroll(full)")
    for (int j = 0; j < pm; j++)
        _Pragma("clang loop unroll(full)")
        for (int v = 0; v < nv; v++) {
            __m512 y0 = epi16(acc[2 * j][v], sr[v], bias[v], relu);
            __m512 y1 = epi16(acc[2 * j + 1][v], sr[v], bias[v], relu);
            __m512 y2 = epi16(acc[w + 2 * j][v], sr[v], bias[v], relu);
            __m512 y3 = epi16(acc[w + 2 * j + 1][v], sr[v], bias[v], relu);
            /* after relu there is no NaN and every zero is +0: a plain max */
            __m512 best = relu ? _mm512_max_ps(_mm512_max_ps(y3, y2), _mm512_max_ps(y1, y0))
                               : max_first_v(max_first_v(max_first_v(y0, y1), y2), y3);
            if (mk[v] == 0xFFFF)
                _mm512_storeu_ps(c + j * cps + 16 * v, best);
            else
                _mm512_mask_storeu_ps(c + j * cps + 16 * v, mk[v], best);
        }
}

/* np (<= conv_rows_v) consecutive pixels for one panel of nv zmm. */
TV static void conv_strip_v(int nv, int np, ptrdiff_t rsa, const nnz_i8_conv_args *p, const uint8_t *a, const int8_t *b,
                            ptrdiff_t gs, int exact, const __m512i *zc, const __m512 *sr, const __m512 *bias,
                            const __mmask16 *mk, float *c) {
    if (nv == 4) {
        switch (np) {
        case 1: conv_tile_v(4, 1, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 2: conv_tile_v(4, 2, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 3: conv_tile_v(4, 3, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 4: conv_tile_v(4, 4, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 5: conv_tile_v(4, 5, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 6: conv_tile_v(4, 6, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        default: break;
        }
    } else if (nv == 3) {
        switch (np) {
        case 1: conv_tile_v(3, 1, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 2: conv_tile_v(3, 2, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 3: conv_tile_v(3, 3, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 4: conv_tile_v(3, 4, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 5: conv_tile_v(3, 5, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 6: conv_tile_v(3, 6, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 7: conv_tile_v(3, 7, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 8: conv_tile_v(3, 8, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        default: break;
        }
    } else if (nv == 2) {
        switch (np) {
        case 1: conv_tile_v(2, 1, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 2: conv_tile_v(2, 2, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 3: conv_tile_v(2, 3, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 4: conv_tile_v(2, 4, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 5: conv_tile_v(2, 5, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 6: conv_tile_v(2, 6, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 7: conv_tile_v(2, 7, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 8: conv_tile_v(2, 8, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 9: conv_tile_v(2, 9, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 10: conv_tile_v(2, 10, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 11: conv_tile_v(2, 11, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 12: conv_tile_v(2, 12, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 13: conv_tile_v(2, 13, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 14: conv_tile_v(2, 14, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        default: break;
        }
    } else if (rsa == 1) {
        switch (np) {
        case 1: conv_tile_v(1, 1, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 2: conv_tile_v(1, 2, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 3: conv_tile_v(1, 3, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 4: conv_tile_v(1, 4, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 5: conv_tile_v(1, 5, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 6: conv_tile_v(1, 6, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 7: conv_tile_v(1, 7, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 8: conv_tile_v(1, 8, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 9: conv_tile_v(1, 9, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 10: conv_tile_v(1, 10, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 11: conv_tile_v(1, 11, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 12: conv_tile_v(1, 12, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 13: conv_tile_v(1, 13, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 14: conv_tile_v(1, 14, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 15: conv_tile_v(1, 15, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 16: conv_tile_v(1, 16, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 17: conv_tile_v(1, 17, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 18: conv_tile_v(1, 18, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 19: conv_tile_v(1, 19, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 20: conv_tile_v(1, 20, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 21: conv_tile_v(1, 21, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 22: conv_tile_v(1, 22, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 23: conv_tile_v(1, 23, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 24: conv_tile_v(1, 24, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 25: conv_tile_v(1, 25, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 26: conv_tile_v(1, 26, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 27: conv_tile_v(1, 27, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 28: conv_tile_v(1, 28, 1, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        default: break;
        }
    } else {
        switch (np) {
        case 1: conv_tile_v(1, 1, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 2: conv_tile_v(1, 2, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 3: conv_tile_v(1, 3, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 4: conv_tile_v(1, 4, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 5: conv_tile_v(1, 5, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 6: conv_tile_v(1, 6, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 7: conv_tile_v(1, 7, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 8: conv_tile_v(1, 8, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 9: conv_tile_v(1, 9, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 10: conv_tile_v(1, 10, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 11: conv_tile_v(1, 11, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 12: conv_tile_v(1, 12, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 13: conv_tile_v(1, 13, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 14: conv_tile_v(1, 14, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 15: conv_tile_v(1, 15, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        case 16: conv_tile_v(1, 16, rsa, p, a, b, gs, exact, zc, sr, bias, mk, c); break;
        default: break;
        }
    }
}

/* np (<= conv_pool_cols_v) pooled pixels for one panel of nv zmm. */
TV static void conv_pool_strip_v(int nv, int np, ptrdiff_t rsa, const nnz_i8_conv_args *p, const uint8_t *a, ptrdiff_t row2,
                                 const int8_t *b, ptrdiff_t gs, int exact, const __m512i *zc, const __m512 *sr,
                                 const __m512 *bias, const __mmask16 *mk, float *c) {
    if (nv == 4) {
        switch (np) {
        case 1: conv_pool_tile_v(4, 1, rsa, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        default: break;
        }
    } else if (nv == 3) {
        switch (np) {
        case 1: conv_pool_tile_v(3, 1, rsa, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        case 2: conv_pool_tile_v(3, 2, rsa, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        default: break;
        }
    } else if (nv == 2) {
        switch (np) {
        case 1: conv_pool_tile_v(2, 1, rsa, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        case 2: conv_pool_tile_v(2, 2, rsa, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        case 3: conv_pool_tile_v(2, 3, rsa, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        default: break;
        }
    } else if (rsa == 1) {
        switch (np) {
        case 1: conv_pool_tile_v(1, 1, 1, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        case 2: conv_pool_tile_v(1, 2, 1, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        case 3: conv_pool_tile_v(1, 3, 1, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        case 4: conv_pool_tile_v(1, 4, 1, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        case 5: conv_pool_tile_v(1, 5, 1, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        case 6: conv_pool_tile_v(1, 6, 1, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        case 7: conv_pool_tile_v(1, 7, 1, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        default: break;
        }
    } else {
        switch (np) {
        case 1: conv_pool_tile_v(1, 1, rsa, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        case 2: conv_pool_tile_v(1, 2, rsa, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        case 3: conv_pool_tile_v(1, 3, rsa, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        case 4: conv_pool_tile_v(1, 4, rsa, p, a, row2, b, gs, exact, zc, sr, bias, mk, c); break;
        default: break;
        }
    }
}

/* Largest strips conv_strip_v and conv_pool_strip_v take. */
static inline int conv_rows_v(int nv, ptrdiff_t rsa) {
    return nv == 4 ? CMR4 : nv == 3 ? CMR3 : nv == 2 ? CMR2 : rsa == 1 ? CMR1 : CMR1G;
}
static inline int conv_pool_cols_v(int nv, ptrdiff_t rsa) {
    return nv == 4 ? 1 : nv == 3 ? 2 : nv == 2 ? 3 : rsa == 1 ? 7 : 4;
}

/* Per panel of up to 64 channels: -zp*colsum, scale*r, bias and the store masks. */
TV INL void conv_panel_consts(const nnz_i8_conv_args *p, int col0, int ncols, __m512i *zc, __m512 *sr,
                              __m512 *bias, __mmask16 *mk) {
    const __m512i zp = _mm512_set1_epi32(p->zp);
    const __m512 rr = _mm512_set1_ps(p->r);
    for (int v = 0; v < 4; v++) {
        mk[v] = mask_cols(ncols, v);
        zc[v] = _mm512_mullo_epi32(zp, _mm512_maskz_loadu_epi32(mk[v], p->colsum + col0 + 16 * v));
        zc[v] = _mm512_sub_epi32(_mm512_setzero_si512(), zc[v]);
        sr[v] = _mm512_mul_ps(_mm512_maskz_loadu_ps(mk[v], p->scales + col0 + 16 * v), rr);
        bias[v] = p->bias ? _mm512_maskz_loadu_ps(mk[v], p->bias + col0 + 16 * v) : _mm512_setzero_ps();
    }
}

/* Whether a strip whose last kernel-row tail group starts at `last` must read it exactly
 * (a 4-byte load would pass `lim`, the last byte the call names). */
static inline int conv_exact(int tail, const uint8_t *last, const uint8_t *lim) {
    return tail && (uintptr_t)last + 3 > (uintptr_t)lim;
}

TV static void conv_v(const nnz_i8_conv_args *p) {
    const int Kg = p->kh * ((p->kw * p->inC + 3) / 4), kwc = p->kw * p->inC;
    const ptrdiff_t rsa = (ptrdiff_t)p->sw * p->inC;
    const ptrdiff_t tail_off = (ptrdiff_t)(p->kh - 1) * p->in_rs + kwc / 4 * 4;
    const uint8_t *lim = p->in + ((ptrdiff_t)(p->outH - 1) * p->sh + p->kh - 1) * p->in_rs +
                         (ptrdiff_t)(p->outW - 1) * rsa + kwc - 1;
    for (int col0 = 0; col0 < p->outC; col0 += NNZ_I8_NP) {
        int wp = nnz_i8_panel_width(p->outC, col0), nv = wp / 16;
        int ncols = p->outC - col0 < wp ? p->outC - col0 : wp;
        const int8_t *b = p->w + (size_t)col0 * Kg * 4;
        __m512i zc[4];
        __m512 sr[4], bias[4];
        __mmask16 mk[4];
        conv_panel_consts(p, col0, ncols, zc, sr, bias, mk);
        int mrmax = conv_rows_v(nv, rsa);
        int nch = (p->outW + mrmax - 1) / mrmax;
        for (int oh = 0; oh < p->outH; oh++) {
            const uint8_t *arow = p->in + (ptrdiff_t)oh * p->sh * p->in_rs;
            float *crow = p->out + (ptrdiff_t)oh * p->out_rs + col0;
            for (int ch = 0; ch < nch; ch++) {
                int ow0 = p->outW * ch / nch, np = p->outW * (ch + 1) / nch - ow0;
                const uint8_t *a = arow + ow0 * rsa;
                int exact = conv_exact(kwc % 4, a + (np - 1) * rsa + tail_off, lim);
                conv_strip_v(nv, np, rsa, p, a, b, (ptrdiff_t)wp * 4, exact, zc, sr, bias, mk,
                             crow + (ptrdiff_t)ow0 * p->outC);
            }
        }
    }
    if (p->act_fn)
        for (int oh = 0; oh < p->outH; oh++) {
            float *row = p->out + (ptrdiff_t)oh * p->out_rs;
            p->act_fn(row, row, (size_t)p->outW * p->outC);
        }
}

/* Fused 2x2 stride-2 max-pool: out holds (outH/2) x (outW/2) pixels; act NONE or RELU. */
TV static void conv_pool_v(const nnz_i8_conv_args *p) {
    const int Kg = p->kh * ((p->kw * p->inC + 3) / 4), kwc = p->kw * p->inC;
    const ptrdiff_t rsa = (ptrdiff_t)p->sw * p->inC, row2 = (ptrdiff_t)p->sh * p->in_rs;
    const int pH = p->outH / 2, pW = p->outW / 2;
    const ptrdiff_t tail_off = (ptrdiff_t)(p->kh - 1) * p->in_rs + row2 + kwc / 4 * 4;
    const uint8_t *lim = p->in + ((ptrdiff_t)(2 * pH - 1) * p->sh + p->kh - 1) * p->in_rs +
                         (ptrdiff_t)(2 * pW - 1) * rsa + kwc - 1;
    for (int col0 = 0; col0 < p->outC; col0 += NNZ_I8_NP) {
        int wp = nnz_i8_panel_width(p->outC, col0), nv = wp / 16;
        int ncols = p->outC - col0 < wp ? p->outC - col0 : wp;
        const int8_t *b = p->w + (size_t)col0 * Kg * 4;
        __m512i zc[4];
        __m512 sr[4], bias[4];
        __mmask16 mk[4];
        conv_panel_consts(p, col0, ncols, zc, sr, bias, mk);
        int pmax = conv_pool_cols_v(nv, rsa);
        int nch = (pW + pmax - 1) / pmax;
        for (int py = 0; py < pH; py++) {
            const uint8_t *arow = p->in + (ptrdiff_t)(2 * py) * row2;
            float *crow = p->out + (ptrdiff_t)py * p->out_rs + col0;
            for (int ch = 0; ch < nch; ch++) {
                int px0 = pW * ch / nch, np = pW * (ch + 1) / nch - px0;
                const uint8_t *a = arow + 2 * px0 * rsa;
                int exact = conv_exact(kwc % 4, a + (2 * np - 1) * rsa + tail_off, lim);
                conv_pool_strip_v(nv, np, rsa, p, a, row2, b, (ptrdiff_t)wp * 4, exact, zc, sr, bias, mk,
                                  crow + (ptrdiff_t)px0 * p->outC);
            }
        }
    }
}

const nnz_int8_ops nnz_int8_avx512vnni = {
    .name = "avx512-vnni",
    .minmax = minmax_v,
    .quantize = quantize_v,
    .gemm = gemm_v,
    .conv = conv_v,
    .conv_pool2 = conv_pool_v,
};

#endif /* __x86_64__ */
