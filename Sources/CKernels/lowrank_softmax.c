// Fused softmax cross-entropy over low-rank logits z = p·W + b, for a tree softmax's narrow
// tails: the [rows, k] logits are never stored. Each pass covers a range of columns so that
// workers can split the columns (and own their slice of dW and db outright); a column tile of
// W and of dW stays in cache while every row streams past it.
// Shape legend: R rows, d rank, k columns (the tail's items).
#include "ckernels.h"
#include "multiversion.h"
#include "exp_inline.h"
#include "max_inline.h"
#include <math.h>


enum { TILE = 512 };

// z[0..<n] = b[0..<n] + Σ_c p[c] · W[c, col + 0..<n]
static inline void tile_logits(const float *restrict p, const float *restrict w, const float *restrict b,
                               size_t d, size_t k, size_t col, size_t n, float *restrict z) {
    for (size_t i = 0; i < n; i++) z[i] = b[col + i];
    for (size_t c = 0; c < d; c++) {
        const float pc = p[c];
        const float *restrict wc = w + c * k + col;
        for (size_t i = 0; i < n; i++) z[i] += pc * wc[i];
    }
}

MULTIVERSION void ck_lowrank_logsumexp_cols(const float *p, const float *w, const float *bias, size_t rows,
                                            size_t d, size_t k, size_t col_begin, size_t col_end,
                                            float *running_max, float *running_sum) {
#pragma clang fp reassociate(on)
    float z[TILE];
    for (size_t col = col_begin; col < col_end; col += TILE) {
        const size_t n = col_end - col < TILE ? col_end - col : TILE;
        for (size_t r = 0; r < rows; r++) {
            tile_logits(p + r * d, w, bias, d, k, col, n, z);
            const float top = max_inline(z, n);
            float m = running_max[r];
            if (top > m) {
                running_sum[r] *= exp_inline(m - top);
                running_max[r] = m = top;
            }
            float s = 0;
            for (size_t i = 0; i < n; i++) s += exp_inline(z[i] - m);
            running_sum[r] += s;
        }
    }
}

MULTIVERSION void ck_lowrank_softmax_grad_cols(const float *p, const float *w, const float *bias,
                                               const int32_t *targets, size_t rows, size_t d, size_t k,
                                               size_t col_begin, size_t col_end, const float *row_max,
                                               const float *row_sum, float scale, float *dp, float *dw,
                                               float *db) {
#pragma clang fp reassociate(on)
    float g[TILE];
    for (size_t col = col_begin; col < col_end; col += TILE) {
        const size_t n = col_end - col < TILE ? col_end - col : TILE;
        for (size_t r = 0; r < rows; r++) {
            const float *restrict pr = p + r * d;
            tile_logits(pr, w, bias, d, k, col, n, g);
            const float m = row_max[r];
            float f;
            {
                // Kept out of the reassociation above: with it, clang turns f · e into
                // (scale · e) / sum, a vector division per logit.
#pragma clang fp reassociate(off)
                f = scale / row_sum[r];
            }
            for (size_t i = 0; i < n; i++) g[i] = f * exp_inline(g[i] - m);
            const size_t t = (size_t)targets[r];
            if (t >= col && t < col + n) g[t - col] -= scale;
            for (size_t i = 0; i < n; i++) db[col + i] += g[i];
            for (size_t c = 0; c < d; c++) {
                const float *restrict wc = w + c * k + col;
                float *restrict dwc = dw + c * k + col;
                const float pc = pr[c];
                float acc = 0;
                for (size_t i = 0; i < n; i++) {
                    acc += g[i] * wc[i];
                    dwc[i] += pc * g[i];
                }
                dp[r * d + c] += acc;
            }
        }
    }
}
