/* Elementwise and rowwise entry points: thin wrappers over the active path. */
#include "nnz_internal.h"

/* ---------------------------------------------------------------------------------------
 * Elementwise / rowwise
 * --------------------------------------------------------------------------------------- */

void nnz_relu(const float *x, float *y, size_t n) { nnz_active_ops()->relu(x, y, n); }
void nnz_sigmoid(const float *x, float *y, size_t n) { nnz_active_ops()->sigmoid(x, y, n); }
void nnz_tanh(const float *x, float *y, size_t n) { nnz_active_ops()->tanh_(x, y, n); }
void nnz_leaky_relu(const float *x, float *y, size_t n, float alpha) { nnz_active_ops()->leaky_relu(x, y, n, alpha); }

void nnz_softmax_rows(const float *x, float *y, int rows, int cols) {
    if (rows <= 0 || cols <= 0) return;
    nnz_active_ops()->softmax(x, y, rows, cols);
}

void nnz_scale_shift_channels(const float *x, float *y, int n, int channels, int spatial,
                              const float *scale, const float *shift) {
    if (n <= 0 || channels <= 0 || spatial <= 0) return;
    const nnz_path_ops *ops = nnz_active_ops();
    for (int i = 0; i < n; i++)
        for (int c = 0; c < channels; c++) {
            ptrdiff_t off = ((ptrdiff_t)i * channels + c) * spatial;
            ops->scale_shift(x + off, y + off, (size_t)spatial, scale ? scale[c] : 1.0f,
                             shift ? shift[c] : 0.0f);
        }
}

void nnz_normalize_rows(const float *x, float *y, int rows, int width, const float *offset,
                        const float *divisor, int broadcast) {
    if (rows <= 0 || width <= 0) return;
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (ptrdiff_t)r * width;
        float *yr = y + (ptrdiff_t)r * width;
        if (broadcast) {
            const float a = offset[0], b = divisor[0];
            for (int i = 0; i < width; i++) yr[i] = (xr[i] - a) / b;
        } else {
            for (int i = 0; i < width; i++) yr[i] = (xr[i] - offset[i]) / divisor[i];
        }
    }
}
