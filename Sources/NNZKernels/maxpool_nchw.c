/* NCHW max-pool with argmax, for the trainer (the runtime pools NHWC, conv_nhwc.c). */
#include "nnz_internal.h"

/* ---------------------------------------------------------------------------------------
 * Pooling
 * --------------------------------------------------------------------------------------- */

void nnz_maxpool_forward(int n, int C, int H, int W, const float *input, int kh, int kw, int sh, int sw,
                         int ph, int pw, int outH, int outW, float *output, int32_t *argmax) {
    if (n <= 0 || C <= 0 || outH <= 0 || outW <= 0) return;
    for (int pl = 0; pl < n * C; pl++) {
        ptrdiff_t base = (ptrdiff_t)pl * H * W;
        const float *plane = input + base;
        float *out = output + (ptrdiff_t)pl * outH * outW;
        int32_t *am = argmax ? argmax + (ptrdiff_t)pl * outH * outW : NULL;
        for (int oh = 0; oh < outH; oh++) {
            int h0 = oh * sh - ph;
            int hs = imax(h0, 0), he = imin(h0 + kh, H);
            for (int ow = 0; ow < outW; ow++) {
                int w0 = ow * sw - pw;
                int ws = imax(w0, 0), we = imin(w0 + kw, W);
                float best = 0.0f;
                ptrdiff_t idx = -1;
                for (int h = hs; h < he; h++) {
                    const float *r = plane + (ptrdiff_t)h * W;
                    for (int w = ws; w < we; w++) {
                        float v = r[w];
                        /* first element, a larger one, or the first NaN (which then sticks) */
                        if (idx < 0 || v > best || (v != v && best == best)) {
                            best = v;
                            idx = (ptrdiff_t)h * W + w;
                        }
                    }
                }
                out[(ptrdiff_t)oh * outW + ow] = best;
                if (am) am[(ptrdiff_t)oh * outW + ow] = idx < 0 ? -1 : (int32_t)(base + idx);
            }
        }
    }
}
