/* Constants of the vector exp / sigmoid / tanh shared by the AVX2 and AVX-512 paths, which
 * must compute the same function (each file keeps its own intrinsics, since every function
 * there carries its own target attribute).  Values are the float literals the kernels always
 * used; changing one changes results on both paths. */
#ifndef NNZ_VECTOR_MATH_H
#define NNZ_VECTOR_MATH_H

/* exp(x) for x <= 0: Cephes expf.  Below NNZ_EXP_LOWEST the result is exactly 0 (libm would
 * give a subnormal < 1.2e-38).  x = n*ln2 + r with n = round(x*log2(e)) and ln2 split in two
 * (HI exact in float, LO the rest, subtracted as -LO), then a degree-6 polynomial in r. */
#define NNZ_EXP_LOWEST (-87.33654f)
#define NNZ_EXP_LOG2E 1.44269504088896341f
#define NNZ_EXP_LN2_HI 0.693359375f
#define NNZ_EXP_LN2_LO (-2.12194440e-4f)
#define NNZ_EXP_P0 1.9875691500e-4f
#define NNZ_EXP_P1 1.3981999507e-3f
#define NNZ_EXP_P2 8.3334519073e-3f
#define NNZ_EXP_P3 4.1665795894e-2f
#define NNZ_EXP_P4 1.6666665459e-1f
#define NNZ_EXP_P5 5.0000001201e-1f

/* tanh: Cephes odd polynomial in z = x*x for |x| < NNZ_TANH_SMALL, else
 * sign(x) * (1 - e) / (1 + e) with e = exp(-2|x|). */
#define NNZ_TANH_SMALL 0.625f
#define NNZ_TANH_P0 (-5.70498872745e-3f)
#define NNZ_TANH_P1 2.06390887954e-2f
#define NNZ_TANH_P2 (-5.37397155531e-2f)
#define NNZ_TANH_P3 1.33314422036e-1f
#define NNZ_TANH_P4 (-3.33332819422e-1f)

/* The same three functions in scalar C, operation for operation (fmaf is the fused multiply-add
 * the vector paths use, correctly rounded whether or not the CPU has one): the portable path
 * computes them with these, so exp, sigmoid, tanh and softmax give the same bits on every path
 * (FORMAT.md §4 asks that of int8 models, whose other layers are exact). */
#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float nnz_exp_nonpos_s(float x) {
    const float lo = NNZ_EXP_LOWEST;
    float xc = lo > x ? lo : x; /* max(lo, x): NaN propagates, as in the vector max */
    float n = rintf(xc * NNZ_EXP_LOG2E);
    float r = fmaf(-n, NNZ_EXP_LN2_HI, xc);
    r = fmaf(-n, NNZ_EXP_LN2_LO, r);
    float p = NNZ_EXP_P0;
    p = fmaf(p, r, NNZ_EXP_P1);
    p = fmaf(p, r, NNZ_EXP_P2);
    p = fmaf(p, r, NNZ_EXP_P3);
    p = fmaf(p, r, NNZ_EXP_P4);
    p = fmaf(p, r, NNZ_EXP_P5);
    float r2 = r * r;
    p = fmaf(p, r2, r);
    p = p + 1.0f;
    int32_t ni = n == n ? (int32_t)n : 0; /* a NaN n makes p NaN anyway */
    uint32_t bits = (uint32_t)(ni + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    float y = p * scale;
    return x < lo ? 0.0f : y;
}

static inline float nnz_sigmoid_s(float x) {
    float ax = fabsf(x);
    float e = nnz_exp_nonpos_s(0.0f - ax);
    float d = 1.0f + e;
    float pos = 1.0f / d, neg = e / d;
    return x >= 0.0f ? pos : neg;
}

static inline float nnz_tanh_s(float x) {
    float ax = fabsf(x);
    float z = x * x;
    float p = NNZ_TANH_P0;
    p = fmaf(p, z, NNZ_TANH_P1);
    p = fmaf(p, z, NNZ_TANH_P2);
    p = fmaf(p, z, NNZ_TANH_P3);
    p = fmaf(p, z, NNZ_TANH_P4);
    float small = fmaf(p * z, x, x);
    float e = nnz_exp_nonpos_s(0.0f - (ax + ax));
    float t = (1.0f - e) / (1.0f + e);
    float r = ax < NNZ_TANH_SMALL ? small : t;
    uint32_t rb, xb;
    memcpy(&rb, &r, 4);
    memcpy(&xb, &x, 4);
    rb |= xb & 0x80000000u; /* the sign of x, as the vector paths OR it in */
    memcpy(&r, &rb, 4);
    return r;
}

/* Softmax sums in one order on every path: element j adds into partial sum j mod 16 (in
 * order of j), then s[i] += s[i + 8], s[i] += s[i + 4], s[i] += s[i + 2], s[0] + s[1]. */
#define NNZ_SOFTMAX_LANES 16

#endif
