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

#endif
