// Elementwise kernels of the Transformer encoder (SASRec), in C so that they vectorise per CPU
// like the others (see multiversion.h).
#ifndef COMPACTREC_TRANSFORMER_KERNELS_H
#define COMPACTREC_TRANSFORMER_KERNELS_H

#include <stddef.h>

/// out[i] = gelu(x[i]) = x·Φ(x) = ½·x·(1 + erf(x/√2)), with erf to within 1.5e-7 (Abramowitz
/// and Stegun 7.1.26). out may equal x.
void ck_gelu(const float *x, float *out, size_t n);

/// dx[i] = dy[i] · gelu'(x[i]), gelu'(x) = Φ(x) + x·φ(x), from the forward input x.
void ck_gelu_backward(const float *x, const float *dy, float *dx, size_t n);

#endif
