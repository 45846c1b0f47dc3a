/* AVX-512 path.  Every function carries the target attribute (no global -m flags), including
 * the always_inline helpers, so clang can inline them into each other. */
#if defined(__x86_64__)
#include "nnz_internal.h"
#include "nnz_vector_math.h"
#include <immintrin.h>

#define T512 __attribute__((target("avx512f,avx512vl,fma")))
#define INL static inline __attribute__((always_inline))

/* Register tile: MR rows x 32 columns (two zmm per row). */
#define MR 6

/* ---------------------------------------------------------------------------------------
 * Vector math
 * --------------------------------------------------------------------------------------- */

/* exp(x) for x <= 0 (NaN propagates).  Cephes expf reduction + degree-6 polynomial, about
 * 1 ulp; returns exactly 0 below -87.3365 (where libm would return a subnormal < 1.2e-38). */
T512 INL __m512 exp_nonpos512(__m512 x) {
    const __m512 lo = _mm512_set1_ps(NNZ_EXP_LOWEST);
    __m512 xc = _mm512_max_ps(lo, x); /* max(lo, NaN) = NaN: second operand on unordered */
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(xc, _mm512_set1_ps(NNZ_EXP_LOG2E)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(NNZ_EXP_LN2_HI), xc);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(NNZ_EXP_LN2_LO), r);
    __m512 p = _mm512_set1_ps(NNZ_EXP_P0);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(NNZ_EXP_P1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(NNZ_EXP_P2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(NNZ_EXP_P3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(NNZ_EXP_P4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(NNZ_EXP_P5));
    __m512 r2 = _mm512_mul_ps(r, r);
    p = _mm512_fmadd_ps(p, r2, r);
    p = _mm512_add_ps(p, _mm512_set1_ps(1.0f));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    __m512 y = _mm512_mul_ps(p, _mm512_castsi512_ps(e));
    __mmask16 under = _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ);
    return _mm512_mask_blend_ps(under, y, _mm512_setzero_ps());
}

T512 INL __m512 abs512(__m512 x) {
    return _mm512_castsi512_ps(_mm512_and_epi32(_mm512_castps_si512(x), _mm512_set1_epi32(0x7fffffff)));
}

/* sigmoid(x) = 1/(1+e) (x >= 0) or e/(1+e) (x < 0) with e = exp(-|x|): no overflow. */
T512 INL __m512 sigmoid512(__m512 x) {
    __m512 ax = abs512(x);
    __m512 e = exp_nonpos512(_mm512_sub_ps(_mm512_setzero_ps(), ax));
    __m512 d = _mm512_add_ps(_mm512_set1_ps(1.0f), e);
    __m512 pos = _mm512_div_ps(_mm512_set1_ps(1.0f), d);
    __m512 neg = _mm512_div_ps(e, d);
    __mmask16 ge = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GE_OQ);
    return _mm512_mask_blend_ps(ge, neg, pos);
}

/* tanh: Cephes odd polynomial for |x| < 0.625, else sign(x) * (1-e)/(1+e), e = exp(-2|x|).
 * Exactly odd: the sign bit of x is ORed into the result. */
T512 INL __m512 tanh512(__m512 x) {
    __m512 ax = abs512(x);
    __m512 z = _mm512_mul_ps(x, x);
    __m512 p = _mm512_set1_ps(NNZ_TANH_P0);
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(NNZ_TANH_P1));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(NNZ_TANH_P2));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(NNZ_TANH_P3));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(NNZ_TANH_P4));
    __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(p, z), x, x);
    __m512 e = exp_nonpos512(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_add_ps(ax, ax)));
    __m512 t = _mm512_div_ps(_mm512_sub_ps(_mm512_set1_ps(1.0f), e), _mm512_add_ps(_mm512_set1_ps(1.0f), e));
    __m512i sign = _mm512_and_epi32(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u));
    __mmask16 sm = _mm512_cmp_ps_mask(ax, _mm512_set1_ps(NNZ_TANH_SMALL), _CMP_LT_OQ);
    __m512 r = _mm512_mask_blend_ps(sm, t, small);
    /* the result has the sign of x (also makes tanh(-0) = -0) */
    return _mm512_castsi512_ps(_mm512_or_epi32(_mm512_castps_si512(r), sign));
}

T512 INL __m512 relu512(__m512 x) {
    return _mm512_max_ps(x, _mm512_setzero_ps()); /* NaN -> 0 (second operand) */
}

T512 INL __m512 act512(__m512 v, int act) {
    switch (act) {
    case NNZ_ACT_RELU: return relu512(v);
    case NNZ_ACT_SIGMOID: return sigmoid512(v);
    case NNZ_ACT_TANH: return tanh512(v);
    default: return v;
    }
}

/* ---------------------------------------------------------------------------------------
 * GEMM
 * --------------------------------------------------------------------------------------- */

T512 INL __mmask16 mask_lo(int nr) { return nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1u); }
T512 INL __mmask16 mask_hi(int nr) { return nr >= 32 ? (__mmask16)0xFFFF : nr <= 16 ? (__mmask16)0 : (__mmask16)((1u << (nr - 16)) - 1u); }

/* Epilogue for one row of a tile (32 columns, nr valid). */
T512 INL void epi_row512(__m512 v0, __m512 v1, __mmask16 m0, __mmask16 m1, float *c,
                         const nnz_epi *e, const float *bias_n, const float *bias_m_i) {
    if (e->alpha != 1.0f) {
        __m512 al = _mm512_set1_ps(e->alpha);
        v0 = _mm512_mul_ps(v0, al);
        v1 = _mm512_mul_ps(v1, al);
    }
    if (e->beta != 0.0f) {
        __m512 be = _mm512_set1_ps(e->beta);
        v0 = _mm512_fmadd_ps(be, _mm512_maskz_loadu_ps(m0, c), v0);
        v1 = _mm512_fmadd_ps(be, _mm512_maskz_loadu_ps(m1, c + 16), v1);
    }
    if (bias_n) {
        v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, bias_n));
        v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, bias_n + 16));
    }
    if (bias_m_i) {
        __m512 b = _mm512_set1_ps(*bias_m_i);
        v0 = _mm512_add_ps(v0, b);
        v1 = _mm512_add_ps(v1, b);
    }
    if (e->act != NNZ_ACT_NONE) {
        v0 = act512(v0, e->act);
        v1 = act512(v1, e->act);
    }
    if (m0 == 0xFFFF && m1 == 0xFFFF) {
        _mm512_storeu_ps(c, v0);
        _mm512_storeu_ps(c + 16, v1);
    } else {
        _mm512_mask_storeu_ps(c, m0, v0);
        _mm512_mask_storeu_ps(c + 16, m1, v1);
    }
}

/* mr x 32 tile; A element (i,k) at A[i*rsa + k*csa]; B row k at B + k*rs (32 floats: rs = 32
 * for packed panels).  masked: B is row-major with only nr valid columns (masked loads, never
 * reads past them); otherwise the panel is zero padded and read in full. */
T512 INL void tile512(const int mr, int kc, const float *A, const ptrdiff_t rsa, const ptrdiff_t csa,
                      const float *B, const ptrdiff_t rs, const int masked, int nr, float *C,
                      ptrdiff_t ldc, const nnz_epi *e, const float *bias_n, const float *bias_m) {
    __m512 c0[MR], c1[MR];
    for (int i = 0; i < mr; i++) {
        c0[i] = _mm512_setzero_ps();
        c1[i] = _mm512_setzero_ps();
    }
    __mmask16 m0 = mask_lo(nr), m1 = mask_hi(nr);
    const float *a = A;
    int k = 0;
    for (; k + 4 <= kc; k += 4) {
#define NNZ_STEP(u)                                                                   \
        {                                                                             \
            __m512 b0 = masked ? _mm512_maskz_loadu_ps(m0, B + rs * (u))              \
                               : _mm512_loadu_ps(B + rs * (u));                       \
            __m512 b1 = masked ? _mm512_maskz_loadu_ps(m1, B + rs * (u) + 16)         \
                               : _mm512_loadu_ps(B + rs * (u) + 16);                  \
            for (int i = 0; i < mr; i++) {                                            \
                __m512 ai = _mm512_set1_ps(a[i * rsa + (u) * csa]);                   \
                c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);                               \
                c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);                               \
            }                                                                         \
        }
        NNZ_STEP(0) NNZ_STEP(1) NNZ_STEP(2) NNZ_STEP(3)
        B += 4 * rs;
        a += 4 * csa;
    }
    for (; k < kc; k++) {
        NNZ_STEP(0)
        B += rs;
        a += csa;
    }
#undef NNZ_STEP
    for (int i = 0; i < mr; i++)
        epi_row512(c0[i], c1[i], m0, m1, C + i * ldc, e, bias_n, bias_m ? bias_m + i : NULL);
}

/* Macro-kernel body: all 32-column panels x all MR-row blocks.  RSA/CSA: A strides; AOFF(i):
 * offset of row block i; RS/MASKED as in tile512; PANEL(p): offset of panel p in B. */
#define NNZ_MACRO512(AOFF, RSA, CSA, PANEL, RS, MASKED)                                       \
    int npanels = (N + 31) / 32;                                                              \
    for (int p = 0; p < npanels; p++) {                                                       \
        const float *b = Bp + (PANEL);                                                        \
        int nr = N - p * 32 < 32 ? N - p * 32 : 32;                                           \
        const float *bias_n = e->bias_n ? e->bias_n + p * 32 : NULL;                          \
        float *cp = C + p * 32;                                                               \
        int i = 0;                                                                            \
        for (; i + MR <= M; i += MR)                                                          \
            tile512(MR, kc, A + (AOFF), RSA, CSA, b, RS, MASKED, nr, cp + i * ldc, ldc, e,    \
                    bias_n, e->bias_m ? e->bias_m + i : NULL);                                \
        int mr = M - i;                                                                       \
        if (mr > 0) {                                                                         \
            const float *a = A + (AOFF);                                                      \
            float *c = cp + i * ldc;                                                          \
            const float *bm = e->bias_m ? e->bias_m + i : NULL;                               \
            switch (mr) {                                                                     \
            case 1: tile512(1, kc, a, RSA, CSA, b, RS, MASKED, nr, c, ldc, e, bias_n, bm); break; \
            case 2: tile512(2, kc, a, RSA, CSA, b, RS, MASKED, nr, c, ldc, e, bias_n, bm); break; \
            case 3: tile512(3, kc, a, RSA, CSA, b, RS, MASKED, nr, c, ldc, e, bias_n, bm); break; \
            case 4: tile512(4, kc, a, RSA, CSA, b, RS, MASKED, nr, c, ldc, e, bias_n, bm); break; \
            case 5: tile512(5, kc, a, RSA, CSA, b, RS, MASKED, nr, c, ldc, e, bias_n, bm); break; \
            default: break;                                                                   \
            }                                                                                 \
        }                                                                                     \
    }

T512 static void macro_unpacked512(int M, int N, int kc, const float *A, ptrdiff_t lda,
                                   const float *Bp, ptrdiff_t panel_stride,
                                   float *C, ptrdiff_t ldc, const nnz_epi *e) {
    NNZ_MACRO512(i * lda, lda, 1, p * panel_stride, NNZ_NR, 0)
}

T512 static void macro_packed512(int M, int N, int kc, const float *A,
                                 const float *Bp, ptrdiff_t panel_stride,
                                 float *C, ptrdiff_t ldc, const nnz_epi *e) {
    NNZ_MACRO512((ptrdiff_t)i * kc, 1, MR, p * panel_stride, NNZ_NR, 0)
}

/* Small M: A with general strides, B row-major (ldb), no packing at all. */
T512 static void macro_rowb512(int M, int N, int kc, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                               const float *Bp, ptrdiff_t ldb, float *C, ptrdiff_t ldc,
                               const nnz_epi *e) {
    NNZ_MACRO512(i * rsa, rsa, csa, p * 32, ldb, 1)
}

/* One row of A times B (packed or row-major, see nnz_gemv_fn).  np panels (np*32 columns)
 * at once, 2*np accumulators.  (U > 1 would split each column's sum into U interleaved
 * chains: faster for narrow N, but the result would then differ in the last bits from the
 * same row computed by tile512 in a batch; gemm_packed promises bitwise batch invariance, so
 * only U = 1 is used.)  Masked loads on a partial last panel, so row-major B is never read
 * past column N. */
T512 INL void gemv_group512(const int np, const int U, int ncols, int K, const float *a,
                            ptrdiff_t inca, const float *b, ptrdiff_t ps, ptrdiff_t rs, float *c,
                            const nnz_epi *e, const float *bias_n) {
    __m512 acc[4][2][4];
    __mmask16 m[4][2];
    for (int q = 0; q < np; q++) {
        m[q][0] = mask_lo(ncols - 32 * q);
        m[q][1] = mask_hi(ncols - 32 * q);
        for (int u = 0; u < U; u++) acc[q][0][u] = acc[q][1][u] = _mm512_setzero_ps();
    }
    int k = 0;
    for (; k + U <= K; k += U) {
        for (int u = 0; u < U; u++) {
            __m512 av = _mm512_set1_ps(a[u * inca]);
            for (int q = 0; q < np; q++) {
                const float *bq = b + q * ps + u * rs;
                acc[q][0][u] = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(m[q][0], bq), acc[q][0][u]);
                acc[q][1][u] = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(m[q][1], bq + 16), acc[q][1][u]);
            }
        }
        a += U * inca;
        b += U * rs;
    }
    for (; k < K; k++) {
        __m512 av = _mm512_set1_ps(a[0]);
        for (int q = 0; q < np; q++) {
            const float *bq = b + q * ps;
            acc[q][0][0] = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(m[q][0], bq), acc[q][0][0]);
            acc[q][1][0] = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(m[q][1], bq + 16), acc[q][1][0]);
        }
        a += inca;
        b += rs;
    }
    for (int q = 0; q < np; q++) {
        __m512 v0 = acc[q][0][0], v1 = acc[q][1][0];
        for (int u = 1; u < U; u++) {
            v0 = _mm512_add_ps(v0, acc[q][0][u]);
            v1 = _mm512_add_ps(v1, acc[q][1][u]);
        }
        epi_row512(v0, v1, m[q][0], m[q][1], c + 32 * q, e, bias_n ? bias_n + 32 * q : NULL, e->bias_m);
    }
}

T512 static void gemv512(int N, int K, const float *a, ptrdiff_t inca, const float *B,
                         ptrdiff_t ps, ptrdiff_t rs, float *c, const nnz_epi *e) {
    int npanels = (N + 31) / 32;
    for (int p = 0; p < npanels;) {
        int left = npanels - p, ncols = N - 32 * p;
        const float *b = B + p * ps;
        float *cp = c + 32 * p;
        const float *bn = e->bias_n ? e->bias_n + 32 * p : NULL;
        if (left >= 4) {
            gemv_group512(4, 1, ncols, K, a, inca, b, ps, rs, cp, e, bn);
            p += 4;
        } else if (left == 3) {
            gemv_group512(3, 1, ncols, K, a, inca, b, ps, rs, cp, e, bn);
            p += 3;
        } else if (left == 2) {
            gemv_group512(2, 1, ncols, K, a, inca, b, ps, rs, cp, e, bn);
            p += 2;
        } else {
            gemv_group512(1, 1, ncols, K, a, inca, b, ps, rs, cp, e, bn);
            p += 1;
        }
    }
}

/* c[j] = alpha*dot(a, B row j) + beta*c[j]: 4 rows at a time, 2 accumulators per row. */
T512 static void dotrows512(int N, int K, const float *a, const float *B, ptrdiff_t ldb, float *c,
                            const nnz_epi *e) {
    int j = 0;
    for (; j < N; j += 4) {
        int rows = N - j < 4 ? N - j : 4;
        const float *b0 = B + j * ldb;
        const float *b1 = rows > 1 ? b0 + ldb : b0, *b2 = rows > 2 ? b0 + 2 * ldb : b0,
                    *b3 = rows > 3 ? b0 + 3 * ldb : b0;
        __m512 s[8];
        for (int t = 0; t < 8; t++) s[t] = _mm512_setzero_ps();
        int k = 0;
        for (; k + 32 <= K; k += 32) {
            __m512 x0 = _mm512_loadu_ps(a + k), x1 = _mm512_loadu_ps(a + k + 16);
            s[0] = _mm512_fmadd_ps(x0, _mm512_loadu_ps(b0 + k), s[0]);
            s[1] = _mm512_fmadd_ps(x1, _mm512_loadu_ps(b0 + k + 16), s[1]);
            s[2] = _mm512_fmadd_ps(x0, _mm512_loadu_ps(b1 + k), s[2]);
            s[3] = _mm512_fmadd_ps(x1, _mm512_loadu_ps(b1 + k + 16), s[3]);
            s[4] = _mm512_fmadd_ps(x0, _mm512_loadu_ps(b2 + k), s[4]);
            s[5] = _mm512_fmadd_ps(x1, _mm512_loadu_ps(b2 + k + 16), s[5]);
            s[6] = _mm512_fmadd_ps(x0, _mm512_loadu_ps(b3 + k), s[6]);
            s[7] = _mm512_fmadd_ps(x1, _mm512_loadu_ps(b3 + k + 16), s[7]);
        }
        for (; k < K; k += 16) {
            __mmask16 m = K - k >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (K - k)) - 1u);
            __m512 x0 = _mm512_maskz_loadu_ps(m, a + k);
            s[0] = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(m, b0 + k), s[0]);
            s[2] = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(m, b1 + k), s[2]);
            s[4] = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(m, b2 + k), s[4]);
            s[6] = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(m, b3 + k), s[6]);
        }
        for (int r = 0; r < rows; r++) {
            float d = _mm512_reduce_add_ps(_mm512_add_ps(s[2 * r], s[2 * r + 1]));
            float v = e->alpha * d;
            if (e->beta != 0.0f) v += e->beta * c[j + r];
            c[j + r] = v;
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * Elementwise
 * --------------------------------------------------------------------------------------- */

#define NNZ_UNARY512(name, fn)                                                           \
    T512 static void name(const float *x, float *y, size_t n) {                          \
        size_t i = 0;                                                                    \
        for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, fn(_mm512_loadu_ps(x + i))); \
        if (i < n) {                                                                     \
            __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);                             \
            _mm512_mask_storeu_ps(y + i, m, fn(_mm512_maskz_loadu_ps(m, x + i)));        \
        }                                                                                \
    }

NNZ_UNARY512(relu_arr512, relu512)
NNZ_UNARY512(sigmoid_arr512, sigmoid512)
NNZ_UNARY512(tanh_arr512, tanh512)

T512 static void softmax512(const float *x, float *y, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (ptrdiff_t)r * cols;
        float *yr = y + (ptrdiff_t)r * cols;
        int j;
        __m512 mx = _mm512_set1_ps(-__builtin_inff());
        for (j = 0; j + 16 <= cols; j += 16) mx = _mm512_max_ps(mx, _mm512_loadu_ps(xr + j));
        if (j < cols) {
            __mmask16 m = (__mmask16)((1u << (cols - j)) - 1u);
            mx = _mm512_mask_max_ps(mx, m, mx, _mm512_maskz_loadu_ps(m, xr + j));
        }
        float mxs = _mm512_reduce_max_ps(mx);
        __m512 vm = _mm512_set1_ps(mxs);
        __m512 sum = _mm512_setzero_ps();
        for (j = 0; j + 16 <= cols; j += 16) {
            __m512 ev = exp_nonpos512(_mm512_sub_ps(_mm512_loadu_ps(xr + j), vm));
            _mm512_storeu_ps(yr + j, ev);
            sum = _mm512_add_ps(sum, ev);
        }
        if (j < cols) {
            __mmask16 m = (__mmask16)((1u << (cols - j)) - 1u);
            __m512 ev = exp_nonpos512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, xr + j), vm));
            ev = _mm512_maskz_mov_ps(m, ev);
            _mm512_mask_storeu_ps(yr + j, m, ev);
            sum = _mm512_add_ps(sum, ev);
        }
        /* the sum order of nnz_vector_math.h: lane i + lane i+8, + i+4, + i+2, 0 + 1 */
        __m256 half = _mm256_add_ps(_mm512_castps512_ps256(sum),
                                    _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(sum), 1)));
        __m128 q = _mm_add_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
        q = _mm_add_ps(q, _mm_movehl_ps(q, q));
        q = _mm_add_ss(q, _mm_movehdup_ps(q));
        __m512 inv = _mm512_set1_ps(1.0f / _mm_cvtss_f32(q));
        for (j = 0; j + 16 <= cols; j += 16) _mm512_storeu_ps(yr + j, _mm512_mul_ps(_mm512_loadu_ps(yr + j), inv));
        if (j < cols) {
            __mmask16 m = (__mmask16)((1u << (cols - j)) - 1u);
            _mm512_mask_storeu_ps(yr + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, yr + j), inv));
        }
    }
}

T512 static void leaky_relu512(const float *x, float *y, size_t n, float alpha) {
    const __m512 a = _mm512_set1_ps(alpha), zero = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        _mm512_storeu_ps(y + i, _mm512_mask_mov_ps(_mm512_mul_ps(v, a), _mm512_cmp_ps_mask(v, zero, _CMP_GE_OQ), v));
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_mask_mov_ps(_mm512_mul_ps(v, a), _mm512_cmp_ps_mask(v, zero, _CMP_GE_OQ), v));
    }
}

T512 static void scale_shift512(const float *x, float *y, size_t n, float scale, float shift) {
    __m512 s = _mm512_set1_ps(scale), t = _mm512_set1_ps(shift);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_fmadd_ps(_mm512_loadu_ps(x + i), s, t));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), s, t));
    }
}

/* ---------------------------------------------------------------------------------------
 * NHWC convolution (implicit GEMM: no im2col) and max-pool
 * --------------------------------------------------------------------------------------- */

/* Tile rows (output pixels of one output row) for a 32-wide weight group (2 zmm per row,
 * 28 accumulators) and a 16-wide one (1 zmm per row).  The broadcasts read mr input
 * addresses rsa = sw*inC floats apart: with a run-time rsa the compiler keeps one pointer
 * per row, and beyond ~16 rows they spill (measured: a 28-row tile ran 2x slower than a
 * 16-row one for a 1-channel input), so 28 rows only for the compile-time rsa == 1 (the
 * common first layer: one input channel, stride 1). */
#define CMR2 14
#define CMR1 28
#define CMR1G 16

T512 static __attribute__((noinline)) __m512 conv_act_slow512(__m512 v, int act) { return act512(v, act); }

/* mr consecutive output pixels x (16*nv) output channels.  a: input element of tap (0,0),
 * channel 0, for the first pixel; the pixels are sw*inC floats apart.  The weight rows are
 * 16*nv floats wide; every pixel's sum runs over (i, j, c) in the same order. */
T512 INL void conv_tile512(const int nv, const int mr, const ptrdiff_t rsa, const nnz_conv_args *p,
                           const float *a, const float *b, __m512 bias0, __m512 bias1,
                           __mmask16 m0, __mmask16 m1, float *c, ptrdiff_t v1off) {
    __m512 acc0[CMR1], acc1[CMR1];
    const ptrdiff_t in_rs = p->in_rs;
    const int kwc = p->kw * p->inC, kh = p->kh;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++) {
        acc0[r] = _mm512_setzero_ps();
        if (nv == 2) acc1[r] = _mm512_setzero_ps();
    }
    for (int i = 0; i < kh; i++) {
        const float *ai = a + i * in_rs;
        for (int k = 0; k < kwc; k++) {
            __m512 b0 = _mm512_loadu_ps(b);
            __m512 b1 = nv == 2 ? _mm512_loadu_ps(b + 16) : b0;
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < mr; r++) {
                __m512 av = _mm512_set1_ps(ai[r * rsa + k]);
                acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
                if (nv == 2) acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
            }
            b += 16 * nv;
        }
    }
    const ptrdiff_t cps = p->outC;
    const int act = p->act;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++) {
        __m512 v0 = _mm512_add_ps(acc0[r], bias0);
        __m512 v1 = nv == 2 ? _mm512_add_ps(acc1[r], bias1) : v0;
        if (act == NNZ_ACT_RELU) {
            v0 = relu512(v0);
            if (nv == 2) v1 = relu512(v1);
        } else if (act != NNZ_ACT_NONE) {
            v0 = conv_act_slow512(v0, act);
            if (nv == 2) v1 = conv_act_slow512(v1, act);
        }
        float *cr = c + r * cps;
        if (nv == 2) {
            if (m1 == 0xFFFF) {
                _mm512_storeu_ps(cr, v0);
                _mm512_storeu_ps(cr + v1off, v1);
            } else {
                _mm512_storeu_ps(cr, v0);
                _mm512_mask_storeu_ps(cr + v1off, m1, v1);
            }
        } else if (m0 == 0xFFFF) {
            _mm512_storeu_ps(cr, v0);
        } else {
            _mm512_mask_storeu_ps(cr, m0, v0);
        }
    }
}

/* m (<= conv_rows512) consecutive output pixels x one weight group of width wg; the second
 * 16 columns of a 32-wide group are stored v1off floats after the first (16 when contiguous). */
T512 static void conv_strip512(int wg, int m, ptrdiff_t rsa, const nnz_conv_args *p, const float *a,
                               const float *b, __m512 bias0, __m512 bias1, __mmask16 m0,
                               __mmask16 m1, float *c, ptrdiff_t v1off) {
    if (wg == 32) {
        switch (m) {
        case 1: conv_tile512(2, 1, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 2: conv_tile512(2, 2, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 3: conv_tile512(2, 3, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 4: conv_tile512(2, 4, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 5: conv_tile512(2, 5, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 6: conv_tile512(2, 6, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 7: conv_tile512(2, 7, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 8: conv_tile512(2, 8, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 9: conv_tile512(2, 9, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 10: conv_tile512(2, 10, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 11: conv_tile512(2, 11, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 12: conv_tile512(2, 12, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 13: conv_tile512(2, 13, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 14: conv_tile512(2, 14, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        default: break;
        }
    } else if (rsa == 1) {
        switch (m) {
        case 1: conv_tile512(1, 1, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 2: conv_tile512(1, 2, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 3: conv_tile512(1, 3, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 4: conv_tile512(1, 4, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 5: conv_tile512(1, 5, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 6: conv_tile512(1, 6, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 7: conv_tile512(1, 7, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 8: conv_tile512(1, 8, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 9: conv_tile512(1, 9, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 10: conv_tile512(1, 10, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 11: conv_tile512(1, 11, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 12: conv_tile512(1, 12, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 13: conv_tile512(1, 13, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 14: conv_tile512(1, 14, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 15: conv_tile512(1, 15, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 16: conv_tile512(1, 16, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 17: conv_tile512(1, 17, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 18: conv_tile512(1, 18, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 19: conv_tile512(1, 19, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 20: conv_tile512(1, 20, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 21: conv_tile512(1, 21, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 22: conv_tile512(1, 22, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 23: conv_tile512(1, 23, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 24: conv_tile512(1, 24, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 25: conv_tile512(1, 25, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 26: conv_tile512(1, 26, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 27: conv_tile512(1, 27, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 28: conv_tile512(1, 28, 1, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        default: break;
        }
    } else {
        switch (m) {
        case 1: conv_tile512(1, 1, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 2: conv_tile512(1, 2, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 3: conv_tile512(1, 3, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 4: conv_tile512(1, 4, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 5: conv_tile512(1, 5, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 6: conv_tile512(1, 6, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 7: conv_tile512(1, 7, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 8: conv_tile512(1, 8, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 9: conv_tile512(1, 9, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 10: conv_tile512(1, 10, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 11: conv_tile512(1, 11, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 12: conv_tile512(1, 12, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 13: conv_tile512(1, 13, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 14: conv_tile512(1, 14, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 15: conv_tile512(1, 15, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        case 16: conv_tile512(1, 16, rsa, p, a, b, bias0, bias1, m0, m1, c, v1off); break;
        default: break;
        }
    }
}

/* Largest strip conv_strip512 takes. */
static inline int conv_rows512(int wg, ptrdiff_t rsa) { return wg == 32 ? CMR2 : rsa == 1 ? CMR1 : CMR1G; }

T512 static void conv_nhwc512(const nnz_conv_args *p) {
    ptrdiff_t K = (ptrdiff_t)p->kh * p->kw * p->inC;
    ptrdiff_t rsa = (ptrdiff_t)p->sw * p->inC;
    for (int col0 = 0; col0 < p->outC; col0 += 32) {
        int wg = nnz_conv_group_width(p->outC, col0);
        int ncols = p->outC - col0 < wg ? p->outC - col0 : wg;
        __mmask16 m0 = mask_lo(ncols), m1 = mask_hi(ncols);
        const float *b = p->w + K * col0;
        __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
        if (p->bias) {
            bias0 = _mm512_maskz_loadu_ps(m0, p->bias + col0);
            bias1 = _mm512_maskz_loadu_ps(m1, p->bias + col0 + 16);
        }
        int mrmax = conv_rows512(wg, rsa);
        int nch = (p->outW + mrmax - 1) / mrmax;
        for (int oh = 0; oh < p->outH; oh++) {
            const float *arow = p->in + (ptrdiff_t)oh * p->sh * p->in_rs;
            float *crow = p->out + (ptrdiff_t)oh * p->out_rs + col0;
            for (int ch = 0; ch < nch; ch++) {
                int ow0 = p->outW * ch / nch, m = p->outW * (ch + 1) / nch - ow0;
                conv_strip512(wg, m, rsa, p, arow + ow0 * rsa, b, bias0, bias1, m0, m1,
                              crow + (ptrdiff_t)ow0 * p->outC, 16);
            }
        }
    }
}

/* ---- Winograd F(2x2, 3x3) ---- */

/* Maximum with nnz_maxpool_forward's rules (x comes after best in window order): a larger
 * value, or the first NaN, wins. */
T512 INL __m512 max_first512(__m512 best, __m512 x) {
    __m512 m = _mm512_max_ps(x, best); /* best if equal or either is NaN */
    __mmask16 take = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q) & _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q);
    return _mm512_mask_mov_ps(m, take, x);
}

/* Winograd work layout (NNZ_WINO_TB tiles per block, channels in blocks of 16, padded):
 *   V[t][cb][xi][16]: tile t, input channels 16*cb.., transform position xi
 *   M[t][ob][xi][16]: tile t, output channels 16*ob.., transform position xi
 * so that every transform reads and writes 16 vectors at fixed offsets (xi*16 floats), and the
 * xi-th GEMM reads V rows t (stride ncb*256) over k = channel (cb blocks 256 apart) and writes
 * M rows t (stride nob*256), its second 16 columns 256 floats after the first. */

/* V[.][xi][.] = (B^T d B)[xi] for one 4x4 input patch and 16 channels (mask m); d(i, j) at
 * base + i*in_rs + j*inC; rows/cols: readable part of the patch (the rest reads as 0). */
T512 INL void wino_in_tile512(const int full, int rows, int cols, const float *base, ptrdiff_t in_rs,
                              ptrdiff_t inC, __mmask16 m, float *v) {
    __m512 d[4][4], tt[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            d[i][j] = (full || (i < rows && j < cols)) ? _mm512_maskz_loadu_ps(m, base + i * in_rs + j * inC)
                                                        : _mm512_setzero_ps();
    for (int j = 0; j < 4; j++) {
        tt[0][j] = _mm512_sub_ps(d[0][j], d[2][j]);
        tt[1][j] = _mm512_add_ps(d[1][j], d[2][j]);
        tt[2][j] = _mm512_sub_ps(d[2][j], d[1][j]);
        tt[3][j] = _mm512_sub_ps(d[1][j], d[3][j]);
    }
    for (int i = 0; i < 4; i++) {
        _mm512_storeu_ps(v + (4 * i + 0) * 16, _mm512_sub_ps(tt[i][0], tt[i][2]));
        _mm512_storeu_ps(v + (4 * i + 1) * 16, _mm512_add_ps(tt[i][1], tt[i][2]));
        _mm512_storeu_ps(v + (4 * i + 2) * 16, _mm512_sub_ps(tt[i][2], tt[i][1]));
        _mm512_storeu_ps(v + (4 * i + 3) * 16, _mm512_sub_ps(tt[i][1], tt[i][3]));
    }
}

/* y = A^T m A for 16 output channels of one tile: the 2x2 outputs, bias added. */
T512 INL void wino_out_tile512(const float *mp, __m512 bias, __m512 y[4]) {
    __m512 s0[4], s1[4];
    for (int j = 0; j < 4; j++) {
        __m512 a0 = _mm512_loadu_ps(mp + (0 + j) * 16);
        __m512 a1 = _mm512_loadu_ps(mp + (4 + j) * 16);
        __m512 a2 = _mm512_loadu_ps(mp + (8 + j) * 16);
        __m512 a3 = _mm512_loadu_ps(mp + (12 + j) * 16);
        s0[j] = _mm512_add_ps(_mm512_add_ps(a0, a1), a2);
        s1[j] = _mm512_sub_ps(_mm512_sub_ps(a1, a2), a3);
    }
    y[0] = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s0[0], s0[1]), s0[2]), bias);
    y[1] = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s0[1], s0[2]), s0[3]), bias);
    y[2] = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s1[0], s1[1]), s1[2]), bias);
    y[3] = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s1[1], s1[2]), s1[3]), bias);
}

T512 static void conv3x3_wino512(const nnz_wino_args *p) {
    const int inC = p->inC, outC = p->outC;
    const int ncb = (inC + 15) / 16, nob = (outC + 15) / 16;
    const int tilesH = p->pool ? p->outH / 2 : (p->outH + 1) / 2;
    const int tilesW = p->pool ? p->outW / 2 : (p->outW + 1) / 2;
    const int T = tilesH * tilesW;
    const ptrdiff_t vrow = (ptrdiff_t)ncb * 256, mrow = (ptrdiff_t)nob * 256;
    float *V = p->work, *M = p->work + NNZ_WINO_TB * vrow;
    const ptrdiff_t in_rs = p->in_rs;
    /* the xi-th GEMM as a 1-row "convolution": taps i = channel blocks (256 floats apart), 16
     * channels each; output rows (tiles) mrow floats apart */
    nnz_conv_args g = {1, 0, 16, ncb, 1, 1, 1, (int)mrow, NNZ_ACT_NONE, NULL, 256, NULL, NULL, NULL, 0};
    const __m512 zero = _mm512_setzero_ps();
    int nblk = (T + NNZ_WINO_TB - 1) / NNZ_WINO_TB;
    for (int blk = 0; blk < nblk; blk++) {
        int t0 = (int)((long)T * blk / nblk), nb = (int)((long)T * (blk + 1) / nblk) - t0;
        for (int t = 0; t < nb; t++) {
            int ty = (t0 + t) / tilesW, tx = (t0 + t) % tilesW;
            int r0 = 2 * ty, c0 = 2 * tx;
            /* readable input: rows < outH + 2, columns < outW + 2 (partial edge tiles) */
            int rows = p->outH + 2 - r0 < 4 ? p->outH + 2 - r0 : 4;
            int cols = p->outW + 2 - c0 < 4 ? p->outW + 2 - c0 : 4;
            const float *base = p->in + (ptrdiff_t)r0 * in_rs + (ptrdiff_t)c0 * inC;
            float *v = V + t * vrow;
            if (rows == 4 && cols == 4)
                for (int cb = 0; cb < ncb; cb++)
                    wino_in_tile512(1, 4, 4, base + 16 * cb, in_rs, inC, mask_lo(inC - 16 * cb), v + 256 * cb);
            else
                for (int cb = 0; cb < ncb; cb++)
                    wino_in_tile512(0, rows, cols, base + 16 * cb, in_rs, inC, mask_lo(inC - 16 * cb), v + 256 * cb);
        }
        /* 16 GEMMs: M[.][.][xi] (nb x outC) = V[.][.][xi] (nb x inC) * U[xi] (inC x outC) */
        for (int xi = 0; xi < 16; xi++) {
            const float *u = p->w + (ptrdiff_t)xi * ncb * 16 * nob * 16;
            for (int col0 = 0; col0 < outC; col0 += 32) {
                int wg = nnz_conv_group_width(outC, col0);
                conv_strip512(wg, nb, vrow, &g, V + xi * 16, u + (ptrdiff_t)ncb * 16 * col0, zero, zero,
                              0xFFFF, 0xFFFF, M + (col0 / 16) * 256 + xi * 16, 256);
            }
        }
        /* output transform (+ bias, act, optional 2x2 max) */
        for (int t = 0; t < nb; t++) {
            int ty = (t0 + t) / tilesW, tx = (t0 + t) % tilesW;
            for (int ob = 0; ob < nob; ob++) {
                int o = 16 * ob;
                __mmask16 m = mask_lo(outC - o);
                __m512 y[4];
                wino_out_tile512(M + t * mrow + 256 * ob, p->bias ? _mm512_maskz_loadu_ps(m, p->bias + o) : zero, y);
                for (int q = 0; q < 4; q++) {
                    if (p->act == NNZ_ACT_RELU)
                        y[q] = relu512(y[q]);
                    else if (p->act != NNZ_ACT_NONE)
                        y[q] = conv_act_slow512(y[q], p->act);
                }
                if (p->pool) {
                    /* after ReLU there is no NaN: a plain max (ties keep the first) */
                    __m512 best = p->act == NNZ_ACT_RELU
                                      ? _mm512_max_ps(y[3], _mm512_max_ps(y[2], _mm512_max_ps(y[1], y[0])))
                                      : max_first512(max_first512(max_first512(y[0], y[1]), y[2]), y[3]);
                    _mm512_mask_storeu_ps(p->out + (ptrdiff_t)ty * p->out_rs + (ptrdiff_t)tx * outC + o, m, best);
                } else {
                    int oy = 2 * ty, ox = 2 * tx;
                    float *c = p->out + (ptrdiff_t)oy * p->out_rs + (ptrdiff_t)ox * outC + o;
                    int right = ox + 1 < p->outW, down = oy + 1 < p->outH;
                    _mm512_mask_storeu_ps(c, m, y[0]);
                    if (right) _mm512_mask_storeu_ps(c + outC, m, y[1]);
                    if (down) _mm512_mask_storeu_ps(c + p->out_rs, m, y[2]);
                    if (right && down) _mm512_mask_storeu_ps(c + p->out_rs + outC, m, y[3]);
                }
            }
        }
    }
}

/* ---- Direct convolution with a fused 2x2 stride-2 max-pool ---- */

/* pm pooled pixels x (16*nv) channels: the 2 x (2*pm) conv outputs under them are computed in
 * registers (rows r < 2*pm: conv row 2y at a + r*rsa; rows >= 2*pm: conv row 2y+1, row2
 * floats further), then bias, activation and the window maximum in row-major window order. */
T512 INL void conv_pool_tile512(const int nv, const int pm, const ptrdiff_t rsa, const nnz_conv_args *p,
                                const float *a, ptrdiff_t row2, const float *b, __m512 bias0, __m512 bias1,
                                __mmask16 m0, __mmask16 m1, float *c) {
    enum { MAXR = CMR1 };
    const int w = 2 * pm, mr = 4 * pm;
    __m512 acc0[MAXR], acc1[MAXR];
    const ptrdiff_t in_rs = p->in_rs;
    const int kwc = p->kw * p->inC, kh = p->kh;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++) {
        acc0[r] = _mm512_setzero_ps();
        if (nv == 2) acc1[r] = _mm512_setzero_ps();
    }
    for (int i = 0; i < kh; i++) {
        const float *ai = a + i * in_rs, *bi = ai + row2;
        for (int k = 0; k < kwc; k++) {
            __m512 b0 = _mm512_loadu_ps(b);
            __m512 b1 = nv == 2 ? _mm512_loadu_ps(b + 16) : b0;
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < mr; r++) {
                __m512 av = _mm512_set1_ps(r < w ? ai[r * rsa + k] : bi[(r - w) * rsa + k]);
                acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
                if (nv == 2) acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
            }
            b += 16 * nv;
        }
    }
    const ptrdiff_t cps = p->outC;
    const int act = p->act;
    _Pragma("clang loop unroll(full)")
    for (int j = 0; j < pm; j++) {
        _Pragma("clang loop unroll(full)")
        for (int v = 0; v < nv; v++) {
            __m512 bias = v == 0 ? bias0 : bias1;
            __m512 y0 = _mm512_add_ps(v == 0 ? acc0[2 * j] : acc1[2 * j], bias);
            __m512 y1 = _mm512_add_ps(v == 0 ? acc0[2 * j + 1] : acc1[2 * j + 1], bias);
            __m512 y2 = _mm512_add_ps(v == 0 ? acc0[w + 2 * j] : acc1[w + 2 * j], bias);
            __m512 y3 = _mm512_add_ps(v == 0 ? acc0[w + 2 * j + 1] : acc1[w + 2 * j + 1], bias);
            __m512 best;
            if (act == NNZ_ACT_RELU) {
                /* after ReLU there is no NaN (it maps NaN to 0): a plain max */
                best = _mm512_max_ps(_mm512_max_ps(relu512(y3), relu512(y2)), _mm512_max_ps(relu512(y1), relu512(y0)));
            } else {
                if (act != NNZ_ACT_NONE) {
                    y0 = conv_act_slow512(y0, act);
                    y1 = conv_act_slow512(y1, act);
                    y2 = conv_act_slow512(y2, act);
                    y3 = conv_act_slow512(y3, act);
                }
                best = max_first512(max_first512(max_first512(y0, y1), y2), y3);
            }
            float *cr = c + j * cps + 16 * v;
            __mmask16 mk = v == 0 ? m0 : m1;
            if (mk == 0xFFFF)
                _mm512_storeu_ps(cr, best);
            else
                _mm512_mask_storeu_ps(cr, mk, best);
        }
    }
}

/* Pooled pixels per tile: 28, 16 and 12 accumulator rows. */
static inline int conv_pool_cols512(int wg, ptrdiff_t rsa) { return wg == 32 ? 3 : rsa == 1 ? 7 : 4; }

T512 static void conv_pool_strip512(int wg, int m, ptrdiff_t rsa, const nnz_conv_args *p, const float *a,
                                    ptrdiff_t row2, const float *b, __m512 bias0, __m512 bias1,
                                    __mmask16 m0, __mmask16 m1, float *c) {
    if (wg == 32) {
        switch (m) {
        case 1: conv_pool_tile512(2, 1, rsa, p, a, row2, b, bias0, bias1, m0, m1, c); break;
        case 2: conv_pool_tile512(2, 2, rsa, p, a, row2, b, bias0, bias1, m0, m1, c); break;
        case 3: conv_pool_tile512(2, 3, rsa, p, a, row2, b, bias0, bias1, m0, m1, c); break;
        default: break;
        }
    } else if (rsa == 1) {
        switch (m) {
        case 1: conv_pool_tile512(1, 1, 1, p, a, row2, b, bias0, bias1, m0, m1, c); break;
        case 2: conv_pool_tile512(1, 2, 1, p, a, row2, b, bias0, bias1, m0, m1, c); break;
        case 3: conv_pool_tile512(1, 3, 1, p, a, row2, b, bias0, bias1, m0, m1, c); break;
        case 4: conv_pool_tile512(1, 4, 1, p, a, row2, b, bias0, bias1, m0, m1, c); break;
        case 5: conv_pool_tile512(1, 5, 1, p, a, row2, b, bias0, bias1, m0, m1, c); break;
        case 6: conv_pool_tile512(1, 6, 1, p, a, row2, b, bias0, bias1, m0, m1, c); break;
        case 7: conv_pool_tile512(1, 7, 1, p, a, row2, b, bias0, bias1, m0, m1, c); break;
        default: break;
        }
    } else {
        switch (m) {
        case 1: conv_pool_tile512(1, 1, rsa, p, a, row2, b, bias0, bias1, m0, m1, c); break;
        case 2: conv_pool_tile512(1, 2, rsa, p, a, row2, b, bias0, bias1, m0, m1, c); break;
        case 3: conv_pool_tile512(1, 3, rsa, p, a, row2, b, bias0, bias1, m0, m1, c); break;
        case 4: conv_pool_tile512(1, 4, rsa, p, a, row2, b, bias0, bias1, m0, m1, c); break;
        default: break;
        }
    }
}

/* Output: (outH/2) x (outW/2) pooled pixels. */
T512 static void conv_nhwc_pool512(const nnz_conv_args *p) {
    ptrdiff_t K = (ptrdiff_t)p->kh * p->kw * p->inC;
    ptrdiff_t rsa = (ptrdiff_t)p->sw * p->inC;
    ptrdiff_t row2 = (ptrdiff_t)p->sh * p->in_rs;
    int pH = p->outH / 2, pW = p->outW / 2;
    for (int col0 = 0; col0 < p->outC; col0 += 32) {
        int wg = nnz_conv_group_width(p->outC, col0);
        int ncols = p->outC - col0 < wg ? p->outC - col0 : wg;
        __mmask16 m0 = mask_lo(ncols), m1 = mask_hi(ncols);
        const float *b = p->w + K * col0;
        __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
        if (p->bias) {
            bias0 = _mm512_maskz_loadu_ps(m0, p->bias + col0);
            bias1 = _mm512_maskz_loadu_ps(m1, p->bias + col0 + 16);
        }
        int mmax = conv_pool_cols512(wg, rsa);
        int nch = (pW + mmax - 1) / mmax;
        for (int py = 0; py < pH; py++) {
            const float *arow = p->in + (ptrdiff_t)(2 * py) * row2;
            float *crow = p->out + (ptrdiff_t)py * p->out_rs + col0;
            for (int ch = 0; ch < nch; ch++) {
                int px0 = pW * ch / nch, m = pW * (ch + 1) / nch - px0;
                conv_pool_strip512(wg, m, rsa, p, arow + 2 * px0 * rsa, row2, b, bias0, bias1, m0, m1,
                                   crow + (ptrdiff_t)px0 * p->outC);
            }
        }
    }
}

/* Max over one window for 16 channels (mask m): a plain running max (ties keep the first
 * element), with the NaN lanes collected; a window holding a NaN is redone by the scalar
 * rule (the first NaN wins) so that the result is exactly nnz_maxpool_forward's. */
T512 static __attribute__((noinline)) void pool_nan_fix512(const float *x0, ptrdiff_t in_rs, int C, int nh, int nw,
                                                            __mmask16 lanes, float *o) {
    for (int c = 0; c < 16; c++) {
        if (!(lanes >> c & 1)) continue;
        float best = x0[c];
        for (int h = 0; h < nh; h++)
            for (int w = 0; w < nw; w++) {
                float v = x0[h * in_rs + (ptrdiff_t)w * C + c];
                if (v > best || (v != v && best == best)) best = v;
            }
        o[c] = best;
    }
}

T512 INL void pool_window512(const int fixed, int nh, int nw, const float *x0, ptrdiff_t in_rs, int C,
                             __mmask16 m, float *o) {
    __m512 best = _mm512_maskz_loadu_ps(m, x0);
    __mmask16 nan = _mm512_cmp_ps_mask(best, best, _CMP_UNORD_Q);
    if (fixed) { /* 2 x 2 */
        __m512 x1 = _mm512_maskz_loadu_ps(m, x0 + C);
        __m512 x2 = _mm512_maskz_loadu_ps(m, x0 + in_rs);
        __m512 x3 = _mm512_maskz_loadu_ps(m, x0 + in_rs + C);
        nan |= _mm512_cmp_ps_mask(x1, x2, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(x3, x3, _CMP_UNORD_Q);
        best = _mm512_max_ps(x1, best); /* equal: keeps best (the first maximum wins) */
        best = _mm512_max_ps(x2, best);
        best = _mm512_max_ps(x3, best);
    } else {
        for (int h = 0; h < nh; h++)
            for (int w = (h == 0 ? 1 : 0); w < nw; w++) {
                __m512 x = _mm512_maskz_loadu_ps(m, x0 + h * in_rs + (ptrdiff_t)w * C);
                nan |= _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
                best = _mm512_max_ps(x, best);
            }
    }
    _mm512_mask_storeu_ps(o, m, best);
    if (nan) pool_nan_fix512(x0, in_rs, C, nh, nw, nan, o);
}

T512 static void maxpool_nhwc512(const nnz_pool_args *p) {
    int C = p->C;
    for (int oh = 0; oh < p->outH; oh++) {
        int h0 = oh * p->sh - p->ph;
        int hs = h0 > 0 ? h0 : 0, he = h0 + p->kh < p->H ? h0 + p->kh : p->H;
        for (int ow = 0; ow < p->outW; ow++) {
            int w0 = ow * p->sw - p->pw;
            int ws = w0 > 0 ? w0 : 0, we = w0 + p->kw < p->W ? w0 + p->kw : p->W;
            float *o = p->out + (ptrdiff_t)oh * p->out_rs + (ptrdiff_t)ow * C;
            int nh = he - hs, nw = we - ws;
            if (nh <= 0 || nw <= 0) {
                for (int c = 0; c < C; c += 16) _mm512_mask_storeu_ps(o + c, mask_lo(C - c), _mm512_setzero_ps());
                continue;
            }
            const float *x0 = p->in + (ptrdiff_t)hs * p->in_rs + (ptrdiff_t)ws * C;
            if (nh == 2 && nw == 2)
                for (int c = 0; c < C; c += 16) pool_window512(1, 2, 2, x0 + c, p->in_rs, C, mask_lo(C - c), o + c);
            else
                for (int c = 0; c < C; c += 16) pool_window512(0, nh, nw, x0 + c, p->in_rs, C, mask_lo(C - c), o + c);
        }
    }
}

/* Sums in the portable path's order (first element, then each next), 16 channels at a time. */
T512 static void avgpool_nhwc512(const nnz_pool_args *p) {
    int C = p->C;
    for (int oh = 0; oh < p->outH; oh++) {
        int h0 = oh * p->sh - p->ph;
        int hs = h0 > 0 ? h0 : 0, he = h0 + p->kh < p->H ? h0 + p->kh : p->H;
        for (int ow = 0; ow < p->outW; ow++) {
            int w0 = ow * p->sw - p->pw;
            int ws = w0 > 0 ? w0 : 0, we = w0 + p->kw < p->W ? w0 + p->kw : p->W;
            float *o = p->out + (ptrdiff_t)oh * p->out_rs + (ptrdiff_t)ow * C;
            if (hs >= he || ws >= we) {
                for (int c = 0; c < C; c += 16) _mm512_mask_storeu_ps(o + c, mask_lo(C - c), _mm512_setzero_ps());
                continue;
            }
            __m512 divisor = _mm512_set1_ps(nnz_avgpool_divisor(p->include_pad, p->kh, p->kw, he - hs, we - ws));
            const float *x0 = p->in + (ptrdiff_t)hs * p->in_rs + (ptrdiff_t)ws * C;
            for (int c = 0; c < C; c += 16) {
                __mmask16 m = mask_lo(C - c);
                __m512 sum = _mm512_maskz_loadu_ps(m, x0 + c);
                for (int h = hs; h < he; h++) {
                    const float *x = p->in + (ptrdiff_t)h * p->in_rs + c;
                    for (int w = (h == hs ? ws + 1 : ws); w < we; w++)
                        sum = _mm512_add_ps(sum, _mm512_maskz_loadu_ps(m, x + (ptrdiff_t)w * C));
                }
                _mm512_mask_storeu_ps(o + c, m, _mm512_div_ps(sum, divisor));
            }
        }
    }
}

const nnz_path_ops nnz_ops_avx512 = {
    .name = "avx512",
    .mr = MR,
    .macro_unpacked = macro_unpacked512,
    .macro_packed = macro_packed512,
    .macro_rowb = macro_rowb512,
    .gemv = gemv512,
    .dotrows = dotrows512,
    .relu = relu_arr512,
    .sigmoid = sigmoid_arr512,
    .tanh_ = tanh_arr512,
    .softmax = softmax512,
    .scale_shift = scale_shift512,
    .leaky_relu = leaky_relu512,
    .conv_nhwc = conv_nhwc512,
    .maxpool_nhwc = maxpool_nhwc512,
    .avgpool_nhwc = avgpool_nhwc512,
    .conv3x3_wino = conv3x3_wino512,
    .conv_nhwc_pool2 = conv_nhwc_pool512,
};

#endif /* __x86_64__ */
