#ifndef NNZ_KERNELS_H
#define NNZ_KERNELS_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef enum { NNZ_ACT_NONE = 0, NNZ_ACT_RELU = 1, NNZ_ACT_SIGMOID = 2, NNZ_ACT_TANH = 3 } nnz_activation;
const char *nnz_kernels_path(void);
void nnz_kernels_force_path(int path);
void nnz_sgemm(int transA, int transB, int M, int N, int K, float alpha,
               const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc);
size_t nnz_pack_b_size(int K, int N);
void   nnz_pack_b(int K, int N, const float *B, int ldb, float *packed);
void   nnz_gemm_packed(int M, int N, int K, const float *A, int lda, const float *packed,
                       const float *bias, nnz_activation act, float *C, int ldc);
void nnz_relu(const float *x, float *y, size_t n);
void nnz_sigmoid(const float *x, float *y, size_t n);
void nnz_tanh(const float *x, float *y, size_t n);
void nnz_softmax_rows(const float *x, float *y, int rows, int cols);
void nnz_scale_shift_channels(const float *x, float *y, int n, int channels, int spatial,
                              const float *scale, const float *shift);
void nnz_im2col(const float *img, int inC, int H, int W, int kh, int kw, int sh, int sw, int ph, int pw,
                int outH, int outW, float *cols);
void nnz_col2im(const float *cols, int inC, int H, int W, int kh, int kw, int sh, int sw, int ph, int pw,
                int outH, int outW, float *img);
size_t nnz_conv2d_workspace_size(int inC, int kh, int kw, int outH, int outW);
void nnz_conv2d_forward(int n, const float *input, int inC, int H, int W,
                        const float *weight, const float *bias, int outC, int kh, int kw,
                        int sh, int sw, int ph, int pw, nnz_activation act, float *output, float *workspace);
void nnz_maxpool_forward(int n, int C, int H, int W, const float *input, int kh, int kw, int sh, int sw,
                         int ph, int pw, int outH, int outW, float *output, int32_t *argmax);
#ifdef __cplusplus
}
#endif
#endif
