// Product-quantised scoring of JPQ item codes (RecJPQ): every item is a code of m sub-ids, one
// byte per split, and its score is a sum of m lookups in a row's [m, 256] sub-item scores.
// Shape legend: n items, m splits, 256 sub-ids per split.
#ifndef COMPACTREC_JPQ_KERNELS_H
#define COMPACTREC_JPQ_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// out[x] = Σ_s sub_scores[s·256 + codes[x·m + s]] for x < n.
/// sub_scores: [m, 256]; codes: [n, m]; out: [n].
void ck_jpq_scores(const float *sub_scores, const uint8_t *codes, size_t n, size_t m, float *out);

/// sub_gradient[s·256 + codes[x·m + s]] += gradient[x] for x < n and every split s: the
/// transpose of ck_jpq_scores. gradient: [n]; codes: [n, m]; sub_gradient: [m, 256].
void ck_jpq_scores_backward(const float *gradient, const uint8_t *codes, size_t n, size_t m, float *sub_gradient);

#endif
