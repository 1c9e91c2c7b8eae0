// The maximum shared by the kernels, inlined into each vector-width clone.
#ifndef COMPACTREC_MAX_INLINE_H
#define COMPACTREC_MAX_INLINE_H

#include <math.h>
#include <stddef.h>

// max(x[0..<n]), -inf when n = 0. A plain `m = x > m ? x : m` loop stays scalar (the compare and
// select is not a reduction the vectoriser may reorder), so 16 running maxima are kept instead,
// which the compiler holds in vector registers.
static inline float max_inline(const float *x, size_t n) {
    float lane[16];
    for (int j = 0; j < 16; j++) lane[j] = -INFINITY;
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++) lane[j] = x[i + j] > lane[j] ? x[i + j] : lane[j];
    float m = -INFINITY;
    for (int j = 0; j < 16; j++) m = lane[j] > m ? lane[j] : m;
    for (; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}

#endif
