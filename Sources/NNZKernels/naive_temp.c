// Temporary plain implementation so the runtime can build before the real kernels land.
#include "nnz_kernels.h"
#include <math.h>
#include <string.h>
#include <float.h>
const char *nnz_kernels_path(void) { return "portable"; }
void nnz_kernels_force_path(int path) { (void)path; }
static float act1(float v, nnz_activation a) {
    switch (a) { case NNZ_ACT_RELU: return v > 0 ? v : 0; case NNZ_ACT_SIGMOID: return 1.0f / (1.0f + expf(-v));
    case NNZ_ACT_TANH: return tanhf(v); default: return v; }
}
void nnz_sgemm(int tA, int tB, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) {
        float s = 0;
        for (int k = 0; k < K; k++) s += (tA ? A[k * lda + i] : A[i * lda + k]) * (tB ? B[j * ldb + k] : B[k * ldb + j]);
        C[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * C[i * ldc + j]);
    }
}
size_t nnz_pack_b_size(int K, int N) { return (size_t)K * N; }
void nnz_pack_b(int K, int N, const float *B, int ldb, float *p) { for (int k = 0; k < K; k++) memcpy(p + (size_t)k * N, B + (size_t)k * ldb, sizeof(float) * N); }
void nnz_gemm_packed(int M, int N, int K, const float *A, int lda, const float *p, const float *bias, nnz_activation act, float *C, int ldc) {
    nnz_sgemm(0, 0, M, N, K, 1, A, lda, p, N, 0, C, ldc);
    for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) C[i * ldc + j] = act1(C[i * ldc + j] + (bias ? bias[j] : 0), act);
}
void nnz_relu(const float *x, float *y, size_t n) { for (size_t i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0; }
void nnz_sigmoid(const float *x, float *y, size_t n) { for (size_t i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i])); }
void nnz_tanh(const float *x, float *y, size_t n) { for (size_t i = 0; i < n; i++) y[i] = tanhf(x[i]); }
void nnz_softmax_rows(const float *x, float *y, int rows, int cols) {
    for (int r = 0; r < rows; r++) { const float *a = x + (size_t)r * cols; float *b = y + (size_t)r * cols; float m = a[0];
        for (int j = 1; j < cols; j++) if (a[j] > m) m = a[j]; float s = 0;
        for (int j = 0; j < cols; j++) { b[j] = expf(a[j] - m); s += b[j]; } for (int j = 0; j < cols; j++) b[j] /= s; }
}
void nnz_scale_shift_channels(const float *x, float *y, int n, int C, int S, const float *sc, const float *sh) {
    for (int i = 0; i < n; i++) for (int c = 0; c < C; c++) for (int s = 0; s < S; s++) { size_t o = ((size_t)i * C + c) * S + s; y[o] = x[o] * sc[c] + (sh ? sh[c] : 0); }
}
void nnz_im2col(const float *img, int inC, int H, int W, int kh, int kw, int sh, int sw, int ph, int pw, int oH, int oW, float *cols) {
    for (int c = 0; c < inC; c++) for (int u = 0; u < kh; u++) for (int v = 0; v < kw; v++) {
        float *row = cols + ((size_t)(c * kh + u) * kw + v) * oH * oW;
        for (int r = 0; r < oH; r++) for (int s = 0; s < oW; s++) { int y = r * sh - ph + u, x = s * sw - pw + v;
            row[r * oW + s] = (y >= 0 && y < H && x >= 0 && x < W) ? img[((size_t)c * H + y) * W + x] : 0; } }
}
void nnz_col2im(const float *cols, int inC, int H, int W, int kh, int kw, int sh, int sw, int ph, int pw, int oH, int oW, float *img) {
    for (int c = 0; c < inC; c++) for (int u = 0; u < kh; u++) for (int v = 0; v < kw; v++) {
        const float *row = cols + ((size_t)(c * kh + u) * kw + v) * oH * oW;
        for (int r = 0; r < oH; r++) for (int s = 0; s < oW; s++) { int y = r * sh - ph + u, x = s * sw - pw + v;
            if (y >= 0 && y < H && x >= 0 && x < W) img[((size_t)c * H + y) * W + x] += row[r * oW + s]; } }
}
size_t nnz_conv2d_workspace_size(int inC, int kh, int kw, int oH, int oW) { return (size_t)inC * kh * kw * oH * oW; }
void nnz_conv2d_forward(int n, const float *in, int inC, int H, int W, const float *w, const float *b, int oC, int kh, int kw,
                        int sh, int sw, int ph, int pw, nnz_activation act, float *out, float *ws) {
    int oH = (H + 2 * ph - kh) / sh + 1, oW = (W + 2 * pw - kw) / sw + 1, K = inC * kh * kw, P = oH * oW;
    for (int i = 0; i < n; i++) {
        nnz_im2col(in + (size_t)i * inC * H * W, inC, H, W, kh, kw, sh, sw, ph, pw, oH, oW, ws);
        float *o = out + (size_t)i * oC * P;
        nnz_sgemm(0, 0, oC, P, K, 1, w, K, ws, P, 0, o, P);
        for (int c = 0; c < oC; c++) for (int p = 0; p < P; p++) o[c * P + p] = act1(o[c * P + p] + (b ? b[c] : 0), act);
    }
}
void nnz_maxpool_forward(int n, int C, int H, int W, const float *in, int kh, int kw, int sh, int sw, int ph, int pw, int oH, int oW, float *out, int32_t *am) {
    for (int i = 0; i < n; i++) for (int c = 0; c < C; c++) for (int r = 0; r < oH; r++) for (int s = 0; s < oW; s++) {
        float m = -FLT_MAX; int32_t best = -1;
        for (int u = 0; u < kh; u++) for (int v = 0; v < kw; v++) { int y = r * sh - ph + u, x = s * sw - pw + v;
            if (y < 0 || y >= H || x < 0 || x >= W) continue; size_t idx = (((size_t)i * C + c) * H + y) * W + x;
            if (best < 0 || in[idx] > m) { m = in[idx]; best = (int32_t)idx; } }
        size_t o = (((size_t)i * C + c) * oH + r) * oW + s; out[o] = m; if (am) am[o] = best; }
}
