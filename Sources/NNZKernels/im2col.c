/* im2col / col2im for the trainer's NCHW convolution (im2col + GEMM). */
#include "nnz_internal.h"
#include <string.h>

/* ---------------------------------------------------------------------------------------
 * im2col / col2im / convolution
 * --------------------------------------------------------------------------------------- */

static inline int floor_div(int a, int b) { /* b > 0 */
    int q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}
static inline int ceil_div(int a, int b) { /* b > 0 */
    return -floor_div(-a, b);
}

/* Range of output columns ow in [ow0, ow0+run) whose input column ow*sw - pw + j is inside
 * [0, W): returns [*lo, *hi) clipped to the run (as offsets t = ow - ow0). */
static inline void valid_cols(int ow0, int run, int sw, int pw, int j, int W, int *lo, int *hi) {
    int a = ceil_div(pw - j, sw);               /* first ow with iw >= 0 */
    int b = floor_div(W - 1 + pw - j, sw) + 1;  /* one past last ow with iw <= W-1 */
    int l = imax(a - ow0, 0), h = imin(b - ow0, run);
    if (h < l) h = l;
    *lo = l;
    *hi = h;
}

/* dst[t] = row[(ow0+t)*sw - pw + j] (0 outside [0, W)), t in [0, run). */
static inline void gather_row(float *dst, const float *row, int W, int ow0, int run, int sw, int pw,
                              int j) {
    int lo, hi;
    valid_cols(ow0, run, sw, pw, j, W, &lo, &hi);
    int t = 0;
    for (; t < lo; t++) dst[t] = 0.0f;
    const float *s = row + (ptrdiff_t)(ow0 + lo) * sw - pw + j;
    if (hi <= lo) {
    } else if (sw == 1) {
        memcpy(dst + lo, s, (size_t)(hi - lo) * sizeof(float));
    } else {
        for (t = lo; t < hi; t++) dst[t] = s[(ptrdiff_t)(t - lo) * sw];
    }
    for (t = hi; t < run; t++) dst[t] = 0.0f;
}

void nnz_im2col(const float *img, int inC, int H, int W, int kh, int kw, int sh, int sw, int ph, int pw,
                int outH, int outW, float *cols) {
    if (outH <= 0 || outW <= 0) return;
    ptrdiff_t P = (ptrdiff_t)outH * outW;
    for (int c = 0; c < inC; c++)
        for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++) {
                float *d = cols + ((ptrdiff_t)(c * kh + i) * kw + j) * P;
                const float *ch = img + (ptrdiff_t)c * H * W;
                for (int oh = 0; oh < outH; oh++) {
                    int ih = oh * sh - ph + i;
                    float *dr = d + (ptrdiff_t)oh * outW;
                    if (ih < 0 || ih >= H)
                        memset(dr, 0, (size_t)outW * sizeof(float));
                    else
                        gather_row(dr, ch + (ptrdiff_t)ih * W, W, 0, outW, sw, pw, j);
                }
            }
}

void nnz_col2im(const float *cols, int inC, int H, int W, int kh, int kw, int sh, int sw, int ph, int pw,
                int outH, int outW, float *img) {
    if (outH <= 0 || outW <= 0) return;
    ptrdiff_t P = (ptrdiff_t)outH * outW;
    for (int c = 0; c < inC; c++)
        for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++) {
                const float *s = cols + ((ptrdiff_t)(c * kh + i) * kw + j) * P;
                float *ch = img + (ptrdiff_t)c * H * W;
                int lo, hi;
                valid_cols(0, outW, sw, pw, j, W, &lo, &hi);
                for (int oh = 0; oh < outH; oh++) {
                    int ih = oh * sh - ph + i;
                    if (ih < 0 || ih >= H) continue;
                    const float *sr = s + (ptrdiff_t)oh * outW;
                    float *dr = ch + (ptrdiff_t)ih * W - pw + j;
                    for (int ow = lo; ow < hi; ow++) dr[(ptrdiff_t)ow * sw] += sr[ow];
                }
            }
}
