/* Winograd F(2x2, 3x3) in plain C, shared by the portable and AVX2 paths (included by
 * kernels_portable.c and kernels_avx2.c; the including function's target attributes apply, so
 * the 16-lane loops vectorise for that path).  The 16 GEMMs go through the path's own
 * conv_nhwc (as 1x1 convolutions), the activation through its elementwise kernels.  Not a
 * public header. */
#ifndef NNZ_WINO_GENERIC_H
#define NNZ_WINO_GENERIC_H

#include "nnz_internal.h"

static inline __attribute__((always_inline)) void
nnz_wino_generic(const nnz_wino_args *p, const nnz_path_ops *ops) {
    const int inC = p->inC, outC = p->outC;
    const int tilesH = p->pool ? p->outH / 2 : (p->outH + 1) / 2;
    const int tilesW = p->pool ? p->outW / 2 : (p->outW + 1) / 2;
    const int T = tilesH * tilesW, ocp = (outC + 15) / 16 * 16, ncb = (inC + 15) / 16;
    /* V[t][cb][xi][16] (as the AVX-512 path: the GEMMs read it as 1x1 convolutions with the
     * channel blocks as taps), M[xi][t][outC] */
    const ptrdiff_t vrow = (ptrdiff_t)ncb * 256, ms = (ptrdiff_t)NNZ_WINO_TB * outC;
    float *V = p->work, *M = p->work + NNZ_WINO_TB * vrow;
    const ptrdiff_t in_rs = p->in_rs;
    int nblk = (T + NNZ_WINO_TB - 1) / NNZ_WINO_TB;
    for (int blk = 0; blk < nblk; blk++) {
        int t0 = (int)((long)T * blk / nblk), nb = (int)((long)T * (blk + 1) / nblk) - t0;
        for (int t = 0; t < nb; t++) {
            int ty = (t0 + t) / tilesW, tx = (t0 + t) % tilesW;
            int r0 = 2 * ty, c0 = 2 * tx;
            int rows = p->outH + 2 - r0 < 4 ? p->outH + 2 - r0 : 4;
            int cols = p->outW + 2 - c0 < 4 ? p->outW + 2 - c0 : 4;
            const float *base = p->in + (ptrdiff_t)r0 * in_rs + (ptrdiff_t)c0 * inC;
            for (int c = 0; c < 16 * ncb; c += 16) {
                int n = inC - c < 16 ? inC - c : 16;
                float d[4][4][16], tt[4][4][16];
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++) {
                        const float *s = base + i * in_rs + (ptrdiff_t)j * inC + c;
                        int ok = i < rows && j < cols;
                        for (int l = 0; l < 16; l++) d[i][j][l] = ok && l < n ? s[l] : 0.0f;
                    }
                for (int j = 0; j < 4; j++)
                    for (int l = 0; l < 16; l++) {
                        tt[0][j][l] = d[0][j][l] - d[2][j][l];
                        tt[1][j][l] = d[1][j][l] + d[2][j][l];
                        tt[2][j][l] = d[2][j][l] - d[1][j][l];
                        tt[3][j][l] = d[1][j][l] - d[3][j][l];
                    }
                float *v = V + (ptrdiff_t)t * vrow + 16 * c;
                for (int i = 0; i < 4; i++)
                    for (int l = 0; l < 16; l++) {
                        v[(4 * i + 0) * 16 + l] = tt[i][0][l] - tt[i][2][l];
                        v[(4 * i + 1) * 16 + l] = tt[i][1][l] + tt[i][2][l];
                        v[(4 * i + 2) * 16 + l] = tt[i][2][l] - tt[i][1][l];
                        v[(4 * i + 3) * 16 + l] = tt[i][1][l] - tt[i][3][l];
                    }
            }
        }
        for (int xi = 0; xi < 16; xi++) {
            nnz_conv_args g = {1, nb, 16, ncb, 1, 1, (int)ncb * 16, outC, NNZ_ACT_NONE, V + xi * 16, 256,
                               p->w + (ptrdiff_t)xi * ncb * 16 * ocp, NULL, M + xi * ms, 0};
            ops->conv_nhwc(&g);
        }
        for (int t = 0; t < nb; t++) {
            int ty = (t0 + t) / tilesW, tx = (t0 + t) % tilesW;
            for (int o = 0; o < outC; o += 16) {
                int n = outC - o < 16 ? outC - o : 16;
                const float *mp = M + (ptrdiff_t)t * outC + o;
                float y[4][16];
                for (int l = 0; l < n; l++) {
                    float s0[4], s1[4];
                    for (int j = 0; j < 4; j++) {
                        float a0 = mp[(0 + j) * ms + l], a1 = mp[(4 + j) * ms + l];
                        float a2 = mp[(8 + j) * ms + l], a3 = mp[(12 + j) * ms + l];
                        s0[j] = (a0 + a1) + a2;
                        s1[j] = (a1 - a2) - a3;
                    }
                    float b = p->bias ? p->bias[o + l] : 0.0f;
                    y[0][l] = ((s0[0] + s0[1]) + s0[2]) + b;
                    y[1][l] = ((s0[1] - s0[2]) - s0[3]) + b;
                    y[2][l] = ((s1[0] + s1[1]) + s1[2]) + b;
                    y[3][l] = ((s1[1] - s1[2]) - s1[3]) + b;
                }
                for (int q = 0; q < 4; q++) {
                    switch (p->act) {
                    case NNZ_ACT_RELU: ops->relu(y[q], y[q], (size_t)n); break;
                    case NNZ_ACT_SIGMOID: ops->sigmoid(y[q], y[q], (size_t)n); break;
                    case NNZ_ACT_TANH: ops->tanh_(y[q], y[q], (size_t)n); break;
                    default: break;
                    }
                }
                if (p->pool) {
                    float *c = p->out + (ptrdiff_t)ty * p->out_rs + (ptrdiff_t)tx * outC + o;
                    for (int l = 0; l < n; l++) {
                        float best = y[0][l];
                        for (int q = 1; q < 4; q++) {
                            float v = y[q][l];
                            if (v > best || (v != v && best == best)) best = v;
                        }
                        c[l] = best;
                    }
                } else {
                    int oy = 2 * ty, ox = 2 * tx;
                    float *c = p->out + (ptrdiff_t)oy * p->out_rs + (ptrdiff_t)ox * outC + o;
                    int right = ox + 1 < p->outW, down = oy + 1 < p->outH;
                    for (int l = 0; l < n; l++) {
                        c[l] = y[0][l];
                        if (right) c[outC + l] = y[1][l];
                        if (down) c[p->out_rs + l] = y[2][l];
                        if (right && down) c[p->out_rs + outC + l] = y[3][l];
                    }
                }
            }
        }
    }
}

#endif
