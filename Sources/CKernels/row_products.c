// Matrix products whose every output element goes through the same operations whatever the
// number of rows, so a row's result does not depend on which rows came with it (a BLAS makes no
// such promise). Shape legend: M rows, K inner, N columns.
#include "ckernels.h"
#include "multiversion.h"

enum { COLUMN_BLOCK = 256 };

// Products and sums are rounded one by one (no fused multiply-add), in a fixed order per element.
MULTIVERSION void ck_row_products(const float *a, size_t lda, size_t rows, size_t inner, const float *b,
                                  size_t ldb, size_t columns, const float *bias, float *out, size_t ldo) {
#pragma clang fp contract(off)
    for (size_t j0 = 0; j0 < columns; j0 += COLUMN_BLOCK) {
        const size_t n = columns - j0 < COLUMN_BLOCK ? columns - j0 : COLUMN_BLOCK;
        for (size_t r = 0; r < rows; r++) {
            const float *restrict ar = a + r * lda;
            float *restrict o = out + r * ldo + j0;
            const float *restrict b0 = b + j0;
            const float a0 = ar[0];
            if (bias) {
                const float *restrict c = bias + j0;
                for (size_t j = 0; j < n; j++) o[j] = a0 * b0[j] + c[j];
            } else {
                for (size_t j = 0; j < n; j++) o[j] = a0 * b0[j];
            }
            for (size_t e = 1; e < inner; e++) {
                const float ae = ar[e];
                const float *restrict be = b + e * ldb + j0;
                for (size_t j = 0; j < n; j++) o[j] = o[j] + ae * be[j];
            }
        }
    }
}
