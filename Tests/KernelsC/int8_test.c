/* int8 kernels: every code path this CPU supports against a naive scalar reference written
 * from the int8 design ("Runtime int8 arithmetic"), bit for bit, and a benchmark.
 *   Tools/test_int8_kernels.sh           # build with clang -O2 and run the tests
 *   Tools/test_int8_kernels.sh bench [gemm|mlp|conv]   # int8 vs fp32 timings (median of runs), no asserts
 * The reference shares no code with the kernels: its sums are int64, its quantization is the
 * design's formulas, and for sigmoid / tanh it applies the path's nnz_sigmoid / nnz_tanh to
 * its own pre-activation values. */
#include "nnz_kernels.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static int failures = 0, checks = 0;

#define FAIL(...)                                                                              \
    do {                                                                                       \
        if (failures++ < 30) {                                                                 \
            fprintf(stderr, "FAIL [%s] ", nnz_int8_kernel_name());                             \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
        }                                                                                      \
    } while (0)

/* ---- deterministic random numbers (SplitMix64) ---- */
static uint64_t rng_state = 1;
static uint64_t rng(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static float unif(float lo, float hi) { return lo + (hi - lo) * (float)(rng() >> 40) / (float)(1 << 24); }
static int8_t rand_w(void) { return (int8_t)((int)(rng() % 255) - 127); }

static void *xmalloc(size_t n) {
    void *p = NULL;
    if (posix_memalign(&p, 64, n ? n : 1) != 0) abort();
    return p;
}

/* n bytes whose last byte is followed by an inaccessible page: an over-read faults. */
typedef struct {
    void *map;
    size_t len;
    uint8_t *p;
} guarded;
static guarded guarded_alloc(size_t n) {
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), body = (n + pg - 1) / pg * pg;
    guarded g;
    g.len = body + pg;
    g.map = mmap(NULL, g.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g.map == MAP_FAILED) abort();
    if (mprotect((char *)g.map + body, pg, PROT_NONE) != 0) abort();
    g.p = (uint8_t *)g.map + body - n;
    return g;
}
static void guarded_free(guarded g) { munmap(g.map, g.len); }

static uint32_t bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* ---------------------------------------------------------------------------------------
 * Reference (from the design text)
 * --------------------------------------------------------------------------------------- */

static float clamp255(float v) {
    if (!(v > 0.0f)) return 0.0f; /* NaN -> 0 */
    if (v > 255.0f) return 255.0f;
    return v;
}

/* lo = min(0, min x), hi = max(0, max x); r, zp; q_k = clamp(rint(x_k * inv) + zp, 0, 255). */
static void ref_quantize(const float *x, int n, uint8_t *q, float *r_out, int32_t *zp_out) {
    float lo = 0.0f, hi = 0.0f;
    for (int k = 0; k < n; k++) {
        if (x[k] < lo) lo = x[k];
        if (x[k] > hi) hi = x[k];
    }
    float r;
    int32_t zp;
    if (hi == lo) {
        r = 1.0f;
        zp = 0;
    } else {
        r = (hi - lo) / 255.0f;
        float nlo = -lo;
        float z = nlo / r;
        zp = (int32_t)clamp255(rintf(z));
    }
    float inv = 1.0f / r;
    for (int k = 0; k < n; k++) {
        float prod = x[k] * inv;
        float rounded = rintf(prod);
        q[k] = (uint8_t)clamp255(rounded + (float)zp);
    }
    *r_out = r;
    *zp_out = zp;
}

/* The epilogue: t = (float)(acc - zp*colsum); m = s*r; p = t*m; y = p + b; act. */
static float ref_epilogue(int64_t acc, int32_t zp, int64_t colsum, float s, float r, const float *b,
                          nnz_activation act) {
    int64_t d = acc - (int64_t)zp * colsum;
    if (d > INT32_MAX || d < INT32_MIN) {
        fprintf(stderr, "reference: accumulation out of int32 range\n");
        abort();
    }
    float t = (float)d;
    float m = s * r;
    float p = t * m;
    float y = p + (b ? *b : 0.0f);
    if (act == NNZ_ACT_RELU) y = y > 0.0f ? y : 0.0f;
    return y;
}

/* sigmoid / tanh: the active path's fp32 functions, on the reference's pre-activation. */
static void ref_activate(float *y, size_t n, nnz_activation act) {
    if (act == NNZ_ACT_SIGMOID) nnz_sigmoid(y, y, n);
    if (act == NNZ_ACT_TANH) nnz_tanh(y, y, n);
}

static void ref_gemm(int M, int N, int K, const uint8_t *q, int ldq, const float *r, const int32_t *zp,
                     const int8_t *W, const float *s, const float *bias, nnz_activation act, float *C, int ldc) {
    for (int n = 0; n < N; n++) {
        int64_t colsum = 0;
        for (int k = 0; k < K; k++) colsum += W[(size_t)k * N + n];
        for (int i = 0; i < M; i++) {
            int64_t acc = 0;
            for (int k = 0; k < K; k++) acc += (int64_t)q[(size_t)i * ldq + k] * W[(size_t)k * N + n];
            C[(size_t)i * ldc + n] = ref_epilogue(acc, zp[i], colsum, s[n], r[i], bias ? bias + n : NULL, act);
        }
    }
    for (int i = 0; i < M; i++) ref_activate(C + (size_t)i * ldc, (size_t)N, act);
}

/* NCHW image x[C][H][W] quantized as one row; padding reads zp. out: NHWC [outH][outW][outC]. */
static void ref_conv(int C, int H, int W, const float *img, int outC, int kh, int kw, int sh, int sw, int ph,
                     int pw, const int8_t *w, const float *s, const float *bias, nnz_activation act, float *out,
                     float *r_out, int32_t *zp_out) {
    int n = C * H * W;
    uint8_t *q = xmalloc((size_t)n);
    float r;
    int32_t zp;
    ref_quantize(img, n, q, &r, &zp);
    int outH = (H + 2 * ph - kh) / sh + 1, outW = (W + 2 * pw - kw) / sw + 1;
    for (int o = 0; o < outC; o++) {
        int64_t colsum = 0;
        for (int k = 0; k < C * kh * kw; k++) colsum += w[(size_t)o * C * kh * kw + k];
        for (int oh = 0; oh < outH; oh++)
            for (int ow = 0; ow < outW; ow++) {
                int64_t acc = 0;
                for (int c = 0; c < C; c++)
                    for (int i = 0; i < kh; i++)
                        for (int j = 0; j < kw; j++) {
                            int y = oh * sh - ph + i, x = ow * sw - pw + j;
                            int v = (y < 0 || y >= H || x < 0 || x >= W) ? zp : q[((size_t)c * H + y) * W + x];
                            acc += (int64_t)v * w[(((size_t)o * C + c) * kh + i) * kw + j];
                        }
                out[((size_t)oh * outW + ow) * outC + o] =
                    ref_epilogue(acc, zp, colsum, s[o], r, bias ? bias + o : NULL, act);
            }
    }
    ref_activate(out, (size_t)outH * outW * outC, act);
    free(q);
    *r_out = r;
    *zp_out = zp;
}

/* ---------------------------------------------------------------------------------------
 * Paths
 * --------------------------------------------------------------------------------------- */

/* Each path with the VNNI kernels allowed, then not: portable, avx2 (avx-vnni where the CPU
 * has it), avx2 (vpmaddwd), avx512 (avx512-vnni), avx512 without VNNI (vpmaddwd). */
static const int all_paths[] = {NNZ_PATH_PORTABLE, NNZ_PATH_AVX2, NNZ_PATH_AVX2, NNZ_PATH_AVX512, NNZ_PATH_AVX512};
static const int all_vnni[] = {1, 1, 0, 1, 0};
static const char *act_names[] = {"none", "relu", "sigmoid", "tanh"};

/* Forces each supported path and int8 kernel in turn (a kernel already visited is skipped);
 * returns 0 when done. */
static int next_path(int *idx) {
    while (*idx < 5) {
        int i = (*idx)++, p = all_paths[i];
        if (!nnz_kernels_path_supported(p)) continue;
        nnz_kernels_force_path(p);
        nnz_int8_force_vnni(all_vnni[i]);
        const char *name = nnz_int8_kernel_name();
        int seen = 0;
        for (int j = 0; j < i; j++) {
            if (!nnz_kernels_path_supported(all_paths[j])) continue;
            nnz_kernels_force_path(all_paths[j]);
            nnz_int8_force_vnni(all_vnni[j]);
            if (all_paths[j] == p && strcmp(nnz_int8_kernel_name(), name) == 0) seen = 1;
        }
        nnz_kernels_force_path(p);
        nnz_int8_force_vnni(all_vnni[i]);
        if (!seen) return 1;
    }
    nnz_kernels_force_path(NNZ_PATH_AUTO);
    nnz_int8_force_vnni(1);
    return 0;
}

/* ---------------------------------------------------------------------------------------
 * Quantization tests
 * --------------------------------------------------------------------------------------- */

static void check_quantize(const char *label, const float *x, int M, int K) {
    int ldx = K, ldq = K + 3;
    uint8_t *want = xmalloc((size_t)M * ldq + 1), *got = xmalloc((size_t)M * ldq + 1);
    float *rw = xmalloc(sizeof(float) * M), *rg = xmalloc(sizeof(float) * M);
    int32_t *zw = xmalloc(4 * (size_t)M), *zg = xmalloc(4 * (size_t)M);
    for (int i = 0; i < M; i++) ref_quantize(x + (size_t)i * ldx, K, want + (size_t)i * ldq, rw + i, zw + i);
    int idx = 0;
    while (next_path(&idx)) {
        memset(got, 0xA5, (size_t)M * ldq + 1);
        nnz_quantize_rows_u8(x, M, K, ldx, got, ldq, rg, zg);
        for (int i = 0; i < M; i++) {
            checks++;
            if (bits(rg[i]) != bits(rw[i]) || zg[i] != zw[i]) {
                FAIL("quantize %s row %d: r %a zp %d, want %a zp %d", label, i, rg[i], zg[i], rw[i], zw[i]);
                continue;
            }
            for (int k = 0; k < K; k++)
                if (got[(size_t)i * ldq + k] != want[(size_t)i * ldq + k]) {
                    FAIL("quantize %s row %d k %d (x=%a): %d, want %d", label, i, k, x[(size_t)i * ldx + k],
                         got[(size_t)i * ldq + k], want[(size_t)i * ldq + k]);
                    break;
                }
            for (int k = K; k < ldq; k++)
                if (got[(size_t)i * ldq + k] != 0xA5) {
                    FAIL("quantize %s row %d wrote byte %d past K", label, i, k);
                    break;
                }
        }
    }
    free(want);
    free(got);
    free(rw);
    free(rg);
    free(zw);
    free(zg);
}

static void test_quantize(void) {
    int K = 203, M = 12;
    float *x = xmalloc(sizeof(float) * M * K);
    for (int i = 0; i < M * K; i++) x[i] = unif(-3, 5);
    for (int k = 0; k < K; k++) {
        x[0 * K + k] = 0.0f;                       /* all zero: r = 1, zp = 0 */
        x[1 * K + k] = -unif(0.01f, 2);            /* all negative: zp = 255 */
        x[2 * K + k] = unif(0.01f, 2);             /* all positive: zp = 0 */
        x[3 * K + k] = 0.75f;                      /* constant */
        x[4 * K + k] = (k % 2 ? 1.0f : -1.0f) * 0.5f * (float)(k % 7); /* ties of rint */
        x[5 * K + k] = unif(-1e-40f, 1e-40f);      /* subnormal */
        x[6 * K + k] = unif(-3e38f, 3e38f);        /* hi - lo overflows to inf */
        x[7 * K + k] = k % 5 == 0 ? NAN : unif(-1, 1);
        x[8 * K + k] = k == 7 ? INFINITY : unif(-1, 1);
        x[9 * K + k] = k % 3 == 0 ? -0.0f : 0.0f;  /* signed zeros only */
        x[10 * K + k] = k == 0 ? 1e-45f : 0.0f;    /* r underflows to 0 */
    }
    check_quantize("mixed", x, M, K);
    for (int n = 0; n <= 70; n++) check_quantize("short", x + 2 * K, 3, n); /* every tail length */
    free(x);

    /* nnz_quantize_nhwc_u8: the rows rule on the whole image, the border set to zp */
    int C = 3, H = 5, W = 7, ph = 2, pw = 1, xrs = W * C + 5, qrs = (W + 2 * pw) * C + 3;
    float *img = xmalloc(sizeof(float) * H * xrs), *nchw = xmalloc(sizeof(float) * C * H * W);
    for (int i = 0; i < H * xrs; i++) img[i] = unif(-2, 1);
    for (int c = 0; c < C; c++)
        for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++) nchw[(c * H + h) * W + w] = img[h * xrs + w * C + c];
    uint8_t *want = xmalloc((size_t)C * H * W);
    float rw;
    int32_t zw;
    ref_quantize(nchw, C * H * W, want, &rw, &zw);
    size_t qsize = (size_t)(H + 2 * ph) * qrs;
    uint8_t *qb = xmalloc(qsize);
    int idx = 0;
    while (next_path(&idx)) {
        memset(qb, 0xA5, qsize);
        float rg;
        int32_t zg;
        uint8_t *q = qb + ph * qrs + pw * C;
        nnz_quantize_nhwc_u8(C, H, W, img, xrs, ph, pw, q, qrs, &rg, &zg);
        checks++;
        if (bits(rg) != bits(rw) || zg != zw) FAIL("quantize_nhwc r/zp %a %d, want %a %d", rg, zg, rw, zw);
        for (int y = -ph; y < H + ph; y++)
            for (int x2 = -pw; x2 < W + pw; x2++)
                for (int c = 0; c < C; c++) {
                    int inside = y >= 0 && y < H && x2 >= 0 && x2 < W;
                    int v = q[y * qrs + x2 * C + c], e = inside ? want[(c * H + y) * W + x2] : zw;
                    if (v != e) {
                        FAIL("quantize_nhwc (%d,%d,%d): %d, want %d", y, x2, c, v, e);
                        y = H + ph;
                        x2 = W + pw;
                        break;
                    }
                }
        for (int y = -ph; y < H + ph; y++)
            for (int t = (W + 2 * pw) * C; t < qrs; t++)
                if (qb[(y + ph) * qrs + t] != 0xA5) FAIL("quantize_nhwc wrote past the row (row %d)", y);
    }
    free(img);
    free(nchw);
    free(want);
    free(qb);
}

/* ---------------------------------------------------------------------------------------
 * GEMM tests
 * --------------------------------------------------------------------------------------- */

/* x: M x K floats (row-major); W K x N. Checks every path against the reference, the outputs
 * between the ldc columns untouched, and the same result with M split in two calls. */
static void check_gemm(const char *label, int M, int N, int K, const float *x, const int8_t *W, const float *s,
                       const float *bias, nnz_activation act) {
    int ldq = K + (M % 3), ldc = N + 2;
    guarded qg = guarded_alloc((size_t)(M - 1) * ldq + K + (K == 0)); /* row M-1 ends at the guard */
    uint8_t *q = qg.p;
    float *r = xmalloc(sizeof(float) * M);
    int32_t *zp = xmalloc(4 * (size_t)M);
    for (int i = 0; i < M; i++) ref_quantize(x + (size_t)i * K, K, q + (size_t)i * ldq, r + i, zp + i);
    void *packed = xmalloc(nnz_int8_packed_size(K, N));
    nnz_int8_pack_b(W, K, N, packed);
    float *want = xmalloc(sizeof(float) * M * ldc), *got = xmalloc(sizeof(float) * M * ldc);
    int idx = 0;
    while (next_path(&idx)) {
        ref_gemm(M, N, K, q, ldq, r, zp, W, s, bias, act, want, ldc); /* sigmoid/tanh: this path's */
        for (int split = 0; split < 2; split++) {
            for (int i = 0; i < M * ldc; i++) got[i] = -12345.5f;
            if (!split) {
                nnz_gemm_int8_packed(M, N, K, q, ldq, r, zp, packed, s, bias, act, got, ldc);
            } else {
                int m0 = M / 3;
                nnz_gemm_int8_packed(m0, N, K, q, ldq, r, zp, packed, s, bias, act, got, ldc);
                nnz_gemm_int8_packed(M - m0, N, K, q + (size_t)m0 * ldq, ldq, r + m0, zp + m0, packed, s, bias, act,
                                     got + (size_t)m0 * ldc, ldc);
            }
            checks++;
            for (int i = 0; i < M; i++)
                for (int j = 0; j < ldc; j++) {
                    float g = got[(size_t)i * ldc + j];
                    if (j >= N) {
                        if (g != -12345.5f) {
                            FAIL("gemm %s %dx%dx%d wrote C[%d][%d] past N", label, M, N, K, i, j);
                            goto next;
                        }
                        continue;
                    }
                    float w = want[(size_t)i * ldc + j];
                    if (bits(g) != bits(w)) {
                        FAIL("gemm %s %dx%dx%d %s split=%d C[%d][%d] = %a, want %a", label, M, N, K, act_names[act],
                             split, i, j, g, w);
                        goto next;
                    }
                }
        next:;
        }
    }
    guarded_free(qg);
    free(r);
    free(zp);
    free(packed);
    free(want);
    free(got);
}

static void random_gemm(const char *label, int M, int N, int K, nnz_activation act, int with_bias) {
    float *x = xmalloc(sizeof(float) * M * K + 4), *s = xmalloc(sizeof(float) * N), *b = xmalloc(sizeof(float) * N);
    int8_t *W = xmalloc((size_t)K * N + 1);
    for (int i = 0; i < M * K; i++) x[i] = unif(-2, 3);
    for (int i = 0; i < K * N; i++) W[i] = rand_w();
    for (int j = 0; j < N; j++) {
        s[j] = unif(1e-4f, 2e-2f);
        b[j] = unif(-1, 1);
    }
    /* adversarial rows: zero, negative, positive */
    if (M > 1)
        for (int k = 0; k < K; k++) x[k] = 0.0f;
    if (M > 2)
        for (int k = 0; k < K; k++) x[K + k] = -unif(0, 4);
    if (M > 3)
        for (int k = 0; k < K; k++) x[2 * K + k] = unif(0, 4);
    check_gemm(label, M, N, K, x, W, s, with_bias ? b : NULL, act);
    free(x);
    free(s);
    free(b);
    free(W);
}

static void test_gemm(void) {
    static const int Ms[] = {1, 2, 5, 6, 7, 12, 13, 25, 31};
    static const int Ns[] = {1, 3, 10, 16, 17, 31, 32, 33, 48, 63, 64, 65, 100, 129, 200};
    static const int Ks[] = {0, 1, 2, 3, 4, 5, 7, 8, 13, 64, 67, 130};
    for (size_t a = 0; a < sizeof Ms / sizeof *Ms; a++)
        for (size_t b = 0; b < sizeof Ns / sizeof *Ns; b++)
            for (size_t c = 0; c < sizeof Ks / sizeof *Ks; c++) {
                nnz_activation act = (nnz_activation)((a + b + c) % 4);
                random_gemm("random", Ms[a], Ns[b], Ks[c], act, (a + c) % 2 == 0);
            }
    /* larger: several L2 row blocks (more than gemm_mc rows for K = 784) */
    random_gemm("mlp", 700, 70, 784, NNZ_ACT_RELU, 1);
    random_gemm("mlp", 257, 130, 1568, NNZ_ACT_NONE, 1);
    for (int act = 0; act < 4; act++) random_gemm("acts", 9, 50, 37, (nnz_activation)act, 1);

    /* max magnitude: K = 66311 (the format's limit); rows of +c (q = 255, zp = 0) and of -c
     * (zp = 255), weights +-127 in the first columns: |acc| and zp*colsum reach 255*127*K */
    int K = 66311, N = 19, M = 4;
    float *x = xmalloc(sizeof(float) * M * K), *s = xmalloc(sizeof(float) * N), *bias = xmalloc(sizeof(float) * N);
    int8_t *W = xmalloc((size_t)K * N);
    for (int k = 0; k < K; k++) {
        x[k] = 0.5f;
        x[K + k] = -0.5f;
        x[2 * K + k] = k % 2 ? 0.5f : -0.25f;
        x[3 * K + k] = unif(-1, 1);
    }
    for (int k = 0; k < K; k++)
        for (int j = 0; j < N; j++)
            W[(size_t)k * N + j] = j == 0 ? 127 : j == 1 ? -127 : j == 2 ? (k % 2 ? 127 : -127) : rand_w();
    for (int j = 0; j < N; j++) {
        s[j] = unif(1e-6f, 1e-3f);
        bias[j] = unif(-1, 1);
    }
    check_gemm("max-magnitude", M, N, K, x, W, s, bias, NNZ_ACT_NONE);
    check_gemm("max-magnitude", M, N, K, x, W, s, NULL, NNZ_ACT_RELU);
    free(x);
    free(s);
    free(bias);
    free(W);
}

/* ---------------------------------------------------------------------------------------
 * Convolution tests
 * --------------------------------------------------------------------------------------- */

typedef struct {
    int C, H, W, outC, kh, kw, sh, sw, ph, pw;
} conv_case;

static void check_conv(conv_case cc, nnz_activation act, int with_bias, int pool, int seed) {
    rng_state = 1000 + (uint64_t)seed;
    int C = cc.C, H = cc.H, W = cc.W, outC = cc.outC;
    int outH = (H + 2 * cc.ph - cc.kh) / cc.sh + 1, outW = (W + 2 * cc.pw - cc.kw) / cc.sw + 1;
    if (outH <= 0 || outW <= 0) return;
    if (pool && (outH < 2 || outW < 2)) return;
    float *img = xmalloc(sizeof(float) * C * H * W), *s = xmalloc(sizeof(float) * outC),
          *b = xmalloc(sizeof(float) * outC);
    int8_t *w = xmalloc((size_t)outC * C * cc.kh * cc.kw);
    for (int i = 0; i < C * H * W; i++) img[i] = unif(-1, 2);
    if (seed % 5 == 1)
        for (int i = 0; i < C * H * W; i++) img[i] = -fabsf(img[i]); /* zp = 255 */
    for (int i = 0; i < outC * C * cc.kh * cc.kw; i++) w[i] = rand_w();
    for (int o = 0; o < outC; o++) {
        s[o] = unif(1e-3f, 1e-1f);
        b[o] = unif(-1, 1);
    }
    const float *bias = with_bias ? b : NULL;
    float *want = xmalloc(sizeof(float) * outH * outW * outC);
    float rw;
    int32_t zw;
    /* the image as an NHWC float view with a row gap */
    int xrs = W * C + 3;
    float *x = xmalloc(sizeof(float) * H * xrs);
    for (int c = 0; c < C; c++)
        for (int h = 0; h < H; h++)
            for (int ww = 0; ww < W; ww++) x[h * xrs + ww * C + c] = img[(c * H + h) * W + ww];
    /* u8 view with the border; the last byte the conv names ends at an inaccessible page
     * whenever the geometry makes it the view's last byte */
    int Hp = H + 2 * cc.ph, Wp = W + 2 * cc.pw, qrs = Wp * C;
    guarded qg = guarded_alloc((size_t)Hp * qrs);
    uint8_t *qv = qg.p + cc.ph * qrs + cc.pw * C;
    int pH = outH / 2, pW = outW / 2;
    int oW = pool ? pW : outW, oH = pool ? pH : outH, ors = oW * outC + 5;
    float *got = xmalloc(sizeof(float) * oH * ors);
    void *packed = xmalloc(nnz_int8_conv_pack_size(outC, C, cc.kh, cc.kw));
    nnz_int8_conv_pack(outC, C, cc.kh, cc.kw, w, packed);
    int idx = 0;
    while (next_path(&idx)) {
        ref_conv(C, H, W, img, outC, cc.kh, cc.kw, cc.sh, cc.sw, cc.ph, cc.pw, w, s, bias, act, want, &rw, &zw);
        float r;
        int32_t zp;
        nnz_quantize_nhwc_u8(C, H, W, x, xrs, cc.ph, cc.pw, qv, qrs, &r, &zp);
        checks++;
        if (bits(r) != bits(rw) || zp != zw) FAIL("conv quantize r/zp %a %d, want %a %d", r, zp, rw, zw);
        for (int i = 0; i < oH * ors; i++) got[i] = -12345.5f;
        const uint8_t *origin = qv - cc.ph * qrs - cc.pw * C;
        (pool ? nnz_conv2d_int8_nhwc_pool2 : nnz_conv2d_int8_nhwc)(outH, outW, C, cc.kh, cc.kw, cc.sh, cc.sw, origin, qrs,
                                                                   r, zp, packed, s, bias, outC, act, got, ors);
        for (int oh = 0; oh < oH; oh++)
            for (int t = 0; t < ors; t++) {
                float g = got[oh * ors + t];
                if (t >= oW * outC) {
                    if (g != -12345.5f) {
                        FAIL("conv wrote past the output row");
                        goto done;
                    }
                    continue;
                }
                int ow = t / outC, o = t % outC;
                float e;
                if (!pool) {
                    e = want[((size_t)oh * outW + ow) * outC + o];
                } else { /* the first maximum in window order (no NaN here) */
                    e = want[((size_t)(2 * oh) * outW + 2 * ow) * outC + o];
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++) {
                            float v = want[((size_t)(2 * oh + dy) * outW + 2 * ow + dx) * outC + o];
                            if (v > e) e = v;
                        }
                }
                if (bits(g) != bits(e)) {
                    FAIL("conv C%d %dx%d ->%d k%dx%d s%d,%d p%d,%d %s bias=%d pool=%d: out(%d,%d,%d) = %a, want %a", C, H,
                         W, outC, cc.kh, cc.kw, cc.sh, cc.sw, cc.ph, cc.pw, act_names[act], with_bias, pool, oh, ow, o, g,
                         e);
                    goto done;
                }
            }
    done:;
    }
    guarded_free(qg);
    free(img);
    free(s);
    free(b);
    free(w);
    free(want);
    free(x);
    free(got);
    free(packed);
}

static void test_conv(void) {
    static const conv_case cases[] = {
        {1, 28, 28, 16, 3, 3, 1, 1, 1, 1},   /* cnn_small conv 1 */
        {16, 14, 14, 32, 3, 3, 1, 1, 1, 1},  /* cnn_small conv 2 */
        {1, 9, 31, 10, 3, 3, 1, 1, 1, 1},
        {3, 11, 13, 8, 3, 3, 2, 2, 1, 1},
        {3, 12, 12, 70, 5, 5, 1, 1, 2, 2},
        {5, 9, 10, 48, 5, 3, 2, 1, 2, 0},
        {16, 7, 9, 64, 1, 1, 1, 1, 0, 0},
        {17, 6, 6, 130, 1, 1, 2, 2, 0, 0},
        {4, 8, 8, 1, 3, 3, 1, 1, 0, 0},
        {2, 10, 12, 33, 3, 3, 3, 2, 0, 1},
        {7, 5, 40, 20, 2, 3, 1, 1, 1, 0},
        {1, 5, 5, 3, 5, 5, 1, 1, 0, 0},      /* one output pixel */
        {6, 13, 37, 16, 3, 3, 1, 1, 1, 1},   /* wide rows: several strips */
        {1, 6, 64, 17, 1, 3, 1, 1, 0, 1},    /* rsa == 1, 28-pixel strips */
        {64, 5, 5, 96, 3, 3, 1, 1, 1, 1},
        {3, 9, 9, 5, 4, 4, 1, 1, 3, 3},      /* padding wider than the image reach */
    };
    int seed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int act = 0; act < 4; act++)
            for (int pool = 0; pool < 2; pool++) {
                seed++;
                check_conv(cases[i], (nnz_activation)act, (int)(i + act) % 2, pool, seed);
            }
}

/* ---------------------------------------------------------------------------------------
 * Benchmark (prints, asserts nothing)
 * --------------------------------------------------------------------------------------- */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median seconds per call of body over `runs` runs of `reps` calls. */
#define TIME_MEDIAN(result, runs, reps, body)                                                   \
    do {                                                                                        \
        double ts_[64];                                                                         \
        for (int w_ = 0; w_ < 2; w_++) { body; }                                                \
        for (int r_ = 0; r_ < (runs); r_++) {                                                   \
            double t0_ = now();                                                                 \
            for (int k_ = 0; k_ < (reps); k_++) { body; }                                       \
            ts_[r_] = (now() - t0_) / (reps);                                                   \
        }                                                                                       \
        qsort(ts_, (size_t)(runs), sizeof(double), cmp_double);                                 \
        result = ts_[(runs) / 2];                                                               \
    } while (0)

static void bench_gemm(int M, int N, int K, int reps) {
    float *x = xmalloc(sizeof(float) * M * K), *s = xmalloc(sizeof(float) * N), *b = xmalloc(sizeof(float) * N);
    float *wf = xmalloc(sizeof(float) * K * N), *C = xmalloc(sizeof(float) * M * N);
    int8_t *W = xmalloc((size_t)K * N);
    for (int i = 0; i < M * K; i++) x[i] = unif(-1, 1);
    for (int i = 0; i < K * N; i++) {
        W[i] = rand_w();
        wf[i] = unif(-1, 1);
    }
    for (int j = 0; j < N; j++) {
        s[j] = 0.01f;
        b[j] = 0.1f;
    }
    void *packed = xmalloc(nnz_int8_packed_size(K, N));
    nnz_int8_pack_b(W, K, N, packed);
    float *pf = xmalloc(sizeof(float) * nnz_pack_b_size(K, N));
    nnz_pack_b(K, N, wf, N, pf);
    uint8_t *q = xmalloc((size_t)M * K);
    float *r = xmalloc(sizeof(float) * M);
    int32_t *zp = xmalloc(4 * (size_t)M);
    double ops = 2.0 * M * N * K;
    int idx = 0;
    while (next_path(&idx)) {
        double tq, tg, tf;
        TIME_MEDIAN(tq, 9, reps, nnz_quantize_rows_u8(x, M, K, K, q, K, r, zp));
        TIME_MEDIAN(tg, 9, reps, nnz_gemm_int8_packed(M, N, K, q, K, r, zp, packed, s, b, NNZ_ACT_RELU, C, N));
        TIME_MEDIAN(tf, 9, reps, nnz_gemm_packed(M, N, K, x, K, pf, b, NNZ_ACT_RELU, C, N));
        printf("%-8s %-12s %5dx%4dx%4d  int8 gemm %7.1f GOP/s (%8.1f us)  +quantize %8.1f us -> %7.1f GOP/s | "
               "fp32 gemm_packed %6.1f GFLOP/s (%8.1f us)  speedup %.2fx (with quantize %.2fx)\n",
               nnz_kernels_path(), nnz_int8_kernel_name(), M, N, K, ops / tg * 1e-9, tg * 1e6, tq * 1e6,
               ops / (tg + tq) * 1e-9, ops / tf * 1e-9, tf * 1e6, tf / tg, tf / (tg + tq));
    }
    free(x);
    free(s);
    free(b);
    free(wf);
    free(C);
    free(W);
    free(packed);
    free(pf);
    free(q);
    free(r);
    free(zp);
}

static void bench_conv(int C, int H, int outC, int reps) {
    int K = C * 9;
    float *img = xmalloc(sizeof(float) * C * H * H), *s = xmalloc(sizeof(float) * outC),
          *b = xmalloc(sizeof(float) * outC), *wf = xmalloc(sizeof(float) * outC * K);
    int8_t *w = xmalloc((size_t)outC * K);
    for (int i = 0; i < C * H * H; i++) img[i] = unif(-1, 1);
    for (int i = 0; i < outC * K; i++) {
        w[i] = rand_w();
        wf[i] = unif(-1, 1);
    }
    for (int o = 0; o < outC; o++) {
        s[o] = 0.01f;
        b[o] = 0.1f;
    }
    int rs = (H + 2) * C;
    float *padded = xmalloc(sizeof(float) * (H + 2) * rs), *out = xmalloc(sizeof(float) * H * H * outC);
    memset(padded, 0, sizeof(float) * (H + 2) * rs);
    nnz_nchw_to_nhwc(C, H, H, img, padded + rs + C, rs);
    uint8_t *qb = xmalloc((size_t)(H + 2) * rs);
    void *p8 = xmalloc(nnz_int8_conv_pack_size(outC, C, 3, 3));
    nnz_int8_conv_pack(outC, C, 3, 3, w, p8);
    float *pf = xmalloc(sizeof(float) * nnz_conv_pack_size(outC, C, 3, 3));
    nnz_conv_pack(outC, C, 3, 3, wf, pf);
    float *pw = xmalloc(sizeof(float) * nnz_winograd_pack_size(outC, C));
    nnz_winograd_pack(outC, C, wf, pw);
    float *work = xmalloc(sizeof(float) * nnz_winograd_work_size(C, outC));
    double ops = 2.0 * H * H * outC * K;
    int idx = 0;
    while (next_path(&idx)) {
        float r;
        int32_t zp;
        double tq, t8, t8p, tf, tfp, tw;
        TIME_MEDIAN(tq, 9, reps, nnz_quantize_nhwc_u8(C, H, H, padded + rs + C, rs, 1, 1, qb + rs + C, rs, &r, &zp));
        TIME_MEDIAN(t8, 9, reps,
                    nnz_conv2d_int8_nhwc(H, H, C, 3, 3, 1, 1, qb, rs, r, zp, p8, s, b, outC, NNZ_ACT_RELU, out, H * outC));
        TIME_MEDIAN(t8p, 9, reps,
                    nnz_conv2d_int8_nhwc_pool2(H, H, C, 3, 3, 1, 1, qb, rs, r, zp, p8, s, b, outC, NNZ_ACT_RELU, out,
                                               H / 2 * outC));
        TIME_MEDIAN(tf, 9, reps,
                    nnz_conv2d_nhwc(H, H, C, 3, 3, 1, 1, padded, rs, pf, b, outC, NNZ_ACT_RELU, out, H * outC));
        TIME_MEDIAN(tfp, 9, reps,
                    nnz_conv2d_nhwc_pool2(H, H, C, 3, 3, 1, 1, padded, rs, pf, b, outC, NNZ_ACT_RELU, out, H / 2 * outC));
        TIME_MEDIAN(tw, 9, reps,
                    nnz_conv3x3_winograd_nhwc(H, H, C, padded, rs, pw, b, outC, NNZ_ACT_RELU, 2, out, H / 2 * outC, work));
        printf("%-8s %-12s conv %2d->%2d 3x3 %2dx%2d  int8 %6.2f us (%6.1f GOP/s), quantize %5.2f us, int8+pool2 %6.2f us | "
               "fp32 direct %6.2f us (%5.1f GFLOP/s), direct+pool2 %6.2f us, winograd+pool2 %6.2f us | "
               "int8(q+conv+pool) vs best fp32+pool: %.2fx\n",
               nnz_kernels_path(), nnz_int8_kernel_name(), C, outC, H, H, t8 * 1e6, ops / t8 * 1e-9, tq * 1e6, t8p * 1e6,
               tf * 1e6, ops / tf * 1e-9, tfp * 1e6, tw * 1e6, (tfp < tw ? tfp : tw) / (tq + t8p));
    }
    free(img);
    free(s);
    free(b);
    free(wf);
    free(w);
    free(padded);
    free(out);
    free(qb);
    free(p8);
    free(pf);
    free(pw);
    free(work);
}

/* A whole MLP (sizes[0] -> ... -> sizes[n-1], ReLU between, softmax at the end) at batch M,
 * int8 (every layer quantizes its input) and fp32, layer by layer over the whole batch or in
 * blocks of `block` rows through every layer (activations stay in L2). */
static void bench_mlp(const int *sizes, int nl, int M, int block, int reps) {
    int maxw = 0;
    for (int l = 0; l < nl; l++) maxw = sizes[l] > maxw ? sizes[l] : maxw;
    float *a0 = xmalloc(sizeof(float) * M * maxw), *a1 = xmalloc(sizeof(float) * M * maxw);
    uint8_t *q = xmalloc((size_t)M * maxw);
    float *r = xmalloc(sizeof(float) * M);
    int32_t *zp = xmalloc(4 * (size_t)M);
    void *p8[8];
    float *pf[8], *s[8], *b[8];
    double ops = 0;
    for (int l = 0; l + 1 < nl; l++) {
        int K = sizes[l], N = sizes[l + 1];
        int8_t *W = xmalloc((size_t)K * N);
        float *wf = xmalloc(sizeof(float) * K * N);
        for (int i = 0; i < K * N; i++) {
            W[i] = rand_w();
            wf[i] = unif(-0.05f, 0.05f);
        }
        p8[l] = xmalloc(nnz_int8_packed_size(K, N));
        nnz_int8_pack_b(W, K, N, p8[l]);
        pf[l] = xmalloc(sizeof(float) * nnz_pack_b_size(K, N));
        nnz_pack_b(K, N, wf, N, pf[l]);
        s[l] = xmalloc(sizeof(float) * N);
        b[l] = xmalloc(sizeof(float) * N);
        for (int j = 0; j < N; j++) {
            s[l][j] = 0.05f / 127;
            b[l][j] = unif(-0.05f, 0.05f);
        }
        free(W);
        free(wf);
        ops += 2.0 * M * K * N;
    }
    float *x = xmalloc(sizeof(float) * M * sizes[0]);
    for (int i = 0; i < M * sizes[0]; i++) x[i] = unif(0, 1);
    int idx = 0;
    while (next_path(&idx)) {
        if (nnz_kernels_path_id() != NNZ_PATH_AVX512) continue;
        double t8, tf;
#define MLP_RUN(INT8)                                                                                   \
    for (int i0 = 0; i0 < M; i0 += block) {                                                             \
        int m = M - i0 < block ? M - i0 : block;                                                        \
        const float *in = x + (size_t)i0 * sizes[0];                                                    \
        float *bufs[2] = {a0, a1};                                                                      \
        for (int l = 0; l + 1 < nl; l++) {                                                              \
            int K = sizes[l], N = sizes[l + 1];                                                         \
            float *o = bufs[l % 2];                                                                     \
            nnz_activation act = l + 2 < nl ? NNZ_ACT_RELU : NNZ_ACT_NONE;                              \
            if (INT8) {                                                                                 \
                nnz_quantize_rows_u8(in, m, K, K, q, K, r, zp);                                         \
                nnz_gemm_int8_packed(m, N, K, q, K, r, zp, p8[l], s[l], b[l], act, o, N);               \
            } else {                                                                                    \
                nnz_gemm_packed(m, N, K, in, K, pf[l], b[l], act, o, N);                                \
            }                                                                                           \
            in = o;                                                                                     \
        }                                                                                               \
        nnz_softmax_rows(in, (float *)in, m, sizes[nl - 1]);                                            \
    }
        TIME_MEDIAN(t8, 15, reps, MLP_RUN(1));
        TIME_MEDIAN(tf, 15, reps, MLP_RUN(0));
#undef MLP_RUN
        printf("%-8s %-12s MLP", nnz_kernels_path(), nnz_int8_kernel_name());
        for (int l = 0; l < nl; l++) printf("%s%d", l ? "-" : " ", sizes[l]);
        printf(" batch %d in blocks of %4d rows: int8 %7.3f ms (%5.1f GOP/s) | fp32 %7.3f ms  (%.2fx)\n", M, block,
               t8 * 1e3, ops / t8 * 1e-9, tf * 1e3, tf / t8);
    }
    free(a0);
    free(a1);
    free(q);
    free(r);
    free(zp);
    free(x);
    for (int l = 0; l + 1 < nl; l++) {
        free(p8[l]);
        free(pf[l]);
        free(s[l]);
        free(b[l]);
    }
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "bench") == 0) {
        /* bench [gemm|mlp|conv]: the anchor models' shapes, single thread */
        const char *what = argc > 2 ? argv[2] : "all";
        int all = strcmp(what, "all") == 0;
        if (all || strcmp(what, "gemm") == 0) {
            bench_gemm(1024, 1024, 784, 3);
            bench_gemm(1024, 512, 784, 5);
            bench_gemm(1024, 256, 512, 10);
            bench_gemm(1024, 10, 256, 50);
            bench_gemm(1024, 128, 1568, 10);
            bench_gemm(1, 1024, 784, 500);
        }
        if (all || strcmp(what, "mlp") == 0) {
            static const int big[] = {784, 1024, 1024, 10}, wide[] = {784, 512, 256, 10};
            for (int block = 1024; block >= 64; block /= 4) bench_mlp(big, 4, 1024, block, 2);
            for (int block = 1024; block >= 64; block /= 4) bench_mlp(wide, 4, 1024, block, 4);
        }
        if (all || strcmp(what, "conv") == 0) {
            bench_conv(1, 28, 16, 500);
            bench_conv(16, 14, 32, 500);
        }
        return 0;
    }
    test_quantize();
    test_gemm();
    test_conv();
    printf("int8 kernels: %d checks, %d failures (paths:", checks, failures);
    int idx = 0;
    while (next_path(&idx)) printf(" %s/%s", nnz_kernels_path(), nnz_int8_kernel_name());
    printf(")\n");
    return failures ? 1 : 0;
}
