// Scores of one history against a stretch of the columns of a Float32 item matrix stored
// [C, N] (input-major, as FullSoftmax's): each item's sum runs over c in order, vectorised
// across items, so an item's score is the same bits whatever stretch it is scored in.
// Shape legend: C columns of the history (rows of W), N items.
#include "ckernels.h"
#include "multiversion.h"

MULTIVERSION void ck_scores_f32_columns(const float *h, size_t C, const float *w, size_t ldw, size_t begin, size_t end,
                                        const float *bias, float *out) {
    enum { STRIP = 256 };
    for (size_t i0 = begin; i0 < end; i0 += STRIP) {
        const size_t i1 = end - i0 < STRIP ? end : i0 + STRIP;
        for (size_t i = i0; i < i1; i++) out[i] = bias ? bias[i] : 0;
        for (size_t c = 0; c < C; c++) {
            const float hc = h[c];
            const float *wc = w + c * ldw;
            for (size_t i = i0; i < i1; i++) out[i] = __builtin_fmaf(hc, wc[i], out[i]);
        }
    }
}
