// Upper bounds of a history's scores over blocks of item rows, from each block's per-column
// range (ItemBlockBounds.swift). Shape legend: C columns, J blocks.
#include "ckernels.h"
#include "multiversion.h"

MULTIVERSION void ck_box_bounds(const float *h, size_t C, const float *lower, const float *upper, size_t blocks,
                                float *out) {
    for (size_t j = 0; j < blocks; j++) {
#pragma clang fp reassociate(on)
        const float *lo = lower + j * C, *hi = upper + j * C;
        float s = 0;
        for (size_t c = 0; c < C; c++) {
            const float a = h[c] * lo[c], b = h[c] * hi[c];
            s += a > b ? a : b;
        }
        out[j] = s;
    }
}
