/* Inference convolution and pooling over NHWC views with weights packed once. */
#include "nnz_internal.h"
#include <stdlib.h>

/* ---------------------------------------------------------------------------------------
 * Inference convolution, NHWC
 * --------------------------------------------------------------------------------------- */

size_t nnz_conv_pack_size(int outC, int inC, int kh, int kw) {
    if (outC <= 0 || inC <= 0 || kh <= 0 || kw <= 0) return 0;
    return (size_t)round_up(outC, 16) * (size_t)inC * kh * kw;
}

void nnz_conv_pack(int outC, int inC, int kh, int kw, const float *weight, float *packed) {
    if (outC <= 0 || inC <= 0 || kh <= 0 || kw <= 0) return;
    ptrdiff_t K = (ptrdiff_t)inC * kh * kw;
    for (int col0 = 0; col0 < outC; col0 += 32) {
        int wg = nnz_conv_group_width(outC, col0);
        float *g = packed + K * col0;
        for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++)
                for (int c = 0; c < inC; c++) {
                    float *row = g + (((ptrdiff_t)i * kw + j) * inC + c) * wg;
                    for (int t = 0; t < wg; t++) {
                        int o = col0 + t;
                        row[t] = o < outC ? weight[(((ptrdiff_t)o * inC + c) * kh + i) * kw + j] : 0.0f;
                    }
                }
    }
}

void nnz_conv2d_nhwc(int outH, int outW, int inC, int kh, int kw, int sh, int sw,
                     const float *in, ptrdiff_t in_rs, const float *packed, const float *bias,
                     int outC, nnz_activation act, float *out, ptrdiff_t out_rs) {
    if (outH <= 0 || outW <= 0 || outC <= 0) return;
    const nnz_path_ops *ops = nnz_active_ops();
    if (inC <= 0 || kh <= 0 || kw <= 0) { /* empty sum: act(bias) */
        for (int oh = 0; oh < outH; oh++) {
            float *c = out + (ptrdiff_t)oh * out_rs;
            for (int ow = 0; ow < outW; ow++)
                for (int o = 0; o < outC; o++) c[(ptrdiff_t)ow * outC + o] = bias ? bias[o] : 0.0f;
            size_t n = (size_t)outW * outC;
            switch (act) {
            case NNZ_ACT_RELU: ops->relu(c, c, n); break;
            case NNZ_ACT_SIGMOID: ops->sigmoid(c, c, n); break;
            case NNZ_ACT_TANH: ops->tanh_(c, c, n); break;
            default: break;
            }
        }
        return;
    }
    nnz_conv_args a = {outH, outW, inC, kh, kw, sh, sw, outC, (int)act, in, in_rs, packed, bias, out, out_rs};
    ops->conv_nhwc(&a);
}

void nnz_conv2d_nhwc_pool2(int outH, int outW, int inC, int kh, int kw, int sh, int sw,
                           const float *in, ptrdiff_t in_rs, const float *packed, const float *bias,
                           int outC, nnz_activation act, float *out, ptrdiff_t out_rs) {
    int pH = outH / 2, pW = outW / 2;
    if (pH <= 0 || pW <= 0 || outC <= 0) return;
    const nnz_path_ops *ops = nnz_active_ops();
    if (inC > 0 && kh > 0 && kw > 0 && ops->conv_nhwc_pool2) {
        nnz_conv_args a = {outH, outW, inC, kh, kw, sh, sw, outC, (int)act, in, in_rs, packed, bias, out, out_rs};
        ops->conv_nhwc_pool2(&a);
        return;
    }
    /* Generic: two conv rows of up to `cw` (even) columns into a buffer, then the pool. */
    enum { BUF = 4096 };
    float stack_buf[BUF];
    float *heap = NULL, *buf = stack_buf;
    int cw = BUF / (2 * outC) / 2 * 2;
    if (cw < 2) {
        cw = 2;
        heap = malloc(sizeof(float) * 4 * (size_t)outC);
        if (!heap) return;
        buf = heap;
    }
    if (cw > 2 * pW) cw = 2 * pW;
    for (int py = 0; py < pH; py++)
        for (int x0 = 0; x0 < 2 * pW; x0 += cw) {
            int n = imin(cw, 2 * pW - x0);
            const float *a = in + (ptrdiff_t)(2 * py) * sh * in_rs + (ptrdiff_t)x0 * sw * inC;
            nnz_conv2d_nhwc(2, n, inC, kh, kw, sh, sw, a, in_rs, packed, bias, outC, act, buf, (ptrdiff_t)n * outC);
            nnz_maxpool_nhwc(outC, 2, n, buf, (ptrdiff_t)n * outC, 2, 2, 2, 2, 0, 0, 1, n / 2,
                             out + (ptrdiff_t)py * out_rs + (ptrdiff_t)(x0 / 2) * outC, out_rs);
        }
    free(heap);
}

void nnz_maxpool_nhwc(int C, int H, int W, const float *in, ptrdiff_t in_rs, int kh, int kw,
                      int sh, int sw, int ph, int pw, int outH, int outW, float *out,
                      ptrdiff_t out_rs) {
    if (C <= 0 || outH <= 0 || outW <= 0) return;
    nnz_pool_args a = {C, H, W, kh, kw, sh, sw, ph, pw, outH, outW, in, in_rs, out, out_rs};
    nnz_active_ops()->maxpool_nhwc(&a);
}
