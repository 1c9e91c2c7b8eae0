// Hot elementwise kernels of CompactRec's numeric core, in C so that the compiler vectorises
// them for the CPU it runs on (x86-64-v4 with AVX-512, x86-64-v3 with AVX2 and FMA, or baseline, chosen at load time).
// Shape legend: N = items (row width), M = rows.
#ifndef COMPACTREC_CKERNELS_H
#define COMPACTREC_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// max of x[0..<n] (n > 0).
float ck_max(const float *x, size_t n);
/// sum of x[0..<n].
float ck_sum(const float *x, size_t n);
/// How many of x[0..<n] are strictly greater than s (a NaN is never greater): a target's rank.
size_t ck_count_above(const float *x, size_t n, float s);
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
/// y[i] += a * x[i]
void ck_axpy(float a, const float *x, float *y, size_t n);
/// sum of x[i] * y[i]
float ck_dot(const float *x, const float *y, size_t n);
/// out[i] = x[i] * y[i]
void ck_multiply(const float *x, const float *y, float *out, size_t n);
/// acc[i] += x[i] * y[i]
void ck_multiply_add(const float *x, const float *y, float *acc, size_t n);
/// out[i] = x[i] + a
void ck_add_scalar(const float *x, float a, float *out, size_t n);

/// Scores through a hashed table (shape legend: n items, s one row's bucket scores):
/// out[i] = s[bucket[i]] * w[i], with w NULL meaning 1.
void ck_gather_scaled(const float *s, const int32_t *bucket, const float *w, float *out, size_t n);
/// The backward of ck_gather_scaled for one row with score gradient g: ds[bucket[i]] += g[i] * w[i]
/// (w NULL meaning 1) and, unless dw is NULL, dw[i] += g[i] * s[bucket[i]].
void ck_scatter_scaled(const float *g, const int32_t *bucket, const float *w, const float *s,
                       float *ds, float *dw, size_t n);

/// Fused softmax cross-entropy for rows [row_begin, row_end) of logits [M, N]: adds bias (may be
/// NULL), replaces each row by scale * (softmax - onehot(target)) and adds it to bias_grad (may
/// be NULL). Returns the sum of the rows' cross-entropies.
double ck_softmax_xent_rows(float *logits, const float *bias, const int32_t *targets,
                            size_t row_begin, size_t row_end, size_t n, float scale, float *bias_grad);

/// Low-rank softmax, pass 1, over columns [col_begin, col_end) of z = p·W + bias (p: [R, d],
/// W: [d, k]): folds them into each row's running maximum and running sum of exp(z − max)
/// (start from −inf and 0; partial results over disjoint column ranges combine as
/// s = s₁·e^(m₁−m) + s₂·e^(m₂−m)).
void ck_lowrank_logsumexp_cols(const float *p, const float *w, const float *bias, size_t rows, size_t d,
                               size_t k, size_t col_begin, size_t col_end, float *running_max,
                               float *running_sum);

/// Low-rank softmax, pass 2, over columns [col_begin, col_end): with g = scale·(softmax(z) −
/// onehot(target)) from each row's final max and sum, adds g·Wᵀ to dp ([R, d]), pᵀ·g to the
/// columns' slice of dw ([d, k]) and g to the slice of db ([k]).
void ck_lowrank_softmax_grad_cols(const float *p, const float *w, const float *bias, const int32_t *targets,
                                  size_t rows, size_t d, size_t k, size_t col_begin, size_t col_end,
                                  const float *row_max, const float *row_sum, float scale, float *dp,
                                  float *dw, float *db);

/// out[r, j] = a[r, 0]·b[0, j] + bias[j] + a[r, 1]·b[1, j] + … + a[r, K−1]·b[K−1, j], left to
/// right, each product and sum rounded on its own (bias may be NULL; K ≥ 1); row-major with row
/// strides lda, ldb, ldo. A row's result never depends on the other rows.
void ck_row_products(const float *a, size_t lda, size_t rows, size_t inner, const float *b, size_t ldb,
                     size_t columns, const float *bias, float *out, size_t ldo);

/// One Adam update of n weights (see Adam.swift for the formula).
void ck_adam(float *w, const float *g, float *m, float *v, size_t n, float beta1, float beta2,
             float epsilon, float weight_decay, float step_size, float inverse_correction2);

/// out[i] = bias[i] (bias may be NULL) + Σ_c h[c] · w[c·ldw + i] for items begin ≤ i < end of a
/// [C, N] matrix (row stride ldw), each sum in the order c = 0, 1, …: the same bits for an item
/// whatever range it is scored in.
void ck_scores_f32_columns(const float *h, size_t C, const float *w, size_t ldw, size_t begin, size_t end,
                           const float *bias, float *out);

/// Σ_c max(h[c] · lower[c], h[c] · upper[c]): the largest h · w over any w with
/// lower ≤ w ≤ upper column by column. lower, upper: [C].
float ck_box_bound(const float *h, size_t C, const float *lower, const float *upper);

/// The k best of scores[begin..<end], best first (ties: lower index first; NaN skipped): their
/// indices in items[0..<k] and scores in values[0..<k]; returns how many (fewer than k only when
/// the range holds fewer non-NaN scores).
size_t ck_top_k(const float *scores, size_t begin, size_t end, size_t k, int32_t *items, float *values);
/// ck_top_k continued over another stretch of items: inserts scores[0..<n] as items first…first+n−1
/// into the best-first list of `count` entries that items and values already hold (capacity k),
/// items met earlier winning ties; returns the new count. first must exceed every item held.
size_t ck_top_k_add(const float *scores, size_t n, size_t first, size_t k, int32_t *items, float *values,
                    size_t count);

/// Layer normalisation of R rows of C values (layer_norm.c): y = (x − mean) · inverse_std · gain
/// + bias per row, with mean[r] and inverse_std[r] = 1 / sqrt(variance + epsilon) kept for the
/// backward pass. Sums in a fixed order and no fused multiply-add: the same bits on every CPU.
void ck_layer_norm_forward(const float *x, size_t rows, size_t C, const float *gain, const float *bias,
                           float epsilon, float *y, float *mean, float *inverse_std);

/// Scores of B histories h ([B, C], row stride ldh) against rows [row_begin, row_end) of a matrix
/// stored row-wise in reduced precision (layouts in quantized_rows.c): out[b·ldo + i] = bias[i]
/// (bias may be NULL) + Σ_c h[b, c] · value(i, c). Rows are read once per block (16 rows with
/// AVX-512, 8 with AVX2, 64 otherwise) for all B. On x86-64 with AVX2 (or AVX-512 with VNNI),
/// 8 (16) rows share one reduction and int8/int4 rows meet a 16-bit rounding of each history
/// (|error| ≤ max|h| / 65534 per value; row_scores_avx2.c, row_scores_avx512.c).
/// Float32 rows: [N, C].
void ck_scores_f32_rows(const float *h, size_t ldh, size_t histories, const float *rows, size_t columns,
                        size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo);
/// fp16 rows: [N, C] half bits.
void ck_scores_f16_rows(const float *h, size_t ldh, size_t histories, const void *rows, size_t columns,
                        size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo);
/// int8 rows: [N, C] signed codes (-127…127), value = scale[i] · code; scale is [N] fp16 bits.
void ck_scores_i8_rows(const float *h, size_t ldh, size_t histories, const int8_t *rows, const void *scale,
                       size_t columns, size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo);
/// int4 rows: [N, ceil(C/2)] bytes; scale and offset are [N] fp16 bits.
void ck_scores_u4_rows(const float *h, size_t ldh, size_t histories, const uint8_t *rows, const void *scale,
                       const void *offset, size_t columns, size_t row_begin, size_t row_end, const float *bias,
                       float *out, size_t ldo);
/// The four row-scoring kernels of one CPU level, with the arguments of the ck_scores_*_rows above.
typedef struct ck_row_kernels {
    const char *name; // "portable", "avx2", "avx512-vnni"
    void (*f32)(const float *h, size_t ldh, size_t histories, const float *rows, size_t columns, size_t row_begin,
                size_t row_end, const float *bias, float *out, size_t ldo);
    void (*f16)(const float *h, size_t ldh, size_t histories, const void *rows, size_t columns, size_t row_begin,
                size_t row_end, const float *bias, float *out, size_t ldo);
    void (*i8)(const float *h, size_t ldh, size_t histories, const int8_t *rows, const void *scale, size_t columns,
               size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo);
    void (*u4)(const float *h, size_t ldh, size_t histories, const uint8_t *rows, const void *scale,
               const void *offset, size_t columns, size_t row_begin, size_t row_end, const float *bias, float *out,
               size_t ldo);
} ck_row_kernels;
/// The kernels of a level: 0 portable, 1 AVX2 with FMA and F16C, 2 AVX-512 F/BW/VL with VNNI;
/// NULL when this CPU lacks the level (or it does not exist).
const ck_row_kernels *ck_row_kernels_at(int level);
/// The level the ck_scores_*_rows above use: the best this CPU runs (checked once).
int ck_row_kernels_level(void);
/// One row dequantized: out[0..<n] (fp16 bits; int8 codes with the row's scale; int4 codes with its scale and offset).
void ck_dequantize_f16(const void *row, size_t n, float *out);
void ck_dequantize_i8(const int8_t *row, size_t n, float scale, float *out);
void ck_dequantize_u4(const uint8_t *row, size_t n, float scale, float offset, float *out);

/// Scalar references of the kernels above, for tests: format 16, 8 or 4; each value dequantized
/// on its own and the dot product accumulated in double, in order (offset: NULL but for int4).
void ck_scores_rows_reference(int format, const float *h, size_t ldh, size_t histories, const void *rows,
                              const void *scale, const void *offset, size_t columns, size_t row_begin, size_t row_end,
                              const float *bias, float *out, size_t ldo);
void ck_dequantize_reference(int format, const void *rows, const void *scale, const void *offset, size_t columns,
                             size_t row, float *out);


// SHA-256 (sha256.c): the compression function over `count` 64-byte blocks, portable or with the
// SHA extensions (call that one only when `ck_sha256_has_shani` says the CPU has them).
int ck_sha256_has_shani(void);
void ck_sha256_compress_portable(uint32_t state[8], const uint8_t *blocks, size_t count);
void ck_sha256_compress_shani(uint32_t state[8], const uint8_t *blocks, size_t count);

#endif
