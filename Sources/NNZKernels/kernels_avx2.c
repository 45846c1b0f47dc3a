/* AVX2 + FMA path.  Every function (helpers included) carries the target attribute. */
#if defined(__x86_64__)
#include "nnz_internal.h"
#include "nnz_vector_math.h"
#include "nnz_wino_generic.h"
#include <immintrin.h>

#define T256 __attribute__((target("avx2,fma")))
#define INL static inline __attribute__((always_inline))

/* Register tile: MR rows x 16 columns (two ymm per row) = 12 accumulators of 16 registers.
 * A 32-wide packed panel is processed as two 16-column halves. */
#define MR 6

/* ---------------------------------------------------------------------------------------
 * Vector math (same algorithms and constants as the AVX-512 path)
 * --------------------------------------------------------------------------------------- */

T256 INL __m256 exp_nonpos256(__m256 x) {
    const __m256 lo = _mm256_set1_ps(NNZ_EXP_LOWEST);
    __m256 xc = _mm256_max_ps(lo, x); /* NaN propagates (second operand on unordered) */
    __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(NNZ_EXP_LOG2E)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(NNZ_EXP_LN2_HI), xc);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(NNZ_EXP_LN2_LO), r);
    __m256 p = _mm256_set1_ps(NNZ_EXP_P0);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(NNZ_EXP_P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(NNZ_EXP_P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(NNZ_EXP_P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(NNZ_EXP_P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(NNZ_EXP_P5));
    __m256 r2 = _mm256_mul_ps(r, r);
    p = _mm256_fmadd_ps(p, r2, r);
    p = _mm256_add_ps(p, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    __m256 y = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
    __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    return _mm256_andnot_ps(under, y);
}

T256 INL __m256 abs256(__m256 x) {
    return _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
}

T256 INL __m256 sigmoid256(__m256 x) {
    __m256 ax = abs256(x);
    __m256 e = exp_nonpos256(_mm256_sub_ps(_mm256_setzero_ps(), ax));
    __m256 d = _mm256_add_ps(_mm256_set1_ps(1.0f), e);
    __m256 pos = _mm256_div_ps(_mm256_set1_ps(1.0f), d);
    __m256 neg = _mm256_div_ps(e, d);
    __m256 ge = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ);
    return _mm256_blendv_ps(neg, pos, ge);
}

T256 INL __m256 tanh256(__m256 x) {
    __m256 ax = abs256(x);
    __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(NNZ_TANH_P0);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(NNZ_TANH_P1));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(NNZ_TANH_P2));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(NNZ_TANH_P3));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(NNZ_TANH_P4));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
    __m256 e = exp_nonpos256(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_add_ps(ax, ax)));
    __m256 t = _mm256_div_ps(_mm256_sub_ps(_mm256_set1_ps(1.0f), e), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
    __m256 sign = _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u)));
    __m256 sm = _mm256_cmp_ps(ax, _mm256_set1_ps(NNZ_TANH_SMALL), _CMP_LT_OQ);
    /* the result has the sign of x (also makes tanh(-0) = -0) */
    return _mm256_or_ps(_mm256_blendv_ps(t, small, sm), sign);
}

T256 INL __m256 relu256(__m256 x) {
    return _mm256_max_ps(x, _mm256_setzero_ps()); /* NaN -> 0 */
}

T256 INL __m256 act256(__m256 v, int act) {
    switch (act) {
    case NNZ_ACT_RELU: return relu256(v);
    case NNZ_ACT_SIGMOID: return sigmoid256(v);
    case NNZ_ACT_TANH: return tanh256(v);
    default: return v;
    }
}

/* lanes [0, n) set (n clamped to 0..8) */
T256 INL __m256i lane_mask256(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* ---------------------------------------------------------------------------------------
 * GEMM
 * --------------------------------------------------------------------------------------- */

/* Epilogue for one row of 16 columns of which nr (1..16) are valid. */
T256 INL void epi_row256(__m256 v0, __m256 v1, int nr, float *c, const nnz_epi *e,
                         const float *bias_n, const float *bias_m_i) {
    int full = nr >= 16;
    __m256i m0 = lane_mask256(nr), m1 = lane_mask256(nr - 8);
    if (e->alpha != 1.0f) {
        __m256 al = _mm256_set1_ps(e->alpha);
        v0 = _mm256_mul_ps(v0, al);
        v1 = _mm256_mul_ps(v1, al);
    }
    if (e->beta != 0.0f) {
        __m256 be = _mm256_set1_ps(e->beta);
        __m256 o0 = full ? _mm256_loadu_ps(c) : _mm256_maskload_ps(c, m0);
        __m256 o1 = full ? _mm256_loadu_ps(c + 8) : _mm256_maskload_ps(c + 8, m1);
        v0 = _mm256_fmadd_ps(be, o0, v0);
        v1 = _mm256_fmadd_ps(be, o1, v1);
    }
    if (bias_n) {
        __m256 b0 = full ? _mm256_loadu_ps(bias_n) : _mm256_maskload_ps(bias_n, m0);
        __m256 b1 = full ? _mm256_loadu_ps(bias_n + 8) : _mm256_maskload_ps(bias_n + 8, m1);
        v0 = _mm256_add_ps(v0, b0);
        v1 = _mm256_add_ps(v1, b1);
    }
    if (bias_m_i) {
        __m256 b = _mm256_set1_ps(*bias_m_i);
        v0 = _mm256_add_ps(v0, b);
        v1 = _mm256_add_ps(v1, b);
    }
    if (e->act != NNZ_ACT_NONE) {
        v0 = act256(v0, e->act);
        v1 = act256(v1, e->act);
    }
    if (full) {
        _mm256_storeu_ps(c, v0);
        _mm256_storeu_ps(c + 8, v1);
    } else {
        _mm256_maskstore_ps(c, m0, v0);
        _mm256_maskstore_ps(c + 8, m1, v1);
    }
}

/* mr x 16 tile; A element (i,k) at A[i*rsa + k*csa]; B row k at B + k*rs (rs = 32 for packed
 * panels).  masked: only nr (< 16) columns of B are valid (masked loads, never reads past). */
T256 INL void tile256(const int mr, int kc, const float *A, const ptrdiff_t rsa, const ptrdiff_t csa,
                      const float *B, const ptrdiff_t rs, const int masked, int nr, float *C,
                      ptrdiff_t ldc, const nnz_epi *e, const float *bias_n, const float *bias_m) {
    __m256 c0[MR], c1[MR];
    for (int i = 0; i < mr; i++) {
        c0[i] = _mm256_setzero_ps();
        c1[i] = _mm256_setzero_ps();
    }
    __m256i m0 = lane_mask256(nr), m1 = lane_mask256(nr - 8);
    const float *a = A;
    int k = 0;
    for (; k + 4 <= kc; k += 4) {
#define NNZ_STEP(u)                                                                   \
        {                                                                             \
            __m256 b0 = masked ? _mm256_maskload_ps(B + rs * (u), m0)                 \
                               : _mm256_loadu_ps(B + rs * (u));                       \
            __m256 b1 = masked ? _mm256_maskload_ps(B + rs * (u) + 8, m1)             \
                               : _mm256_loadu_ps(B + rs * (u) + 8);                   \
            for (int i = 0; i < mr; i++) {                                            \
                __m256 ai = _mm256_broadcast_ss(a + i * rsa + (u) * csa);             \
                c0[i] = _mm256_fmadd_ps(ai, b0, c0[i]);                               \
                c1[i] = _mm256_fmadd_ps(ai, b1, c1[i]);                               \
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
        epi_row256(c0[i], c1[i], nr, C + i * ldc, e, bias_n, bias_m ? bias_m + i : NULL);
}

/* All row blocks of one 16-column strip (mr dispatched to compile-time tiles). */
T256 INL void strip256(int M, int kc, const float *A, const ptrdiff_t rsa, const ptrdiff_t csa,
                       const ptrdiff_t ablk, const float *b, const ptrdiff_t rs, const int masked,
                       int nr, float *cp, ptrdiff_t ldc, const nnz_epi *e, const float *bias_n) {
    int i = 0;
    for (; i + MR <= M; i += MR)
        tile256(MR, kc, A + (i / MR) * ablk, rsa, csa, b, rs, masked, nr, cp + i * ldc, ldc, e,
                bias_n, e->bias_m ? e->bias_m + i : NULL);
    int mr = M - i;
    if (mr > 0) {
        const float *a = A + (i / MR) * ablk;
        float *c = cp + i * ldc;
        const float *bm = e->bias_m ? e->bias_m + i : NULL;
        switch (mr) {
        case 1: tile256(1, kc, a, rsa, csa, b, rs, masked, nr, c, ldc, e, bias_n, bm); break;
        case 2: tile256(2, kc, a, rsa, csa, b, rs, masked, nr, c, ldc, e, bias_n, bm); break;
        case 3: tile256(3, kc, a, rsa, csa, b, rs, masked, nr, c, ldc, e, bias_n, bm); break;
        case 4: tile256(4, kc, a, rsa, csa, b, rs, masked, nr, c, ldc, e, bias_n, bm); break;
        case 5: tile256(5, kc, a, rsa, csa, b, rs, masked, nr, c, ldc, e, bias_n, bm); break;
        default: break;
        }
    }
}

/* Each 32-wide panel as two 16-column strips.  ablk: offset between MR-row blocks of A. */
#define NNZ_MACRO256(RSA, CSA, ABLK, PANEL, RS, ROWB)                                          \
    int npanels = (N + 31) / 32;                                                               \
    for (int p = 0; p < npanels; p++) {                                                        \
        for (int h = 0; h < 2; h++) {                                                          \
            int nr = N - p * 32 - h * 16;                                                      \
            if (nr <= 0) break;                                                                \
            if (nr > 16) nr = 16;                                                              \
            const float *b = Bp + (PANEL) + h * 16;                                            \
            const float *bias_n = e->bias_n ? e->bias_n + p * 32 + h * 16 : NULL;              \
            float *cp = C + p * 32 + h * 16;                                                   \
            if (ROWB && nr < 16)                                                               \
                strip256(M, kc, A, RSA, CSA, ABLK, b, RS, 1, nr, cp, ldc, e, bias_n);          \
            else                                                                               \
                strip256(M, kc, A, RSA, CSA, ABLK, b, RS, 0, nr, cp, ldc, e, bias_n);          \
        }                                                                                      \
    }

T256 static void macro_unpacked256(int M, int N, int kc, const float *A, ptrdiff_t lda,
                                   const float *Bp, ptrdiff_t panel_stride, float *C,
                                   ptrdiff_t ldc, const nnz_epi *e) {
    NNZ_MACRO256(lda, 1, MR * lda, p * panel_stride, NNZ_NR, 0)
}

T256 static void macro_packed256(int M, int N, int kc, const float *A, const float *Bp,
                                 ptrdiff_t panel_stride, float *C, ptrdiff_t ldc,
                                 const nnz_epi *e) {
    NNZ_MACRO256(1, MR, (ptrdiff_t)MR * kc, p * panel_stride, NNZ_NR, 0)
}

/* Small M: A with general strides, B row-major (ldb), no packing. */
T256 static void macro_rowb256(int M, int N, int kc, const float *A, ptrdiff_t rsa, ptrdiff_t csa,
                               const float *Bp, ptrdiff_t ldb, float *C, ptrdiff_t ldc,
                               const nnz_epi *e) {
    NNZ_MACRO256(rsa, csa, MR * rsa, p * 32, ldb, 1)
}

/* One row of A times B (packed or row-major, see nnz_gemv_fn): np (1 or 2) panels at once,
 * one accumulation chain per column (4*np ymm), in the same order as tile256 so that
 * gemm_packed is bitwise batch invariant.  A partial last panel uses masked loads (row-major B
 * is never read past column N). */
T256 INL void gemv_group256(const int np, const int partial, int ncols, int K, const float *a,
                            ptrdiff_t inca, const float *b, ptrdiff_t ps, ptrdiff_t rs, float *c,
                            const nnz_epi *e, const float *bn) {
    __m256 acc[2][4];
    __m256i m[2][4];
    for (int q = 0; q < np; q++)
        for (int v = 0; v < 4; v++) {
            acc[q][v] = _mm256_setzero_ps();
            m[q][v] = lane_mask256(ncols - 32 * q - 8 * v);
        }
    for (int k = 0; k < K; k++) {
        __m256 av = _mm256_broadcast_ss(a);
        for (int q = 0; q < np; q++)
            for (int v = 0; v < 4; v++) {
                const float *bq = b + q * ps + 8 * v;
                __m256 bv = partial ? _mm256_maskload_ps(bq, m[q][v]) : _mm256_loadu_ps(bq);
                acc[q][v] = _mm256_fmadd_ps(av, bv, acc[q][v]);
            }
        a += inca;
        b += rs;
    }
    for (int q = 0; q < np; q++) {
        int nr = ncols - 32 * q;
        const float *bq = bn ? bn + 32 * q : NULL;
        epi_row256(acc[q][0], acc[q][1], nr, c + 32 * q, e, bq, e->bias_m);
        if (nr > 16) epi_row256(acc[q][2], acc[q][3], nr - 16, c + 32 * q + 16, e, bq ? bq + 16 : NULL, e->bias_m);
    }
}

T256 static void gemv256(int N, int K, const float *a, ptrdiff_t inca, const float *B,
                         ptrdiff_t ps, ptrdiff_t rs, float *c, const nnz_epi *e) {
    int npanels = (N + 31) / 32;
    for (int p = 0; p < npanels;) {
        int left = npanels - p, ncols = N - 32 * p;
        const float *b = B + p * ps;
        float *cp = c + 32 * p;
        const float *bn = e->bias_n ? e->bias_n + 32 * p : NULL;
        if (left >= 2) {
            if (ncols >= 64)
                gemv_group256(2, 0, ncols, K, a, inca, b, ps, rs, cp, e, bn);
            else
                gemv_group256(2, 1, ncols, K, a, inca, b, ps, rs, cp, e, bn);
            p += 2;
        } else {
            if (ncols >= 32)
                gemv_group256(1, 0, ncols, K, a, inca, b, ps, rs, cp, e, bn);
            else
                gemv_group256(1, 1, ncols, K, a, inca, b, ps, rs, cp, e, bn);
            p += 1;
        }
    }
}

T256 INL float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* c[j] = alpha*dot(a, B row j) + beta*c[j]: 4 rows at a time, 2 accumulators per row. */
T256 static void dotrows256(int N, int K, const float *a, const float *B, ptrdiff_t ldb, float *c,
                            const nnz_epi *e) {
    for (int j = 0; j < N; j += 4) {
        int rows = N - j < 4 ? N - j : 4;
        const float *b0 = B + j * ldb;
        const float *b1 = rows > 1 ? b0 + ldb : b0, *b2 = rows > 2 ? b0 + 2 * ldb : b0,
                    *b3 = rows > 3 ? b0 + 3 * ldb : b0;
        __m256 s[8];
        for (int t = 0; t < 8; t++) s[t] = _mm256_setzero_ps();
        int k = 0;
        for (; k + 16 <= K; k += 16) {
            __m256 x0 = _mm256_loadu_ps(a + k), x1 = _mm256_loadu_ps(a + k + 8);
            s[0] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(b0 + k), s[0]);
            s[1] = _mm256_fmadd_ps(x1, _mm256_loadu_ps(b0 + k + 8), s[1]);
            s[2] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(b1 + k), s[2]);
            s[3] = _mm256_fmadd_ps(x1, _mm256_loadu_ps(b1 + k + 8), s[3]);
            s[4] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(b2 + k), s[4]);
            s[5] = _mm256_fmadd_ps(x1, _mm256_loadu_ps(b2 + k + 8), s[5]);
            s[6] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(b3 + k), s[6]);
            s[7] = _mm256_fmadd_ps(x1, _mm256_loadu_ps(b3 + k + 8), s[7]);
        }
        for (; k + 8 <= K; k += 8) {
            __m256 x0 = _mm256_loadu_ps(a + k);
            s[0] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(b0 + k), s[0]);
            s[2] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(b1 + k), s[2]);
            s[4] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(b2 + k), s[4]);
            s[6] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(b3 + k), s[6]);
        }
        for (int r = 0; r < rows; r++) {
            const float *br = r == 0 ? b0 : r == 1 ? b1 : r == 2 ? b2 : b3;
            float d = hsum256(_mm256_add_ps(s[2 * r], s[2 * r + 1]));
            for (int kk = k; kk < K; kk++) d = __builtin_fmaf(a[kk], br[kk], d);
            float v = e->alpha * d;
            if (e->beta != 0.0f) v += e->beta * c[j + r];
            c[j + r] = v;
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * Elementwise
 * --------------------------------------------------------------------------------------- */

#define NNZ_UNARY256(name, fn)                                                            \
    T256 static void name(const float *x, float *y, size_t n) {                           \
        size_t i = 0;                                                                     \
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, fn(_mm256_loadu_ps(x + i)));   \
        if (i < n) {                                                                      \
            __m256i m = lane_mask256((int)(n - i));                                       \
            _mm256_maskstore_ps(y + i, m, fn(_mm256_maskload_ps(x + i, m)));              \
        }                                                                                 \
    }

NNZ_UNARY256(relu_arr256, relu256)
NNZ_UNARY256(sigmoid_arr256, sigmoid256)
NNZ_UNARY256(tanh_arr256, tanh256)

T256 INL float hmax256(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

T256 static void softmax256(const float *x, float *y, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (ptrdiff_t)r * cols;
        float *yr = y + (ptrdiff_t)r * cols;
        int j;
        __m256 mx = _mm256_set1_ps(-__builtin_inff());
        for (j = 0; j + 8 <= cols; j += 8) mx = _mm256_max_ps(mx, _mm256_loadu_ps(xr + j));
        float mxs = hmax256(mx);
        for (; j < cols; j++) mxs = xr[j] > mxs ? xr[j] : mxs;
        __m256 vm = _mm256_set1_ps(mxs);
        /* element j adds into lane j mod 16 (sum[0] lanes 0-7, sum[1] lanes 8-15), then the
         * reduction order of nnz_vector_math.h: the AVX-512 path's bits */
        __m256 sum[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
        for (j = 0; j + 8 <= cols; j += 8) {
            __m256 ev = exp_nonpos256(_mm256_sub_ps(_mm256_loadu_ps(xr + j), vm));
            _mm256_storeu_ps(yr + j, ev);
            sum[(j / 8) & 1] = _mm256_add_ps(sum[(j / 8) & 1], ev);
        }
        if (j < cols) {
            __m256i m = lane_mask256(cols - j);
            __m256 ev = exp_nonpos256(_mm256_sub_ps(_mm256_maskload_ps(xr + j, m), vm));
            ev = _mm256_and_ps(ev, _mm256_castsi256_ps(m));
            _mm256_maskstore_ps(yr + j, m, ev);
            sum[(j / 8) & 1] = _mm256_add_ps(sum[(j / 8) & 1], ev);
        }
        __m256 inv = _mm256_set1_ps(1.0f / hsum256(_mm256_add_ps(sum[0], sum[1])));
        for (j = 0; j + 8 <= cols; j += 8) _mm256_storeu_ps(yr + j, _mm256_mul_ps(_mm256_loadu_ps(yr + j), inv));
        for (; j < cols; j++) yr[j] *= _mm256_cvtss_f32(inv);
    }
}

T256 static void leaky_relu256(const float *x, float *y, size_t n, float alpha) {
    const __m256 a = _mm256_set1_ps(alpha), zero = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        _mm256_storeu_ps(y + i, _mm256_blendv_ps(_mm256_mul_ps(v, a), v, _mm256_cmp_ps(v, zero, _CMP_GE_OQ)));
    }
    if (i < n) {
        __m256i m = lane_mask256((int)(n - i));
        __m256 v = _mm256_maskload_ps(x + i, m);
        _mm256_maskstore_ps(y + i, m, _mm256_blendv_ps(_mm256_mul_ps(v, a), v, _mm256_cmp_ps(v, zero, _CMP_GE_OQ)));
    }
}

T256 static void scale_shift256(const float *x, float *y, size_t n, float scale, float shift) {
    __m256 s = _mm256_set1_ps(scale), t = _mm256_set1_ps(shift);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(_mm256_loadu_ps(x + i), s, t));
    for (; i < n; i++) y[i] = __builtin_fmaf(x[i], scale, shift);
}

/* ---------------------------------------------------------------------------------------
 * NHWC convolution (implicit GEMM: no im2col) and max-pool
 * --------------------------------------------------------------------------------------- */

T256 static __attribute__((noinline)) __m256 conv_act_slow256(__m256 v, int act) { return act256(v, act); }

/* mr consecutive output pixels x 16 output channels (nr valid).  a: input element of tap
 * (0,0), channel 0, for the first pixel (pixels sw*inC floats apart); weight rows bw floats
 * apart.  Every pixel's sum runs over (i, j, c) in the same order. */
T256 INL void conv_tile256(const int mr, const nnz_conv_args *p, const float *a, const float *b,
                           ptrdiff_t bw, __m256 bias0, __m256 bias1, int nr, float *c) {
    __m256 acc0[MR], acc1[MR];
    const ptrdiff_t rsa = (ptrdiff_t)p->sw * p->inC, in_rs = p->in_rs;
    const int kwc = p->kw * p->inC, kh = p->kh;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++) acc0[r] = acc1[r] = _mm256_setzero_ps();
    for (int i = 0; i < kh; i++) {
        const float *ai = a + i * in_rs;
        for (int k = 0; k < kwc; k++) {
            __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < mr; r++) {
                __m256 av = _mm256_broadcast_ss(ai + r * rsa + k);
                acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]);
                acc1[r] = _mm256_fmadd_ps(av, b1, acc1[r]);
            }
            b += bw;
        }
    }
    __m256i mk0 = lane_mask256(nr), mk1 = lane_mask256(nr - 8);
    const ptrdiff_t cps = p->outC;
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < mr; r++) {
        __m256 v0 = _mm256_add_ps(acc0[r], bias0), v1 = _mm256_add_ps(acc1[r], bias1);
        if (p->act == NNZ_ACT_RELU) {
            v0 = relu256(v0);
            v1 = relu256(v1);
        } else if (p->act != NNZ_ACT_NONE) {
            v0 = conv_act_slow256(v0, p->act);
            v1 = conv_act_slow256(v1, p->act);
        }
        float *cr = c + r * cps;
        if (nr >= 16) {
            _mm256_storeu_ps(cr, v0);
            _mm256_storeu_ps(cr + 8, v1);
        } else {
            _mm256_maskstore_ps(cr, mk0, v0);
            _mm256_maskstore_ps(cr + 8, mk1, v1);
        }
    }
}

T256 static void conv_nhwc256(const nnz_conv_args *p) {
    ptrdiff_t K = (ptrdiff_t)p->kh * p->kw * p->inC;
    ptrdiff_t rsa = (ptrdiff_t)p->sw * p->inC;
    int nch = (p->outW + MR - 1) / MR;
    for (int col0 = 0; col0 < p->outC; col0 += 32) {
        int wg = nnz_conv_group_width(p->outC, col0);
        for (int h = 0; h * 16 < wg; h++) {
            int c16 = col0 + 16 * h, nr = p->outC - c16;
            if (nr <= 0) break;
            if (nr > 16) nr = 16;
            const float *b = p->w + K * col0 + 16 * h;
            __m256 bias0 = _mm256_setzero_ps(), bias1 = _mm256_setzero_ps();
            if (p->bias) {
                bias0 = _mm256_maskload_ps(p->bias + c16, lane_mask256(nr));
                bias1 = _mm256_maskload_ps(p->bias + c16 + 8, lane_mask256(nr - 8));
            }
            for (int oh = 0; oh < p->outH; oh++) {
                const float *arow = p->in + (ptrdiff_t)oh * p->sh * p->in_rs;
                float *crow = p->out + (ptrdiff_t)oh * p->out_rs + c16;
                for (int ch = 0; ch < nch; ch++) {
                    int ow0 = p->outW * ch / nch, m = p->outW * (ch + 1) / nch - ow0;
                    const float *a = arow + ow0 * rsa;
                    float *c = crow + (ptrdiff_t)ow0 * p->outC;
                    switch (m) {
                    case 1: conv_tile256(1, p, a, b, wg, bias0, bias1, nr, c); break;
                    case 2: conv_tile256(2, p, a, b, wg, bias0, bias1, nr, c); break;
                    case 3: conv_tile256(3, p, a, b, wg, bias0, bias1, nr, c); break;
                    case 4: conv_tile256(4, p, a, b, wg, bias0, bias1, nr, c); break;
                    case 5: conv_tile256(5, p, a, b, wg, bias0, bias1, nr, c); break;
                    case 6: conv_tile256(6, p, a, b, wg, bias0, bias1, nr, c); break;
                    default: break;
                    }
                }
            }
        }
    }
}

/* Running max with the reference's rules: a larger value, or the first NaN, replaces it. */
T256 INL __m256 pool_max256(__m256 best, __m256 x) {
    __m256 m = _mm256_max_ps(x, best); /* best if either is NaN or they are equal */
    __m256 take_nan = _mm256_and_ps(_mm256_cmp_ps(x, x, _CMP_UNORD_Q), _mm256_cmp_ps(best, best, _CMP_ORD_Q));
    return _mm256_blendv_ps(m, x, take_nan);
}

T256 static void maxpool_nhwc256(const nnz_pool_args *p) {
    int C = p->C;
    for (int oh = 0; oh < p->outH; oh++) {
        int h0 = oh * p->sh - p->ph;
        int hs = h0 > 0 ? h0 : 0, he = h0 + p->kh < p->H ? h0 + p->kh : p->H;
        for (int ow = 0; ow < p->outW; ow++) {
            int w0 = ow * p->sw - p->pw;
            int ws = w0 > 0 ? w0 : 0, we = w0 + p->kw < p->W ? w0 + p->kw : p->W;
            float *o = p->out + (ptrdiff_t)oh * p->out_rs + (ptrdiff_t)ow * C;
            for (int c = 0; c < C; c += 8) {
                __m256i m = lane_mask256(C - c);
                __m256 best = _mm256_setzero_ps();
                if (hs < he && ws < we) {
                    best = _mm256_maskload_ps(p->in + (ptrdiff_t)hs * p->in_rs + (ptrdiff_t)ws * C + c, m);
                    for (int h = hs; h < he; h++) {
                        const float *x = p->in + (ptrdiff_t)h * p->in_rs + c;
                        for (int w = (h == hs ? ws + 1 : ws); w < we; w++)
                            best = pool_max256(best, _mm256_maskload_ps(x + (ptrdiff_t)w * C, m));
                    }
                }
                if (C - c >= 8)
                    _mm256_storeu_ps(o + c, best);
                else
                    _mm256_maskstore_ps(o + c, m, best);
            }
        }
    }
}

/* Sums in the portable path's order (first element, then each next), 8 channels at a time. */
T256 static void avgpool_nhwc256(const nnz_pool_args *p) {
    int C = p->C;
    for (int oh = 0; oh < p->outH; oh++) {
        int h0 = oh * p->sh - p->ph;
        int hs = h0 > 0 ? h0 : 0, he = h0 + p->kh < p->H ? h0 + p->kh : p->H;
        for (int ow = 0; ow < p->outW; ow++) {
            int w0 = ow * p->sw - p->pw;
            int ws = w0 > 0 ? w0 : 0, we = w0 + p->kw < p->W ? w0 + p->kw : p->W;
            float *o = p->out + (ptrdiff_t)oh * p->out_rs + (ptrdiff_t)ow * C;
            int empty = hs >= he || ws >= we;
            __m256 divisor = _mm256_set1_ps(empty ? 1.0f : nnz_avgpool_divisor(p->include_pad, p->kh, p->kw, he - hs, we - ws));
            for (int c = 0; c < C; c += 8) {
                __m256i m = lane_mask256(C - c);
                __m256 sum = _mm256_setzero_ps();
                if (!empty) {
                    sum = _mm256_maskload_ps(p->in + (ptrdiff_t)hs * p->in_rs + (ptrdiff_t)ws * C + c, m);
                    for (int h = hs; h < he; h++) {
                        const float *x = p->in + (ptrdiff_t)h * p->in_rs + c;
                        for (int w = (h == hs ? ws + 1 : ws); w < we; w++)
                            sum = _mm256_add_ps(sum, _mm256_maskload_ps(x + (ptrdiff_t)w * C, m));
                    }
                    sum = _mm256_div_ps(sum, divisor);
                }
                if (C - c >= 8)
                    _mm256_storeu_ps(o + c, sum);
                else
                    _mm256_maskstore_ps(o + c, m, sum);
            }
        }
    }
}

T256 static void conv3x3_wino256(const nnz_wino_args *p) { nnz_wino_generic(p, &nnz_ops_avx2); }

const nnz_path_ops nnz_ops_avx2 = {
    .name = "avx2",
    .mr = MR,
    .macro_unpacked = macro_unpacked256,
    .macro_packed = macro_packed256,
    .macro_rowb = macro_rowb256,
    .gemv = gemv256,
    .dotrows = dotrows256,
    .relu = relu_arr256,
    .sigmoid = sigmoid_arr256,
    .tanh_ = tanh_arr256,
    .softmax = softmax256,
    .scale_shift = scale_shift256,
    .leaky_relu = leaky_relu256,
    .conv_nhwc = conv_nhwc256,
    .maxpool_nhwc = maxpool_nhwc256,
    .avgpool_nhwc = avgpool_nhwc256,
    .conv3x3_wino = conv3x3_wino256,
};

#endif /* __x86_64__ */
