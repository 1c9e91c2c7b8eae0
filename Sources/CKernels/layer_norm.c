// Layer normalisation's forward pass over rows of C values. Sums run in a fixed order (eight
// running sums, lane l taking columns l, l + 8, …, then one fixed tree), and products and sums
// are rounded one by one (no fused multiply-add): every CPU level computes the same bits, so
// runs stay reproducible across machines, while the eight lanes vectorise.
// Shape legend: R rows, C columns.
#include "ckernels.h"
#include "multiversion.h"

enum { SUM_LANES = 8 };

static inline float fixed_order_total(const float a[SUM_LANES]) {
    return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
}

MULTIVERSION void ck_layer_norm_forward(const float *restrict x, size_t rows, size_t C, const float *restrict gain,
                                        const float *restrict bias, float epsilon, float *restrict y,
                                        float *restrict mean, float *restrict inverse_std) {
#pragma clang fp contract(off)
    const size_t whole = C / SUM_LANES * SUM_LANES;
    for (size_t r = 0; r < rows; r++) {
        const float *restrict xr = x + r * C;
        float *restrict yr = y + r * C;
        float s[SUM_LANES] = {0};
        for (size_t c = 0; c < whole; c += SUM_LANES)
            for (size_t l = 0; l < SUM_LANES; l++) s[l] += xr[c + l];
        for (size_t c = whole; c < C; c++) s[c - whole] += xr[c];
        const float mu = fixed_order_total(s) / (float)C;
        float v[SUM_LANES] = {0};
        for (size_t c = 0; c < whole; c += SUM_LANES)
            for (size_t l = 0; l < SUM_LANES; l++) {
                const float d = xr[c + l] - mu;
                v[l] += d * d;
            }
        for (size_t c = whole; c < C; c++) {
            const float d = xr[c] - mu;
            v[c - whole] += d * d;
        }
        const float inv = 1.0f / CK_SQRTF(fixed_order_total(v) / (float)C + epsilon);
        mean[r] = mu;
        inverse_std[r] = inv;
        for (size_t c = 0; c < C; c++) yr[c] = (xr[c] - mu) * inv * gain[c] + bias[c];
    }
}
