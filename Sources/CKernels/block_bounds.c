// The upper bound of a history's scores over a box of item rows, from the box's per-column
// range (ItemBlockBounds.swift). Shape legend: C columns.
#include "ckernels.h"
#include "multiversion.h"

MULTIVERSION float ck_box_bound(const float *h, size_t C, const float *lower, const float *upper) {
#pragma clang fp reassociate(on)
    float s = 0;
    for (size_t c = 0; c < C; c++) {
        const float a = h[c] * lower[c], b = h[c] * upper[c];
        s += a > b ? a : b;
    }
    return s;
}
