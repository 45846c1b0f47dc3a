/* Layout changes of one image between NCHW rows and NHWC views. */
#include "nnz_internal.h"
#include <string.h>

void nnz_nchw_to_nhwc(int C, int H, int W, const float *src, float *dst, ptrdiff_t dst_rs) {
    if (C <= 0 || H <= 0 || W <= 0) return;
    if (C == 1) {
        for (int h = 0; h < H; h++)
            memcpy(dst + (ptrdiff_t)h * dst_rs, src + (ptrdiff_t)h * W, (size_t)W * sizeof(float));
        return;
    }
    ptrdiff_t plane = (ptrdiff_t)H * W;
    for (int h = 0; h < H; h++) {
        float *d = dst + (ptrdiff_t)h * dst_rs;
        const float *s = src + (ptrdiff_t)h * W;
        for (int w = 0; w < W; w++)
            for (int c = 0; c < C; c++) d[(ptrdiff_t)w * C + c] = s[c * plane + w];
    }
}

void nnz_nhwc_to_nchw(int C, int H, int W, const float *src, ptrdiff_t src_rs, float *dst) {
    if (C <= 0 || H <= 0 || W <= 0) return;
    ptrdiff_t plane = (ptrdiff_t)H * W;
    if (C == 1) {
        for (int h = 0; h < H; h++)
            memcpy(dst + (ptrdiff_t)h * W, src + (ptrdiff_t)h * src_rs, (size_t)W * sizeof(float));
        return;
    }
    /* blocks of 8 channels: 8 output rows written at a time, the source read once */
    for (int c0 = 0; c0 < C; c0 += 8) {
        int nc = imin(8, C - c0);
        for (int h = 0; h < H; h++) {
            const float *s = src + (ptrdiff_t)h * src_rs + c0;
            float *d = dst + (ptrdiff_t)c0 * plane + (ptrdiff_t)h * W;
            for (int w = 0; w < W; w++)
                for (int c = 0; c < nc; c++) d[c * plane + w] = s[(ptrdiff_t)w * C + c];
        }
    }
}
