// The k best scores of one row, best first; ties keep the lower index first; NaN never enters.
// One pass: eight scores at a time are compared with the current k-th best, and only a block
// with a score above it is looked at one by one, so once the list is full the cost is one
// compare and one mask test per eight items.
#include "ckernels.h"
#include "multiversion.h"

/// Inserts (i, s) into the best-first list of `*count` entries (capacity k), behind equal scores.
static inline void insert(size_t i, float s, size_t k, int32_t *items, float *values, size_t *count) {
    size_t position = *count < k ? *count : k - 1;
    if (*count == k && !(s > values[k - 1])) return;
    while (position > 0 && values[position - 1] < s) {
        values[position] = values[position - 1];
        items[position] = items[position - 1];
        position--;
    }
    values[position] = s;
    items[position] = (int32_t)i;
    if (*count < k) (*count)++;
}

MULTIVERSION size_t ck_top_k_add(const float *scores, size_t n, size_t first, size_t k, int32_t *items, float *values,
                                 size_t count) {
    if (k == 0) return 0;
    size_t i = 0;
    // Fill the list first, so a threshold exists.
    for (; i < n && count < k; i++)
        if (scores[i] == scores[i]) insert(first + i, scores[i], k, items, values, &count);
    enum { BLOCK = 8 };
    for (; i + BLOCK <= n; i += BLOCK) {
        const float threshold = values[k - 1];
        int above = 0;
        for (size_t j = 0; j < BLOCK; j++) above |= scores[i + j] > threshold;
        if (!above) continue;
        for (size_t j = 0; j < BLOCK; j++) insert(first + i + j, scores[i + j], k, items, values, &count);
    }
    for (; i < n; i++)
        if (scores[i] == scores[i]) insert(first + i, scores[i], k, items, values, &count);
    return count;
}

size_t ck_top_k(const float *scores, size_t begin, size_t end, size_t k, int32_t *items, float *values) {
    return end > begin ? ck_top_k_add(scores + begin, end - begin, begin, k, items, values, 0) : 0;
}
