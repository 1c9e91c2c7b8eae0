// The AVX2 row-scoring kernels (row_scores_avx2.c) that quantized_rows.c hands work to when the
// CPU has AVX2, FMA and F16C. Same arguments and results as the ck_scores_*_rows of ckernels.h.
#ifndef COMPACTREC_ROW_SCORES_H
#define COMPACTREC_ROW_SCORES_H
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__)
/// 1 when the CPU has AVX2, FMA and F16C (checked once).
int ck_has_avx2(void);
void ck_avx2_scores_f32_rows(const float *h, size_t ldh, size_t B, const float *rows, size_t C, size_t row_begin,
                             size_t row_end, const float *bias, float *out, size_t ldo);
void ck_avx2_scores_f16_rows(const float *h, size_t ldh, size_t B, const uint16_t *rows, size_t C,
                             size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo);
void ck_avx2_scores_i8_rows(const float *h, size_t ldh, size_t B, const int8_t *rows, const uint16_t *scale,
                            size_t C, size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo);
void ck_avx2_scores_u4_rows(const float *h, size_t ldh, size_t B, const uint8_t *rows, const uint16_t *scale,
                            const uint16_t *offset, size_t C, size_t row_begin, size_t row_end, const float *bias,
                            float *out, size_t ldo);
#else
static inline int ck_has_avx2(void) { return 0; }
#endif

#endif
