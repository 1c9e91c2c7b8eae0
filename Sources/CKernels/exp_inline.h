// The exp shared by the kernels, inlined into each vector-width clone.
#ifndef COMPACTREC_EXP_INLINE_H
#define COMPACTREC_EXP_INLINE_H

#include <stdint.h>
#include <string.h>

// Valid for x <= 88.3 (larger inputs are clamped there); 0 below -87.3.
// Cody–Waite reduction x = k·ln2 + r, |r| <= ln2/2, a degree-6 polynomial for e^r, and 2^k
// built in the exponent bits. Adding 1.5·2^23 rounds to the nearest integer and leaves it in
// the low mantissa bits, so no float-to-int conversion is needed.
static inline float exp_inline(float x) {
    float c = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
    float shifted = c * 1.44269504f + 12582912.0f;
    float k = shifted - 12582912.0f;
    float r = c - k * 0.693359375f;
    r = r - k * -2.12194440e-4f;
    float p = 1.9875691e-4f;
    p = p * r + 1.3981999e-3f;
    p = p * r + 8.3334520e-3f;
    p = p * r + 4.1665796e-2f;
    p = p * r + 1.6666666e-1f;
    p = p * r + 0.5f;
    p = p * r * r + r + 1.0f;
    uint32_t bits;
    memcpy(&bits, &shifted, 4);
    bits = (bits + 127u) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return x < -87.3f ? 0.0f : p * scale;
}

#endif
