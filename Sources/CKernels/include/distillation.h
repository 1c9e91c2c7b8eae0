// Knowledge distillation's fused softmax loss (see Distillation.swift for the formula).
#ifndef COMPACTREC_DISTILLATION_H
#define COMPACTREC_DISTILLATION_H

#include <stddef.h>
#include <stdint.h>

/// For rows [row_begin, row_end) of the student's logits [M, N] (bias added first, may be NULL)
/// and the teacher's logits [M, N] of the same rows, with weight a and temperature t:
///   loss = (1 − a)·CE(softmax(z), target) + a·t²·KL(softmax(z_T / t) ‖ softmax(z / t))
/// replaces each student row by scale · dloss/dz = scale·((1 − a)(p − onehot) + a·t·(s − q)) and
/// adds it to bias_grad (may be NULL). The teacher rows are overwritten (scratch). Returns the
/// sum of the rows' cross-entropies in *cross_entropy and their KL terms in *kl (each unweighted).
void ck_distill_xent_rows(float *logits, const float *bias, const int32_t *targets, float *teacher,
                          size_t row_begin, size_t row_end, size_t n, float weight, float temperature,
                          float scale, float *bias_grad, double *cross_entropy, double *kl);

#endif
