// Product-quantised scoring of JPQ item codes (see include/jpq_kernels.h). Shape legend: n items,
// m splits, 256 sub-ids per split.
#include "jpq_kernels.h"
#include "multiversion.h"

enum { SUB_IDS = 256 };

// The common splits (4, 8) get unrolled loops of their own: the sum of m gathers per item in a
// fixed order, so an item's score does not depend on m's loop shape.
MULTIVERSION void ck_jpq_scores(const float *sub_scores, const uint8_t *codes, size_t n, size_t m, float *out) {
    if (m == 4) {
        const float *restrict s0 = sub_scores, *restrict s1 = s0 + SUB_IDS, *restrict s2 = s1 + SUB_IDS, *restrict s3 = s2 + SUB_IDS;
        for (size_t x = 0; x < n; x++) {
            const uint8_t *restrict c = codes + x * 4;
            out[x] = ((s0[c[0]] + s1[c[1]]) + s2[c[2]]) + s3[c[3]];
        }
        return;
    }
    if (m == 8) {
        const float *restrict s = sub_scores;
        for (size_t x = 0; x < n; x++) {
            const uint8_t *restrict c = codes + x * 8;
            float sum = s[c[0]];
            sum += s[SUB_IDS + c[1]];
            sum += s[2 * SUB_IDS + c[2]];
            sum += s[3 * SUB_IDS + c[3]];
            sum += s[4 * SUB_IDS + c[4]];
            sum += s[5 * SUB_IDS + c[5]];
            sum += s[6 * SUB_IDS + c[6]];
            sum += s[7 * SUB_IDS + c[7]];
            out[x] = sum;
        }
        return;
    }
    for (size_t x = 0; x < n; x++) {
        const uint8_t *restrict c = codes + x * m;
        float sum = sub_scores[c[0]];
        for (size_t s = 1; s < m; s++) sum += sub_scores[s * SUB_IDS + c[s]];
        out[x] = sum;
    }
}

MULTIVERSION void ck_jpq_scores_backward(const float *gradient, const uint8_t *codes, size_t n, size_t m, float *sub_gradient) {
    for (size_t x = 0; x < n; x++) {
        const float g = gradient[x];
        const uint8_t *c = codes + x * m;
        for (size_t s = 0; s < m; s++) sub_gradient[s * SUB_IDS + c[s]] += g;
    }
}
