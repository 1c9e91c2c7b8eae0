// Hot elementwise kernels of CompactRec's numeric core, in C so that the compiler vectorises
// them for the CPU it runs on (AVX-512, AVX2 or baseline, chosen at load time).
// Shape legend: N = items (row width), M = rows.
#ifndef COMPACTREC_CKERNELS_H
#define COMPACTREC_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// max of x[0..<n] (n > 0).
float ck_max(const float *x, size_t n);
/// sum of x[0..<n].
float ck_sum(const float *x, size_t n);
/// sum of squares, accumulated in double.
double ck_sum_squares(const float *x, size_t n);
/// y[i] += x[i]
void ck_add(const float *x, float *y, size_t n);
/// x[i] *= f
void ck_scale(float *x, size_t n, float f);
/// x[i] = exp(x[i] - shift) in place; returns the sum of the results.
float ck_exp_shifted(float *x, size_t n, float shift);
/// exp with relative error < 2e-7 for normal results, 0 below -87.3.
float ck_exp(float x);

/// Fused softmax cross-entropy for rows [row_begin, row_end) of logits [M, N]: adds bias (may be
/// NULL), replaces each row by scale * (softmax - onehot(target)) and adds it to bias_grad (may
/// be NULL). Returns the sum of the rows' cross-entropies.
double ck_softmax_xent_rows(float *logits, const float *bias, const int32_t *targets,
                            size_t row_begin, size_t row_end, size_t n, float scale, float *bias_grad);

/// One Adam update of n weights (see Adam.swift for the formula).
void ck_adam(float *w, const float *g, float *m, float *v, size_t n, float beta1, float beta2,
             float epsilon, float weight_decay, float step_size, float inverse_correction2);

#endif
