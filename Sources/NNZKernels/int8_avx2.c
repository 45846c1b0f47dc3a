/* int8 kernels, AVX2 path (also the avx512 path's int8 kernels on a CPU without VNNI):
 * u8 and s8 widened to int16, then vpmaddwd (two exact 16x16->32 products per lane; not
 * vpmaddubsw, which saturates 255*127*2 to int16).  On a CPU with AVX-VNNI the same packed
 * panels go through vpdpbusd on ymm instead (nnz_int8_avxvnni, at the end: four exact u8 x s8
 * products and the int32 sum per lane, one instruction for 8 columns x 4 k).  Every function
 * carries the target attribute. */
#if defined(__x86_64__)
#include "nnz_int8.h"
#include <immintrin.h>

#define T2 __attribute__((target("avx2,fma")))
#define INL static inline __attribute__((always_inline))

/* ---------------------------------------------------------------------------------------
 * Quantization
 * --------------------------------------------------------------------------------------- */

T2 static void minmax2(const float *x, int rows, size_t n, ptrdiff_t x_rs, float *lo, float *hi) {
    /* min(x, lo) returns lo when x is NaN (second operand), like x < lo ? x : lo */
    __m256 l0 = _mm256_setzero_ps(), l1 = l0, h0 = l0, h1 = l0;
    float l = 0.0f, h = 0.0f;
    for (int r = 0; r < rows; r++) {
        const float *xr = x + r * x_rs;
        size_t i = 0;
        for (; i + 16 <= n; i += 16) {
            __m256 a = _mm256_loadu_ps(xr + i), b = _mm256_loadu_ps(xr + i + 8);
            l0 = _mm256_min_ps(a, l0);
            h0 = _mm256_max_ps(a, h0);
            l1 = _mm256_min_ps(b, l1);
            h1 = _mm256_max_ps(b, h1);
        }
        for (; i < n; i++) {
            float v = xr[i];
            l = v < l ? v : l;
            h = v > h ? v : h;
        }
    }
    float lv[8], hv[8];
    _mm256_storeu_ps(lv, _mm256_min_ps(l0, l1));
    _mm256_storeu_ps(hv, _mm256_max_ps(h0, h1));
    for (int t = 0; t < 8; t++) {
        l = lv[t] < l ? lv[t] : l;
        h = hv[t] > h ? hv[t] : h;
    }
    *lo = l;
    *hi = h;
}

/* nnz_i8_quantize1 on 8 lanes, as int32. */
T2 INL __m256i quant8(__m256 x, __m256 inv, __m256 zpf) {
    __m256 v = _mm256_round_ps(_mm256_mul_ps(x, inv), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    v = _mm256_add_ps(v, zpf);
    v = _mm256_max_ps(v, _mm256_setzero_ps()); /* NaN -> 0 (second operand) */
    v = _mm256_min_ps(v, _mm256_set1_ps(255.0f));
    return _mm256_cvttps_epi32(v);
}

T2 static void quantize2(const float *x, int rows, size_t n, ptrdiff_t x_rs, float inv, float zpf, uint8_t *q,
                         ptrdiff_t q_rs) {
    const __m256 vi = _mm256_set1_ps(inv), vz = _mm256_set1_ps(zpf);
    for (int r = 0; r < rows; r++, x += x_rs, q += q_rs) {
        size_t i = 0;
        for (; i + 32 <= n; i += 32) {
            __m256i a = quant8(_mm256_loadu_ps(x + i), vi, vz), b = quant8(_mm256_loadu_ps(x + i + 8), vi, vz);
            __m256i c = quant8(_mm256_loadu_ps(x + i + 16), vi, vz), d = quant8(_mm256_loadu_ps(x + i + 24), vi, vz);
            /* int32 -> bytes: the packs work per 128-bit lane, the permute restores the order */
            __m256i ab = _mm256_packus_epi32(a, b), cd = _mm256_packus_epi32(c, d);
            __m256i bytes = _mm256_packus_epi16(ab, cd);
            bytes = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
            _mm256_storeu_si256((__m256i *)(q + i), bytes);
        }
        for (; i + 8 <= n; i += 8) {
            __m256i a = quant8(_mm256_loadu_ps(x + i), vi, vz);
            __m256i w = _mm256_packus_epi32(a, a);          /* [a0-3 a0-3 | a4-7 a4-7] int16 */
            __m128i b = _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
            _mm_storel_epi64((__m128i *)(q + i), _mm_unpacklo_epi32(b, _mm_srli_si128(b, 8)));
        }
        for (; i < n; i++) q[i] = nnz_i8_quantize1(x[i], inv, zpf);
    }
}

/* ---------------------------------------------------------------------------------------
 * Products: 4 columns x 4 k per vpmaddwd
 * --------------------------------------------------------------------------------------- */

/* Lanes 0..n-1 all ones. */
T2 INL __m256i lane_mask8(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* 4 q bytes (k = 4g .. 4g+3) widened to int16 and repeated: [q0 q1 q2 q3] x 4. */
T2 INL __m256i widen_a(int32_t four) {
    const __m256i z = _mm256_setr_epi8(0, -1, 1, -1, 2, -1, 3, -1, 0, -1, 1, -1, 2, -1, 3, -1,
                                       0, -1, 1, -1, 2, -1, 3, -1, 0, -1, 1, -1, 2, -1, 3, -1);
    return _mm256_shuffle_epi8(_mm256_set1_epi32(four), z);
}

/* One packed group's 4 columns (16 bytes: column j's 4 k at 4j) as int16. */
T2 INL __m256i widen_b(const int8_t *b) { return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)b)); }

/* acc0 covers columns 0..3 and acc1 columns 4..7, each column as two lanes (k pairs 01 and
 * 23): the eight column sums in order. */
T2 INL __m256i reduce8(__m256i acc0, __m256i acc1) {
    __m256i s = _mm256_hadd_epi32(acc0, acc1); /* [c0 c1 c4 c5 | c2 c3 c6 c7] */
    return _mm256_permute4x64_epi64(s, _MM_SHUFFLE(3, 1, 2, 0));
}

/* y = (float)(acc - zc) * m + bias, multiply then add (never fused), relu if asked. */
T2 INL __m256 epi8(__m256i acc, __m256i zc, __m256 m, __m256 bias, int relu) {
    __m256 t = _mm256_cvtepi32_ps(_mm256_sub_epi32(acc, zc));
    __m256 p = _mm256_mul_ps(t, m);
    __m256 y = _mm256_add_ps(p, bias);
    return relu ? _mm256_max_ps(y, _mm256_setzero_ps()) : y;
}

T2 INL void store8(float *c, __m256 y, int ncols, __m256i mk) {
    if (ncols >= 8)
        _mm256_storeu_ps(c, y);
    else
        _mm256_maskstore_ps(c, mk, y);
}

/* ---------------------------------------------------------------------------------------
 * GEMM
 * --------------------------------------------------------------------------------------- */

/* Rows per tile: 6 rows x 8 columns = 12 accumulators of the 16 ymm registers. */
#define MR2 6

/* mr rows x 8 columns (ncols valid).  q: row i0; b: the group's first byte of the tile's
 * first column; groups gs bytes apart. */
T2 INL void gemm_tile2(const int mr, const nnz_i8_gemm_args *p, const uint8_t *q, const int8_t *b, ptrdiff_t gs,
                       int i0, int n0, int ncols) {
    __m256i acc[MR2][2];
    const ptrdiff_t ldq = p->ldq;
    const int K = p->K, gfull = K / 4, tail = K % 4;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    const uint8_t *a = q;
    for (int g = 0; g < gfull; g++) {
        __m256i w0 = widen_b(b), w1 = widen_b(b + 16);
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < mr; r++) {
            __m256i av = widen_a(nnz_i8_load4(a + r * ldq));
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(av, w0));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(av, w1));
        }
        a += 4;
        b += gs;
    }
    if (tail) {
        __m256i w0 = widen_b(b), w1 = widen_b(b + 16);
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < mr; r++) {
            __m256i av = widen_a(nnz_i8_load_tail(a + r * ldq, tail));
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(av, w0));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(av, w1));
        }
    }
    __m256i mk = lane_mask8(ncols);
    __m256i cs = _mm256_maskload_epi32(p->colsum + n0, mk);
    __m256 sc = _mm256_maskload_ps(p->scales + n0, mk);
    __m256 bias = p->bias ? _mm256_maskload_ps(p->bias + n0, mk) : _mm256_setzero_ps();
    const int relu = p->act == NNZ_ACT_RELU;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++) {
        __m256i zc = _mm256_mullo_epi32(_mm256_set1_epi32(p->zp[i0 + r]), cs);
        __m256 m = _mm256_mul_ps(sc, _mm256_set1_ps(p->r[i0 + r]));
        float *c = p->C + (ptrdiff_t)(i0 + r) * p->ldc + n0;
        store8(c, epi8(reduce8(acc[r][0], acc[r][1]), zc, m, bias, relu), ncols, mk);
        if (p->act_fn) p->act_fn(c, c, (size_t)(ncols < 8 ? ncols : 8));
    }
}

/* Rows per L2 block (see the VNNI kernel). */
/* gemm_tile2 at a run-time row count (each case the tile specialised for that mr). */
T2 INL void gemm_rows2(int mr, const nnz_i8_gemm_args *p, const uint8_t *q, const int8_t *b, ptrdiff_t gs, int i0,
                       int n0, int ncols) {
    switch (mr) {
    case 1: gemm_tile2(1, p, q, b, gs, i0, n0, ncols); break;
    case 2: gemm_tile2(2, p, q, b, gs, i0, n0, ncols); break;
    case 3: gemm_tile2(3, p, q, b, gs, i0, n0, ncols); break;
    case 4: gemm_tile2(4, p, q, b, gs, i0, n0, ncols); break;
    case 5: gemm_tile2(5, p, q, b, gs, i0, n0, ncols); break;
    case 6: gemm_tile2(6, p, q, b, gs, i0, n0, ncols); break;
    default: break;
    }
}

typedef void (*gemm_rows_fn)(int mr, const nnz_i8_gemm_args *p, const uint8_t *q, const int8_t *b, ptrdiff_t gs,
                             int i0, int n0, int ncols);

/* The GEMM driver of the AVX2 and AVX-VNNI kernels: row blocks of about 256 KB of q, the
 * 8-column strips of each packed panel, tiles of mr_max rows and the rows left over.  Always
 * inlined into gemm2 / gemmv, where `rows` is a constant and is inlined in turn. */
T2 INL void gemm_blocks(const nnz_i8_gemm_args *p, const int mr_max, gemm_rows_fn rows) {
    const int Kg = (p->K + 3) / 4;
    int mcb = (256 * 1024) / (p->K > 0 ? p->K : 1) / mr_max * mr_max;
    mcb = mcb < mr_max ? mr_max : mcb > 960 ? 960 : mcb;
    for (int ic = 0; ic < p->M; ic += mcb) {
        int i1 = ic + mcb < p->M ? ic + mcb : p->M;
        for (int col0 = 0; col0 < p->N; col0 += NNZ_I8_NP) {
            int wp = nnz_i8_panel_width(p->N, col0);
            const int8_t *panel = p->w + (size_t)col0 * Kg * 4;
            ptrdiff_t gs = (ptrdiff_t)wp * 4;
            for (int j0 = 0; j0 < wp; j0 += 8) {
                int n0 = col0 + j0, ncols = p->N - n0 < 8 ? p->N - n0 : 8;
                if (ncols <= 0) break;
                const int8_t *b = panel + j0 * 4;
                int i = ic;
                for (; i + mr_max <= i1; i += mr_max) rows(mr_max, p, p->q + (ptrdiff_t)i * p->ldq, b, gs, i, n0, ncols);
                if (i < i1) rows(i1 - i, p, p->q + (ptrdiff_t)i * p->ldq, b, gs, i, n0, ncols);
            }
        }
    }
}

T2 static void gemm2(const nnz_i8_gemm_args *p) { gemm_blocks(p, MR2, gemm_rows2); }

/* ---------------------------------------------------------------------------------------
 * NHWC convolution (implicit GEMM: no im2col)
 * --------------------------------------------------------------------------------------- */

/* mr consecutive output pixels (rsa bytes apart) x 8 output channels (ncols valid).  A kernel
 * row's partial last group is read with a 4-byte load (its extra bytes meet zero weights)
 * unless `exact` (set by conv2 for the strips where that could pass the last byte named). */
T2 INL void conv_tile2(const int mr, const nnz_i8_conv_args *p, const uint8_t *a, const int8_t *b, ptrdiff_t gs,
                       int exact, __m256i zc, __m256 m, __m256 bias, int ncols, __m256i mk, float *c) {
    __m256i acc[MR2][2];
    const ptrdiff_t rsa = (ptrdiff_t)p->sw * p->inC, in_rs = p->in_rs;
    const int kwc = p->kw * p->inC, gfull = kwc / 4, tail = kwc % 4, kh = p->kh;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    for (int i = 0; i < kh; i++) {
        const uint8_t *ai = a + i * in_rs;
        for (int g = 0; g < gfull; g++) {
            __m256i w0 = widen_b(b), w1 = widen_b(b + 16);
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < mr; r++) {
                __m256i av = widen_a(nnz_i8_load4(ai + r * rsa + 4 * g));
                acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(av, w0));
                acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(av, w1));
            }
            b += gs;
        }
        if (tail) {
            __m256i w0 = widen_b(b), w1 = widen_b(b + 16);
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < mr; r++) {
                const uint8_t *x = ai + r * rsa + 4 * gfull;
                __m256i av = widen_a(exact ? nnz_i8_load_tail(x, tail) : nnz_i8_load4(x));
                acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(av, w0));
                acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(av, w1));
            }
            b += gs;
        }
    }
    const int relu = p->act == NNZ_ACT_RELU;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++)
        store8(c + r * p->outC, epi8(reduce8(acc[r][0], acc[r][1]), zc, m, bias, relu), ncols, mk);
}

/* conv_tile2 at a run-time pixel count. */
T2 INL void conv_rows2(int mr, const nnz_i8_conv_args *p, const uint8_t *a, const int8_t *b, ptrdiff_t gs, int exact,
                       __m256i zc, __m256 m, __m256 bias, int ncols, __m256i mk, float *c) {
    switch (mr) {
    case 1: conv_tile2(1, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 2: conv_tile2(2, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 3: conv_tile2(3, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 4: conv_tile2(4, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 5: conv_tile2(5, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 6: conv_tile2(6, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    default: break;
    }
}

typedef void (*conv_rows_fn)(int mr, const nnz_i8_conv_args *p, const uint8_t *a, const int8_t *b, ptrdiff_t gs,
                             int exact, __m256i zc, __m256 m, __m256 bias, int ncols, __m256i mk, float *c);

/* The convolution driver of the AVX2 and AVX-VNNI kernels: 8-channel strips of each packed
 * panel, each output row cut into strips of at most mr_max pixels, the epilogue's constants
 * per strip, then the non-fused activation.  Always inlined into conv2 / convv. */
T2 INL void conv_blocks(const nnz_i8_conv_args *p, const int mr_max, conv_rows_fn rows) {
    const int Kg = p->kh * ((p->kw * p->inC + 3) / 4), kwc = p->kw * p->inC;
    const ptrdiff_t rsa = (ptrdiff_t)p->sw * p->inC;
    const int nch = (p->outW + mr_max - 1) / mr_max;
    /* the last byte named, and the offset of a pixel's last tail group from its tap (0, 0) */
    const uintptr_t lim = (uintptr_t)(p->in + ((ptrdiff_t)(p->outH - 1) * p->sh + p->kh - 1) * p->in_rs +
                                      (ptrdiff_t)(p->outW - 1) * rsa + kwc - 1);
    const ptrdiff_t tail_off = (ptrdiff_t)(p->kh - 1) * p->in_rs + kwc / 4 * 4;
    for (int col0 = 0; col0 < p->outC; col0 += NNZ_I8_NP) {
        int wp = nnz_i8_panel_width(p->outC, col0);
        const int8_t *panel = p->w + (size_t)col0 * Kg * 4;
        ptrdiff_t gs = (ptrdiff_t)wp * 4;
        for (int j0 = 0; j0 < wp; j0 += 8) {
            int n0 = col0 + j0, ncols = p->outC - n0 < 8 ? p->outC - n0 : 8;
            if (ncols <= 0) break;
            __m256i mk = lane_mask8(ncols);
            __m256i zc = _mm256_mullo_epi32(_mm256_set1_epi32(p->zp), _mm256_maskload_epi32(p->colsum + n0, mk));
            __m256 m = _mm256_mul_ps(_mm256_maskload_ps(p->scales + n0, mk), _mm256_set1_ps(p->r));
            __m256 bias = p->bias ? _mm256_maskload_ps(p->bias + n0, mk) : _mm256_setzero_ps();
            const int8_t *b = panel + j0 * 4;
            for (int oh = 0; oh < p->outH; oh++) {
                const uint8_t *arow = p->in + (ptrdiff_t)oh * p->sh * p->in_rs;
                float *crow = p->out + (ptrdiff_t)oh * p->out_rs + n0;
                for (int ch = 0; ch < nch; ch++) {
                    int ow0 = p->outW * ch / nch, np = p->outW * (ch + 1) / nch - ow0;
                    const uint8_t *a = arow + ow0 * rsa;
                    float *c = crow + (ptrdiff_t)ow0 * p->outC;
                    int exact = kwc % 4 && (uintptr_t)(a + (np - 1) * rsa + tail_off) + 3 > lim;
                    rows(np, p, a, b, gs, exact, zc, m, bias, ncols, mk, c);
                }
            }
        }
    }
    if (p->act_fn)
        for (int oh = 0; oh < p->outH; oh++) {
            float *row = p->out + (ptrdiff_t)oh * p->out_rs;
            p->act_fn(row, row, (size_t)p->outW * p->outC);
        }
}

T2 static void conv2(const nnz_i8_conv_args *p) { conv_blocks(p, MR2, conv_rows2); }

const nnz_int8_ops nnz_int8_avx2 = {
    .name = "avx2",
    .minmax = minmax2,
    .quantize = quantize2,
    .gemm = gemm2,
    .conv = conv2,
};

/* ---------------------------------------------------------------------------------------
 * AVX-VNNI: vpdpbusd on ymm over the same panels (8 columns x 4 k = 32 bytes per group)
 * --------------------------------------------------------------------------------------- */

#define TV __attribute__((target("avx2,fma,avxvnni")))

/* Rows per tile: 12 accumulators, the group's weights and one broadcast of the 16 ymm. */
#define MRV 12

/* mr rows x 8 columns (ncols valid): gemm_tile2 with one vpdpbusd per row and group. */
TV INL void gemm_tilev(const int mr, const nnz_i8_gemm_args *p, const uint8_t *q, const int8_t *b, ptrdiff_t gs,
                       int i0, int n0, int ncols) {
    __m256i acc[MRV];
    const ptrdiff_t ldq = p->ldq;
    const int K = p->K, gfull = K / 4, tail = K % 4;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++) acc[r] = _mm256_setzero_si256();
    const uint8_t *a = q;
    for (int g = 0; g < gfull; g++) {
        __m256i w = _mm256_loadu_si256((const __m256i *)b);
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < mr; r++)
            acc[r] = _mm256_dpbusd_avx_epi32(acc[r], _mm256_set1_epi32(nnz_i8_load4(a + r * ldq)), w);
        a += 4;
        b += gs;
    }
    if (tail) {
        __m256i w = _mm256_loadu_si256((const __m256i *)b);
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < mr; r++)
            acc[r] = _mm256_dpbusd_avx_epi32(acc[r], _mm256_set1_epi32(nnz_i8_load_tail(a + r * ldq, tail)), w);
    }
    __m256i mk = lane_mask8(ncols);
    __m256i cs = _mm256_maskload_epi32(p->colsum + n0, mk);
    __m256 sc = _mm256_maskload_ps(p->scales + n0, mk);
    __m256 bias = p->bias ? _mm256_maskload_ps(p->bias + n0, mk) : _mm256_setzero_ps();
    const int relu = p->act == NNZ_ACT_RELU;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++) {
        __m256i zc = _mm256_mullo_epi32(_mm256_set1_epi32(p->zp[i0 + r]), cs);
        __m256 m = _mm256_mul_ps(sc, _mm256_set1_ps(p->r[i0 + r]));
        float *c = p->C + (ptrdiff_t)(i0 + r) * p->ldc + n0;
        store8(c, epi8(acc[r], zc, m, bias, relu), ncols, mk);
        if (p->act_fn) p->act_fn(c, c, (size_t)(ncols < 8 ? ncols : 8));
    }
}

/* gemm_tilev at a run-time row count. */
TV INL void gemm_rowsv(int mr, const nnz_i8_gemm_args *p, const uint8_t *q, const int8_t *b, ptrdiff_t gs, int i0,
                       int n0, int ncols) {
    switch (mr) {
    case 1: gemm_tilev(1, p, q, b, gs, i0, n0, ncols); break;
    case 2: gemm_tilev(2, p, q, b, gs, i0, n0, ncols); break;
    case 3: gemm_tilev(3, p, q, b, gs, i0, n0, ncols); break;
    case 4: gemm_tilev(4, p, q, b, gs, i0, n0, ncols); break;
    case 5: gemm_tilev(5, p, q, b, gs, i0, n0, ncols); break;
    case 6: gemm_tilev(6, p, q, b, gs, i0, n0, ncols); break;
    case 7: gemm_tilev(7, p, q, b, gs, i0, n0, ncols); break;
    case 8: gemm_tilev(8, p, q, b, gs, i0, n0, ncols); break;
    case 9: gemm_tilev(9, p, q, b, gs, i0, n0, ncols); break;
    case 10: gemm_tilev(10, p, q, b, gs, i0, n0, ncols); break;
    case 11: gemm_tilev(11, p, q, b, gs, i0, n0, ncols); break;
    case 12: gemm_tilev(12, p, q, b, gs, i0, n0, ncols); break;
    default: break;
    }
}

TV static void gemmv(const nnz_i8_gemm_args *p) { gemm_blocks(p, MRV, gemm_rowsv); }

/* conv_tile2 with vpdpbusd (the same reads: a partial last group by a 4-byte load unless
 * `exact`). */
TV INL void conv_tilev(const int mr, const nnz_i8_conv_args *p, const uint8_t *a, const int8_t *b, ptrdiff_t gs,
                       int exact, __m256i zc, __m256 m, __m256 bias, int ncols, __m256i mk, float *c) {
    __m256i acc[MRV];
    const ptrdiff_t rsa = (ptrdiff_t)p->sw * p->inC, in_rs = p->in_rs;
    const int kwc = p->kw * p->inC, gfull = kwc / 4, tail = kwc % 4, kh = p->kh;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++) acc[r] = _mm256_setzero_si256();
    for (int i = 0; i < kh; i++) {
        const uint8_t *ai = a + i * in_rs;
        for (int g = 0; g < gfull; g++) {
            __m256i w = _mm256_loadu_si256((const __m256i *)b);
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < mr; r++)
                acc[r] = _mm256_dpbusd_avx_epi32(acc[r], _mm256_set1_epi32(nnz_i8_load4(ai + r * rsa + 4 * g)), w);
            b += gs;
        }
        if (tail) {
            __m256i w = _mm256_loadu_si256((const __m256i *)b);
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < mr; r++) {
                const uint8_t *x = ai + r * rsa + 4 * gfull;
                int32_t four = exact ? nnz_i8_load_tail(x, tail) : nnz_i8_load4(x);
                acc[r] = _mm256_dpbusd_avx_epi32(acc[r], _mm256_set1_epi32(four), w);
            }
            b += gs;
        }
    }
    const int relu = p->act == NNZ_ACT_RELU;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++) store8(c + r * p->outC, epi8(acc[r], zc, m, bias, relu), ncols, mk);
}

/* conv_tilev at a run-time pixel count. */
TV INL void conv_rowsv(int mr, const nnz_i8_conv_args *p, const uint8_t *a, const int8_t *b, ptrdiff_t gs, int exact,
                       __m256i zc, __m256 m, __m256 bias, int ncols, __m256i mk, float *c) {
    switch (mr) {
    case 1: conv_tilev(1, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 2: conv_tilev(2, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 3: conv_tilev(3, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 4: conv_tilev(4, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 5: conv_tilev(5, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 6: conv_tilev(6, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 7: conv_tilev(7, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 8: conv_tilev(8, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 9: conv_tilev(9, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 10: conv_tilev(10, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 11: conv_tilev(11, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    case 12: conv_tilev(12, p, a, b, gs, exact, zc, m, bias, ncols, mk, c); break;
    default: break;
    }
}

TV static void convv(const nnz_i8_conv_args *p) { conv_blocks(p, MRV, conv_rowsv); }

const nnz_int8_ops nnz_int8_avxvnni = {
    .name = "avx-vnni",
    .minmax = minmax2,
    .quantize = quantize2,
    .gemm = gemmv,
    .conv = convv,
};

#endif /* __x86_64__ */
