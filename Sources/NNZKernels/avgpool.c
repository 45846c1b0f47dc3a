/* Average pooling: the NHWC entry point of the runtime (dispatched) and the NCHW forward and
 * backward of the trainer (plain C, the same arithmetic). */
#include "nnz_internal.h"
#include <string.h>

void nnz_avgpool_nhwc(int C, int H, int W, const float *in, ptrdiff_t in_rs, int kh, int kw,
                      int sh, int sw, int ph, int pw, int outH, int outW, int count_include_pad,
                      float *out, ptrdiff_t out_rs) {
    if (C <= 0 || outH <= 0 || outW <= 0) return;
    nnz_pool_args a = {C, H, W, kh, kw, sh, sw, ph, pw, outH, outW, in, in_rs, out, out_rs, count_include_pad != 0};
    nnz_active_ops()->avgpool_nhwc(&a);
}

void nnz_avgpool_forward(int n, int C, int H, int W, const float *input, int kh, int kw,
                         int sh, int sw, int ph, int pw, int outH, int outW, int count_include_pad,
                         float *output) {
    if (n <= 0 || C <= 0 || outH <= 0 || outW <= 0) return;
    for (ptrdiff_t pl = 0; pl < (ptrdiff_t)n * C; pl++) {
        const float *plane = input + pl * H * W;
        float *out = output + pl * outH * outW;
        for (int oh = 0; oh < outH; oh++) {
            int h0 = oh * sh - ph;
            int hs = imax(h0, 0), he = imin(h0 + kh, H);
            for (int ow = 0; ow < outW; ow++) {
                int w0 = ow * sw - pw;
                int ws = imax(w0, 0), we = imin(w0 + kw, W);
                float *o = out + (ptrdiff_t)oh * outW + ow;
                if (hs >= he || ws >= we) {
                    *o = 0.0f;
                    continue;
                }
                float sum = plane[(ptrdiff_t)hs * W + ws];
                for (int h = hs; h < he; h++)
                    for (int w = (h == hs ? ws + 1 : ws); w < we; w++) sum += plane[(ptrdiff_t)h * W + w];
                *o = sum / nnz_avgpool_divisor(count_include_pad, kh, kw, he - hs, we - ws);
            }
        }
    }
}

void nnz_avgpool_backward(int n, int C, int H, int W, const float *dy, int kh, int kw,
                          int sh, int sw, int ph, int pw, int outH, int outW,
                          int count_include_pad, float *dx) {
    if (n <= 0 || C <= 0 || H <= 0 || W <= 0) return;
    memset(dx, 0, sizeof(float) * (size_t)n * C * H * W);
    if (outH <= 0 || outW <= 0) return;
    for (ptrdiff_t pl = 0; pl < (ptrdiff_t)n * C; pl++) {
        float *plane = dx + pl * H * W;
        const float *g = dy + pl * outH * outW;
        for (int oh = 0; oh < outH; oh++) {
            int h0 = oh * sh - ph;
            int hs = imax(h0, 0), he = imin(h0 + kh, H);
            for (int ow = 0; ow < outW; ow++) {
                int w0 = ow * sw - pw;
                int ws = imax(w0, 0), we = imin(w0 + kw, W);
                if (hs >= he || ws >= we) continue;
                float share = g[(ptrdiff_t)oh * outW + ow] / nnz_avgpool_divisor(count_include_pad, kh, kw, he - hs, we - ws);
                for (int h = hs; h < he; h++)
                    for (int w = ws; w < we; w++) plane[(ptrdiff_t)h * W + w] += share;
            }
        }
    }
}
