/* Winograd F(2x2, 3x3): weight transform and packing, workspace sizes, entry point. */
#include "nnz_internal.h"

/* ---------------------------------------------------------------------------------------
 * Winograd F(2x2, 3x3)
 * --------------------------------------------------------------------------------------- */

size_t nnz_winograd_pack_size(int outC, int inC) {
    if (outC <= 0 || inC <= 0) return 0;
    return 16 * (size_t)round_up(outC, 16) * (size_t)round_up(inC, 16);
}

size_t nnz_winograd_work_size(int inC, int outC) {
    if (inC <= 0 || outC <= 0) return 0;
    return 16 * (size_t)NNZ_WINO_TB * ((size_t)round_up(inC, 16) + (size_t)round_up(outC, 16));
}

void nnz_winograd_pack(int outC, int inC, const float *weight, float *packed) {
    if (outC <= 0 || inC <= 0) return;
    int ocp = round_up(outC, 16), icp = round_up(inC, 16);
    ptrdiff_t mat = (ptrdiff_t)icp * ocp;
    /* U = G g G^T, G = [[1,0,0],[1/2,1/2,1/2],[1/2,-1/2,1/2],[0,0,1]], in double; channels and
     * output columns past inC / outC are zero */
    static const double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
    for (int o = 0; o < ocp; o++) {
        int col0 = o / 32 * 32, wg = nnz_conv_group_width(outC, col0);
        for (int c = 0; c < icp; c++) {
            double u[4][4] = {{0}};
            if (o < outC && c < inC) {
                const float *g = weight + ((ptrdiff_t)o * inC + c) * 9;
                double t[4][3];
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 3; j++)
                        t[i][j] = G[i][0] * g[0 * 3 + j] + G[i][1] * g[1 * 3 + j] + G[i][2] * g[2 * 3 + j];
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++) u[i][j] = t[i][0] * G[j][0] + t[i][1] * G[j][1] + t[i][2] * G[j][2];
            }
            for (int xi = 0; xi < 16; xi++)
                packed[xi * mat + (ptrdiff_t)icp * col0 + (ptrdiff_t)c * wg + (o - col0)] = (float)u[xi / 4][xi % 4];
        }
    }
}

void nnz_conv3x3_winograd_nhwc(int outH, int outW, int inC, const float *in, ptrdiff_t in_rs,
                               const float *packed, const float *bias, int outC,
                               nnz_activation act, int pool, float *out, ptrdiff_t out_rs,
                               float *work) {
    if (outH <= 0 || outW <= 0 || outC <= 0 || inC <= 0) return;
    if (pool && (outH < 2 || outW < 2)) return;
    nnz_wino_args a = {outH, outW, inC, outC, (int)act, pool ? 2 : 0, in, in_rs, packed, bias, out, out_rs, work};
    nnz_active_ops()->conv3x3_wino(&a);
}
