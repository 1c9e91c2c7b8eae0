// The x86-64 row-scoring kernels that quantized_rows.c hands work to: AVX2 with FMA and F16C
// (row_scores_avx2.c, eight rows per reduction) and AVX-512 with VNNI (row_scores_avx512.c,
// sixteen). Same arguments and results as the ck_scores_*_rows of ckernels.h.
#ifndef COMPACTREC_ROW_SCORES_H
#define COMPACTREC_ROW_SCORES_H
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__)
/// 1 when the CPU has AVX2, FMA and F16C (checked once).
int ck_has_avx2(void);
/// 1 when the CPU has those and AVX-512 F, BW, VL and VNNI (checked once).
int ck_has_avx512(void);

/// Each history rounded to 16-bit integers for the int8 and int4 kernels (AVX2 required):
/// q[b, c] = round(h[b, c] · step[b]) with step[b] = 32767 / max_c |h[b, c]| (1 for an all-zero
/// history); unit[b] = 1 / step[b] and total[b] = Σ_c h[b, c] (exact float, for the offsets).
/// q: [B, padded] with zeros past C.
void ck_round_histories(const float *h, size_t ldh, size_t B, size_t C, size_t padded, int16_t *q, float *unit,
                        float *total);

void ck_avx2_scores_f32_rows(const float *h, size_t ldh, size_t B, const float *rows, size_t C, size_t row_begin,
                             size_t row_end, const float *bias, float *out, size_t ldo);
void ck_avx2_scores_f16_rows(const float *h, size_t ldh, size_t B, const void *rows, size_t C, size_t row_begin,
                             size_t row_end, const float *bias, float *out, size_t ldo);
void ck_avx2_scores_i8_rows(const float *h, size_t ldh, size_t B, const int8_t *rows, const void *scale, size_t C,
                            size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo);
void ck_avx2_scores_u4_rows(const float *h, size_t ldh, size_t B, const uint8_t *rows, const void *scale,
                            const void *offset, size_t C, size_t row_begin, size_t row_end, const float *bias,
                            float *out, size_t ldo);

void ck_avx512_scores_f32_rows(const float *h, size_t ldh, size_t B, const float *rows, size_t C, size_t row_begin,
                               size_t row_end, const float *bias, float *out, size_t ldo);
void ck_avx512_scores_f16_rows(const float *h, size_t ldh, size_t B, const void *rows, size_t C, size_t row_begin,
                               size_t row_end, const float *bias, float *out, size_t ldo);
void ck_avx512_scores_i8_rows(const float *h, size_t ldh, size_t B, const int8_t *rows, const void *scale, size_t C,
                              size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo);
void ck_avx512_scores_u4_rows(const float *h, size_t ldh, size_t B, const uint8_t *rows, const void *scale,
                              const void *offset, size_t C, size_t row_begin, size_t row_end, const float *bias,
                              float *out, size_t ldo);
#else
static inline int ck_has_avx2(void) { return 0; }
static inline int ck_has_avx512(void) { return 0; }
#endif

#endif
