/* Internal declarations of the int8 kernels (not public API): the packed weight layout, the
 * argument blocks and the per-path table.  The arithmetic is the int8 section of
 * nnz_kernels.h: u8 activations with a per-row (per-sample) scale r and zero point zp, int8
 * weights with a per-column scale, exact int32 sums, then the float epilogue
 *   t = (float)(acc - zp*colsum);  p = t * (s*r);  y = p + b;  act(y)
 * (separate multiply and add, never fused).  Integer sums are exact in any order, so every
 * path gives the same bits by construction. */
#ifndef NNZ_INT8_H
#define NNZ_INT8_H

#include "nnz_internal.h"
#include <stdint.h>
#include <string.h>

/* Packed weights (the same for every path; nnz_int8_pack_b and nnz_int8_conv_pack):
 *   K is grouped in groups of 4 consecutive k ("k groups"; Kg groups, the missing k of the
 *   last one zero).  Columns are in panels of NNZ_I8_NP = 64; the last panel is only as wide
 *   as needed, rounded up to 16 (16, 32, 48 or 64), so no cache line holds only padding.
 *   Panel p (columns 64p ..) starts at byte 64p * Kg * 4 and holds Kg groups of width*4
 *   bytes; within a group, column j's 4 bytes (k = 4g .. 4g+3) are at j*4 .. j*4+3: one
 *   zmm (16 columns x 4 k) is exactly one vpdpbusd operand.  Columns past N are zero.
 *   Then, at byte nnz_i8_colsum_offset(Kg, N): int32 colsum[N] (sum over k of the weights).
 * Convolution: k groups are formed within each kernel row: kernel row i holds
 *   gpr = ceil(kw*inC / 4) groups (group g = i*gpr + gi covers positions x = 4gi .. 4gi+3 of
 *   the row's kw*inC values, x = j*inC + c), so that 4 consecutive input bytes of an NHWC
 *   pixel row make one group; Kg = kh * gpr. */
#define NNZ_I8_NP 64

static inline int nnz_i8_panel_width(int N, int col0) {
    int left = N - col0;
    return left >= NNZ_I8_NP ? NNZ_I8_NP : round_up(left, 16);
}

static inline size_t nnz_i8_colsum_offset(int Kg, int N) {
    size_t b = (size_t)Kg * 4 * (size_t)round_up(N, 16);
    return (b + 63) / 64 * 64;
}

static inline size_t nnz_i8_packed_bytes(int Kg, int N) {
    return nnz_i8_colsum_offset(Kg, N) + (size_t)round_up(N, 16) * 4;
}

/* 4 bytes as one little-endian 32-bit value (unaligned load). */
static inline int32_t nnz_i8_load4(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The n (1..3) bytes of a partial group as a 32-bit value with zero high bytes (shifts, not
 * a byte copy: a copy through memory stalls on store forwarding). */
static inline int32_t nnz_i8_load_tail(const uint8_t *p, int n) {
    uint32_t v = p[0];
    if (n > 1) v |= (uint32_t)p[1] << 8;
    if (n > 2) v |= (uint32_t)p[2] << 16;
    return (int32_t)v;
}

/* Epilogue shared by the GEMM and the convolution.  act: NNZ_ACT_NONE or NNZ_ACT_RELU are
 * applied in the kernel (relu exact on every path); for sigmoid / tanh, act is NONE and
 * act_fn (the active fp32 path's nnz_sigmoid / nnz_tanh kernel) is called on each stored
 * run of outputs, so int8 layers use exactly the fp32 path's functions. */
typedef void (*nnz_i8_unary_fn)(const float *x, float *y, size_t n);

/* C[M x N] from q rows (M x K, row stride ldq bytes) and the packed weights. */
typedef struct {
    int M, N, K;
    const uint8_t *q;
    ptrdiff_t ldq;
    const float *r;
    const int32_t *zp;
    const int8_t *w;        /* packed panels */
    const int32_t *colsum;  /* N */
    const float *scales;    /* N */
    const float *bias;      /* N or NULL (then + 0.0f) */
    int act;                /* NONE or RELU */
    nnz_i8_unary_fn act_fn; /* NULL or sigmoid / tanh, applied after the store */
    float *C;
    ptrdiff_t ldc;
} nnz_i8_gemm_args;

/* NHWC convolution over a u8 view (see nnz_conv2d_int8_nhwc); one sample: one r, one zp. */
typedef struct {
    int outH, outW, inC, kh, kw, sh, sw, outC;
    const uint8_t *in;
    ptrdiff_t in_rs;
    float r;
    int32_t zp;
    const int8_t *w;
    const int32_t *colsum;
    const float *scales;
    const float *bias;
    int act;
    nnz_i8_unary_fn act_fn;
    float *out;
    ptrdiff_t out_rs;
} nnz_i8_conv_args;

typedef struct {
    const char *name;
    /* *lo = min(0, min x), *hi = max(0, max x) over rows x n floats (row i at x + i*x_rs);
     * NaN is skipped (x < lo ? x : lo). */
    void (*minmax)(const float *x, int rows, size_t n, ptrdiff_t x_rs, float *lo, float *hi);
    /* q[i] = clamp(rint(x[i] * inv) + zpf, 0, 255), clamped in float (NaN -> 0), for rows x n
     * values (row r: x + r*x_rs into q + r*q_rs). */
    void (*quantize)(const float *x, int rows, size_t n, ptrdiff_t x_rs, float inv, float zpf, uint8_t *q,
                     ptrdiff_t q_rs);
    void (*gemm)(const nnz_i8_gemm_args *a);
    void (*conv)(const nnz_i8_conv_args *a);
    /* conv followed by a 2x2 stride-2 max-pool, out = the pooled view, act NONE or RELU;
     * NULL: the generic driver (conv two rows at a time into a buffer, then the max-pool). */
    void (*conv_pool2)(const nnz_i8_conv_args *a);
} nnz_int8_ops;

extern const nnz_int8_ops nnz_int8_portable;
#if defined(__x86_64__)
extern const nnz_int8_ops nnz_int8_avx2;
extern const nnz_int8_ops nnz_int8_avxvnni;
extern const nnz_int8_ops nnz_int8_avx512vnni;
#endif

/* The scalar quantization of one value: the reference every path reproduces. */
static inline uint8_t nnz_i8_quantize1(float x, float inv, float zpf) {
    float v = __builtin_rintf(x * inv);
    v = v + zpf;
    v = v > 0.0f ? v : 0.0f; /* NaN -> 0 */
    v = v < 255.0f ? v : 255.0f;
    return (uint8_t)(int)v;
}

#endif
