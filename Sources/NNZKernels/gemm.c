/* GEMM drivers (path independent): cache blocking, packing of A and B, and the loops that
 * call the active path's macro-kernels, GEMV and dot-row kernels. */
#include "nnz_internal.h"
#include <stdlib.h>
#include <string.h>

/* Cache blocking (floats).  KC x 32 B micro-panel (32 KB) fits L1, MC x KC block of A
 * (120 KB) and KC x NC slice of B (512 KB) fit L2.  MC is a multiple of every path's MR. */
#define KC 256
#define MC 120
#define NC 512

/* Stack buffer for the packing of small sgemm problems (floats). */
#define SGEMM_STACK_FLOATS 8192

/* K-block length: K split into equal blocks of at most KC (a multiple of 4 unless K is small),
 * so that no tiny last block pays a full C read-modify-write. */
static inline int k_step(int K) {
    if (K <= KC) return K;
    int nb = (K + KC - 1) / KC;
    return round_up((K + nb - 1) / nb, 4);
}

/* ---------------------------------------------------------------------------------------
 * Packing
 * --------------------------------------------------------------------------------------- */

size_t nnz_pack_b_size(int K, int N) {
    if (K <= 0 || N <= 0) return 0;
    return (size_t)round_up(N, NNZ_NR) * (size_t)K;
}

/* Pack op(B)[k0..k0+kc) x [j0..j0+nc) into panels of 32 columns, panel stride kc*32.
 * op(B)(k, j) = B[k*ldb + j] (trans == 0) or B[j*ldb + k] (trans != 0). */
static void pack_b_block(int trans, const float *B, ptrdiff_t ldb, int k0, int j0, int kc, int nc,
                         float *Bp) {
    int npanels = (nc + NNZ_NR - 1) / NNZ_NR;
    for (int p = 0; p < npanels; p++) {
        float *d = Bp + (ptrdiff_t)p * kc * NNZ_NR;
        int jb = j0 + p * NNZ_NR;
        int nr = imin(NNZ_NR, nc - p * NNZ_NR);
        if (!trans) {
            for (int k = 0; k < kc; k++) {
                const float *s = B + (ptrdiff_t)(k0 + k) * ldb + jb;
                float *dk = d + (ptrdiff_t)k * NNZ_NR;
                memcpy(dk, s, (size_t)nr * sizeof(float));
                for (int j = nr; j < NNZ_NR; j++) dk[j] = 0.0f;
            }
        } else {
            for (int j = 0; j < nr; j++) {
                const float *s = B + (ptrdiff_t)(jb + j) * ldb + k0;
                for (int k = 0; k < kc; k++) d[(ptrdiff_t)k * NNZ_NR + j] = s[k];
            }
            if (nr < NNZ_NR)
                for (int k = 0; k < kc; k++)
                    for (int j = nr; j < NNZ_NR; j++) d[(ptrdiff_t)k * NNZ_NR + j] = 0.0f;
        }
    }
}

void nnz_pack_b(int K, int N, const float *B, int ldb, float *packed) {
    if (K <= 0 || N <= 0) return;
    /* Full-K panels: panel p at packed + p*K*32. */
    pack_b_block(0, B, ldb, 0, 0, K, N, packed);
}

/* Pack op(A) = A^T rows [i0, i0+mc), k in [k0, k0+kc) (A stored K x M, element (i,k) at
 * A[k*lda + i]) into mr-row blocks: block b at Ap + b*mr*kc, element [k*mr + i%mr]; or, if
 * rows, row-major Ap[i*kc + k]. */
static void pack_a_trans(const float *A, ptrdiff_t lda, int i0, int k0, int mc, int kc, int mr,
                         int rows_layout, float *Ap) {
    if (rows_layout) {
        for (int k = 0; k < kc; k++) {
            const float *s = A + (ptrdiff_t)(k0 + k) * lda + i0;
            for (int i = 0; i < mc; i++) Ap[(ptrdiff_t)i * kc + k] = s[i];
        }
        return;
    }
    for (int b = 0; b * mr < mc; b++) {
        int rows = imin(mr, mc - b * mr);
        float *d = Ap + (ptrdiff_t)b * mr * kc;
        for (int k = 0; k < kc; k++) {
            const float *s = A + (ptrdiff_t)(k0 + k) * lda + i0 + b * mr;
            float *dk = d + (ptrdiff_t)k * mr;
            int i = 0;
            for (; i < rows; i++) dk[i] = s[i];
            for (; i < mr; i++) dk[i] = 0.0f;
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * GEMM drivers
 * --------------------------------------------------------------------------------------- */

/* C = act(A * B + bias_n[j]) with A unpacked (M x K, lda) and B packed with full K (panel
 * stride K*32).  C is overwritten. */
static void gemm_bp(const nnz_path_ops *ops, int M, int N, int K, const float *A, ptrdiff_t lda,
                    const float *Bp, float *C, ptrdiff_t ldc, const float *bias_n, int act) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        for (int i = 0; i < M; i++) {
            float *c = C + (ptrdiff_t)i * ldc;
            for (int j = 0; j < N; j++) c[j] = bias_n ? bias_n[j] : 0.0f;
            switch (act) {
            case NNZ_ACT_RELU: ops->relu(c, c, (size_t)N); break;
            case NNZ_ACT_SIGMOID: ops->sigmoid(c, c, (size_t)N); break;
            case NNZ_ACT_TANH: ops->tanh_(c, c, (size_t)N); break;
            default: break;
            }
        }
        return;
    }
    ptrdiff_t ps = (ptrdiff_t)K * NNZ_NR;
    if (M == 1) {
        /* Same k blocks and same epilogue sequence as the tiles below: bitwise batch
         * invariance (a row's result does not depend on M or on how rows are split). */
        for (int pc = 0, ks = k_step(K); pc < K; pc += ks) {
            int kc = imin(ks, K - pc);
            int last = pc + kc == K;
            nnz_epi e = {1.0f, pc == 0 ? 0.0f : 1.0f, last ? bias_n : NULL, NULL, last ? act : NNZ_ACT_NONE};
            ops->gemv(N, kc, A + pc, 1, Bp + (ptrdiff_t)pc * NNZ_NR, ps, NNZ_NR, C, &e);
        }
        return;
    }
    for (int jc = 0; jc < N; jc += NC) {
        int nc = imin(NC, N - jc);
        for (int pc = 0, ks = k_step(K); pc < K; pc += ks) {
            int kc = imin(ks, K - pc);
            int last = pc + kc == K;
            for (int ic = 0; ic < M; ic += MC) {
                int mc = imin(MC, M - ic);
                nnz_epi e = {1.0f, pc == 0 ? 0.0f : 1.0f, (last && bias_n) ? bias_n + jc : NULL, NULL,
                             last ? act : NNZ_ACT_NONE};
                ops->macro_unpacked(mc, nc, kc, A + (ptrdiff_t)ic * lda + pc, lda,
                                    Bp + (ptrdiff_t)(jc / NNZ_NR) * ps + (ptrdiff_t)pc * NNZ_NR, ps,
                                    C + (ptrdiff_t)ic * ldc + jc, ldc, &e);
            }
        }
    }
}

void nnz_gemm_packed(int M, int N, int K, const float *A, int lda, const float *packed,
                     const float *bias, nnz_activation act, float *C, int ldc) {
    gemm_bp(nnz_active_ops(), M, N, K, A, lda, packed, C, ldc, bias, (int)act);
}

/* C = beta*C (beta == 0: C = 0 without reading it). */
static void scale_c(int M, int N, float beta, float *C, ptrdiff_t ldc) {
    for (int i = 0; i < M; i++) {
        float *c = C + (ptrdiff_t)i * ldc;
        if (beta == 0.0f)
            memset(c, 0, (size_t)N * sizeof(float));
        else if (beta != 1.0f)
            for (int j = 0; j < N; j++) c[j] *= beta;
    }
}

static void sgemm_packed(const nnz_path_ops *ops, int transA, int transB, int M, int N, int K,
                         float alpha, const float *A, ptrdiff_t lda, const float *B, ptrdiff_t ldb,
                         float beta, float *C, ptrdiff_t ldc);

void nnz_sgemm(int transA, int transB, int M, int N, int K, float alpha,
               const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0.0f) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    const nnz_path_ops *ops = nnz_active_ops();
    if (M == 1 && !(transA && transB)) {
        /* GEMV without packing: B is streamed once anyway. */
        nnz_epi e = {alpha, beta, NULL, NULL, NNZ_ACT_NONE};
        if (!transB)
            ops->gemv(N, K, A, transA ? lda : 1, B, NNZ_NR, ldb, C, &e);
        else
            ops->dotrows(N, K, A, B, ldb, C, &e);
        return;
    }
    int mr = ops->mr;
    if (!transB && M <= 2 * mr && ops->macro_rowb) {
        /* Small M: B is used at most twice, packing it would cost more than it saves. */
        nnz_epi e = {alpha, beta, NULL, NULL, NNZ_ACT_NONE};
        ops->macro_rowb(M, N, K, A, transA ? 1 : lda, transA ? lda : 1, B, ldb, C, ldc, &e);
        return;
    }
    sgemm_packed(ops, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* General case: Goto-style blocking with B packed per (KC x NC) block and A^T packed per
 * (MC x KC) block.  Separate function so that the small paths above do not reserve its
 * 32 KB stack buffer. */
static __attribute__((noinline)) void
sgemm_packed(const nnz_path_ops *ops, int transA, int transB, int M, int N, int K, float alpha,
             const float *A, ptrdiff_t lda, const float *B, ptrdiff_t ldb, float beta, float *C,
             ptrdiff_t ldc) {
    int mr = ops->mr;
    int kcb = k_step(K);
    int ncb = imin(round_up(N, NNZ_NR), NC);
    int mcb = imin(round_up(M, mr), MC);
    size_t bfl = (size_t)kcb * ncb;
    size_t afl = transA ? (size_t)mcb * kcb : 0;
    size_t total = bfl + afl;

    _Alignas(64) float stack_buf[SGEMM_STACK_FLOATS];
    float *heap = NULL, *buf = stack_buf;
    if (total > SGEMM_STACK_FLOATS) {
        if (posix_memalign((void **)&heap, 64, total * sizeof(float)) != 0 || heap == NULL) {
            /* Out of memory: plain loops (slow but correct). */
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++) {
                    float s = 0.0f;
                    for (int k = 0; k < K; k++) {
                        float a = transA ? A[(ptrdiff_t)k * lda + i] : A[(ptrdiff_t)i * lda + k];
                        float b = transB ? B[(ptrdiff_t)j * ldb + k] : B[(ptrdiff_t)k * ldb + j];
                        s += a * b;
                    }
                    float *c = C + (ptrdiff_t)i * ldc + j;
                    *c = alpha * s + (beta == 0.0f ? 0.0f : beta * *c);
                }
            return;
        }
        buf = heap;
    }
    float *Bp = buf;
    float *Ap = buf + bfl;

    for (int jc = 0; jc < N; jc += NC) {
        int nc = imin(NC, N - jc);
        for (int pc = 0, ks = k_step(K); pc < K; pc += ks) {
            int kc = imin(ks, K - pc);
            pack_b_block(transB, B, ldb, pc, jc, kc, nc, Bp);
            nnz_epi e = {alpha, pc == 0 ? beta : 1.0f, NULL, NULL, NNZ_ACT_NONE};
            if (M == 1) { /* transA && transB: column of A (stride lda) times packed B */
                ops->gemv(nc, kc, A + (ptrdiff_t)pc * lda, lda, Bp, (ptrdiff_t)kc * NNZ_NR, NNZ_NR,
                          C + jc, &e);
                continue;
            }
            for (int ic = 0; ic < M; ic += MC) {
                int mc = imin(MC, M - ic);
                float *c = C + (ptrdiff_t)ic * ldc + jc;
                if (transA) {
                    pack_a_trans(A, lda, ic, pc, mc, kc, mr, ops->pack_a_rows, Ap);
                    ops->macro_packed(mc, nc, kc, Ap, Bp, (ptrdiff_t)kc * NNZ_NR, c, ldc, &e);
                } else {
                    ops->macro_unpacked(mc, nc, kc, A + (ptrdiff_t)ic * lda + pc, lda, Bp,
                                        (ptrdiff_t)kc * NNZ_NR, c, ldc, &e);
                }
            }
        }
    }
    free(heap);
}
