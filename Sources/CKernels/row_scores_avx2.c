// The AVX2 (with FMA and F16C) versions of the row-scoring kernels of quantized_rows.c, picked at
// run time when the CPU has them (row_scores.h). Layouts and formulas are those of
// quantized_rows.c; what differs is the order of work:
//
// - Eight rows at a time. Each row's dot product is accumulated in its own vector register over
//   the columns, and the eight accumulators are reduced together (three rounds of horizontal
//   adds), so a row costs C/8 FMAs and a share of one store instead of C/8 FMAs plus a
//   horizontal sum of its own. The rows of a block are read once for all B histories.
// - int8 and int4 rows are multiplied as integers: the history is rounded once per call to 16-bit
//   integers (h ≈ q / s with s = 32767 / max|h|) and each pair of codes times a pair of history
//   values is one `vpmaddwd` into 32-bit sums, exact. The only rounding beyond the rows' own is
//   the history's, at most max|h| / 65534 per value (the rows' own step is 2^8 times coarser);
//   sums are moved to float every 256 columns, so no 32-bit sum can overflow.
// - C = 64 (the default width) is compiled as a constant: its column loops unroll completely.
//
// Shape legend: B histories, N rows, C columns.
#if defined(__x86_64__)
#include "row_scores.h"
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))

enum { LANES = 8, INT_CHUNK = 256, STACK_VALUES = 2048, STACK_HISTORIES = 8 };

/// Lane r of the result is the sum of the eight lanes of a[r].
AVX2 static inline __m256 reduce8(const __m256 a[LANES]) {
    const __m256 t0 = _mm256_hadd_ps(a[0], a[1]), t1 = _mm256_hadd_ps(a[2], a[3]);
    const __m256 t2 = _mm256_hadd_ps(a[4], a[5]), t3 = _mm256_hadd_ps(a[6], a[7]);
    const __m256 u0 = _mm256_hadd_ps(t0, t1), u1 = _mm256_hadd_ps(t2, t3);
    return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

/// The eight rows of the block starting at row i (each `stride` elements of `size` bytes): rows
/// past the end repeat the last row, and their results are not stored (`store`).
static inline void block_rows(const void *rows, size_t stride, size_t size, size_t i, size_t row_end,
                              const void *row[LANES]) {
    for (size_t r = 0; r < LANES; r++)
        row[r] = (const char *)rows + (i + r < row_end ? i + r : row_end - 1) * stride * size;
}

/// out[0..<count] = v's first count lanes.
AVX2 static inline void store(float *out, __m256 v, size_t count) {
    if (count == LANES) {
        _mm256_storeu_ps(out, v);
        return;
    }
    float lanes[LANES];
    _mm256_storeu_ps(lanes, v);
    memcpy(out, lanes, count * sizeof(float));
}

AVX2 static inline __m256 load_or_zero(const float *x, size_t i, size_t count) {
    if (!x) return _mm256_setzero_ps();
    if (count == LANES) return _mm256_loadu_ps(x + i);
    float lanes[LANES] = {0};
    memcpy(lanes, x + i, count * sizeof(float));
    return _mm256_loadu_ps(lanes);
}

AVX2 static inline float half_bits_to_float(uint16_t bits) { return _cvtsh_ss(bits); }

AVX2 static inline __m256 load_half_scales(const uint16_t *x, size_t i, size_t count) {
    uint16_t lanes[LANES] = {0};
    memcpy(lanes, x + i, count * sizeof(uint16_t));
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)lanes));
}

/// Eight values of a Float32 row (`half` 0) or of an fp16 row (`half` 1) from column c, as floats.
AVX2 static inline __m256 load_values(const void *row, size_t c, int half) {
    return half ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)row + c)))
                : _mm256_loadu_ps((const float *)row + c);
}

AVX2 static inline float value_at(const void *row, size_t c, int half) {
    return half ? half_bits_to_float(((const uint16_t *)row)[c]) : ((const float *)row)[c];
}

/// Float32 and fp16 rows: the history meets the values in FMAs. `half` and (for width 64) `C`
/// are constants at each call, so each format and width compiles to its own loop.
AVX2 __attribute__((always_inline)) static inline void scores_float_rows(
    const float *h, size_t ldh, size_t B, const void *rows, int half, size_t C, size_t row_begin, size_t row_end,
    const float *bias, float *out, size_t ldo) {
    const size_t vector_columns = C / LANES * LANES;
    for (size_t i = row_begin; i < row_end; i += LANES) {
        const size_t count = row_end - i < LANES ? row_end - i : LANES;
        const void *row[LANES];
        block_rows(rows, C, half ? sizeof(uint16_t) : sizeof(float), i, row_end, row);
        const __m256 b0 = load_or_zero(bias, i, count);
        for (size_t b = 0; b < B; b++) {
            const float *hb = h + b * ldh;
            __m256 acc[LANES];
            float tail[LANES] = {0};
            for (size_t r = 0; r < LANES; r++) acc[r] = _mm256_setzero_ps();
            for (size_t c = 0; c < vector_columns; c += LANES) {
                const __m256 hv = _mm256_loadu_ps(hb + c);
                for (size_t r = 0; r < LANES; r++) acc[r] = _mm256_fmadd_ps(hv, load_values(row[r], c, half), acc[r]);
            }
            for (size_t r = 0; r < LANES; r++)
                for (size_t c = vector_columns; c < C; c++) tail[r] += hb[c] * value_at(row[r], c, half);
            const __m256 dot = _mm256_add_ps(reduce8(acc), _mm256_loadu_ps(tail));
            store(out + b * ldo + i, _mm256_add_ps(b0, dot), count);
        }
    }
}

AVX2 void ck_avx2_scores_f32_rows(const float *h, size_t ldh, size_t B, const float *rows, size_t C,
                                  size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo) {
    if (C == 64)
        scores_float_rows(h, ldh, B, rows, 0, 64, row_begin, row_end, bias, out, ldo);
    else
        scores_float_rows(h, ldh, B, rows, 0, C, row_begin, row_end, bias, out, ldo);
}

AVX2 void ck_avx2_scores_f16_rows(const float *h, size_t ldh, size_t B, const void *rows, size_t C,
                                  size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo) {
    if (C == 64)
        scores_float_rows(h, ldh, B, rows, 1, 64, row_begin, row_end, bias, out, ldo);
    else
        scores_float_rows(h, ldh, B, rows, 1, C, row_begin, row_end, bias, out, ldo);
}

AVX2 void ck_round_histories(const float *h, size_t ldh, size_t B, size_t C, size_t padded, int16_t *q,
                                 float *unit, float *total) {
    for (size_t b = 0; b < B; b++) {
        const float *hb = h + b * ldh;
        float largest = 0, sum = 0;
        for (size_t c = 0; c < C; c++) {
            const float a = hb[c] < 0 ? -hb[c] : hb[c];
            largest = a > largest ? a : largest;
            sum += hb[c];
        }
        const float step = largest > 0 ? 32767.0f / largest : 1.0f;
        for (size_t c = 0; c < C; c++) {
            const float v = __builtin_roundf(hb[c] * step);
            q[b * padded + c] = (int16_t)(v > 32767 ? 32767 : (v < -32767 ? -32767 : v));
        }
        for (size_t c = C; c < padded; c++) q[b * padded + c] = 0;
        unit[b] = 1.0f / step;
        total[b] = sum;
    }
}

/// acc + the pairwise products of sixteen signed codes (widened to 16 bits) and sixteen history values.
AVX2 static inline __m256i madd_i8(const int8_t *codes, __m256i q, __m256i acc) {
    const __m256i w = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)codes));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(w, q));
}

AVX2 __attribute__((always_inline)) static inline void scores_i8_rows(
    const float *h, size_t ldh, size_t B, const int8_t *rows, const uint16_t *scale, size_t C,
    size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo) {
    enum { WIDTH = 16 };
    const size_t vector_columns = C / WIDTH * WIDTH;
    const size_t padded = C + WIDTH;
    // A few histories (a request, a blockwise ranking's row) round into the stack: a call per
    // block of 128 rows would otherwise pay a malloc each time.
    int16_t stack_q[STACK_VALUES];
    float stack_unit[2 * STACK_HISTORIES];
    const int on_stack = B * padded <= STACK_VALUES && B <= STACK_HISTORIES;
    int16_t *q = on_stack ? stack_q : malloc(B * padded * sizeof(int16_t));
    float *unit = on_stack ? stack_unit : malloc(2 * B * sizeof(float)), *total = unit + B;
    ck_round_histories(h, ldh, B, C, padded, q, unit, total);
    for (size_t i = row_begin; i < row_end; i += LANES) {
        const size_t count = row_end - i < LANES ? row_end - i : LANES;
        const int8_t *code[LANES];
        block_rows(rows, C, 1, i, row_end, (const void **)code);
        const __m256 b0 = load_or_zero(bias, i, count);
        const __m256 s0 = load_half_scales(scale, i, count);
        for (size_t b = 0; b < B; b++) {
            const int16_t *qb = q + b * padded;
            __m256 acc[LANES];
            for (size_t r = 0; r < LANES; r++) acc[r] = _mm256_setzero_ps();
            for (size_t c0 = 0; c0 < vector_columns; c0 += INT_CHUNK) {
                const size_t c1 = vector_columns - c0 < INT_CHUNK ? vector_columns : c0 + INT_CHUNK;
                __m256i sums[LANES];
                for (size_t r = 0; r < LANES; r++) sums[r] = _mm256_setzero_si256();
                for (size_t c = c0; c < c1; c += WIDTH) {
                    const __m256i qv = _mm256_loadu_si256((const __m256i *)(qb + c));
                    for (size_t r = 0; r < LANES; r++) sums[r] = madd_i8(code[r] + c, qv, sums[r]);
                }
                for (size_t r = 0; r < LANES; r++) acc[r] = _mm256_add_ps(acc[r], _mm256_cvtepi32_ps(sums[r]));
            }
            float tail[LANES] = {0};
            for (size_t r = 0; r < LANES; r++)
                for (size_t c = vector_columns; c < C; c++) tail[r] += (float)((int32_t)code[r][c] * qb[c]);
            const __m256 codes_dot = _mm256_mul_ps(_mm256_add_ps(reduce8(acc), _mm256_loadu_ps(tail)),
                                                   _mm256_set1_ps(unit[b]));
            store(out + b * ldo + i, _mm256_fmadd_ps(s0, codes_dot, b0), count);
        }
    }
    if (!on_stack) {
        free(unit);
        free(q);
    }
}

AVX2 void ck_avx2_scores_i8_rows(const float *h, size_t ldh, size_t B, const int8_t *rows, const void *scale,
                                 size_t C, size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo) {
    if (C == 64)
        scores_i8_rows(h, ldh, B, rows, scale, 64, row_begin, row_end, bias, out, ldo);
    else
        scores_i8_rows(h, ldh, B, rows, scale, C, row_begin, row_end, bias, out, ldo);
}

/// int4: byte j of a row holds value j (low four bits) and value j + ceil(C/2) (high four bits).
/// Sixteen bytes give values j..j+15 and half+j..half+j+15, each pair of halves one madd.
AVX2 static inline __m256i madd_u4(const uint8_t *bytes, __m256i q_low, __m256i q_high, __m256i acc) {
    const __m256i w = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)bytes));
    const __m256i low = _mm256_and_si256(w, _mm256_set1_epi16(15)), high = _mm256_srli_epi16(w, 4);
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(low, q_low));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(high, q_high));
}

AVX2 __attribute__((always_inline)) static inline void scores_u4_rows(
    const float *h, size_t ldh, size_t B, const uint8_t *rows, const uint16_t *scale, const uint16_t *offset,
    size_t C, size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo) {
    enum { WIDTH = 16 };
    const size_t bytes = (C + 1) / 2, half = bytes, pairs = C / 2;
    const size_t vector_pairs = pairs / WIDTH * WIDTH;
    const size_t padded = C + 2 * WIDTH;
    // A few histories (a request, a blockwise ranking's row) round into the stack: a call per
    // block of 128 rows would otherwise pay a malloc each time.
    int16_t stack_q[STACK_VALUES];
    float stack_unit[2 * STACK_HISTORIES];
    const int on_stack = B * padded <= STACK_VALUES && B <= STACK_HISTORIES;
    int16_t *q = on_stack ? stack_q : malloc(B * padded * sizeof(int16_t));
    float *unit = on_stack ? stack_unit : malloc(2 * B * sizeof(float)), *total = unit + B;
    ck_round_histories(h, ldh, B, C, padded, q, unit, total);
    for (size_t i = row_begin; i < row_end; i += LANES) {
        const size_t count = row_end - i < LANES ? row_end - i : LANES;
        const uint8_t *code[LANES];
        block_rows(rows, bytes, 1, i, row_end, (const void **)code);
        const __m256 b0 = load_or_zero(bias, i, count);
        const __m256 s0 = load_half_scales(scale, i, count), o0 = load_half_scales(offset, i, count);
        for (size_t b = 0; b < B; b++) {
            const int16_t *qb = q + b * padded;
            __m256 acc[LANES];
            for (size_t r = 0; r < LANES; r++) acc[r] = _mm256_setzero_ps();
            // Each step adds two madds of at most 2·15·32767 per lane: 128 steps stay below 2^31.
            for (size_t j0 = 0; j0 < vector_pairs; j0 += INT_CHUNK / 2) {
                const size_t j1 = vector_pairs - j0 < INT_CHUNK / 2 ? vector_pairs : j0 + INT_CHUNK / 2;
                __m256i sums[LANES];
                for (size_t r = 0; r < LANES; r++) sums[r] = _mm256_setzero_si256();
                for (size_t j = j0; j < j1; j += WIDTH) {
                    const __m256i q_low = _mm256_loadu_si256((const __m256i *)(qb + j));
                    const __m256i q_high = _mm256_loadu_si256((const __m256i *)(qb + half + j));
                    for (size_t r = 0; r < LANES; r++) sums[r] = madd_u4(code[r] + j, q_low, q_high, sums[r]);
                }
                for (size_t r = 0; r < LANES; r++) acc[r] = _mm256_add_ps(acc[r], _mm256_cvtepi32_ps(sums[r]));
            }
            float tail[LANES] = {0};
            for (size_t r = 0; r < LANES; r++) {
                const uint8_t *codes = code[r];
                int32_t s = 0;
                for (size_t j = vector_pairs; j < pairs; j++)
                    s += (codes[j] & 15) * qb[j] + (codes[j] >> 4) * qb[half + j];
                if (C & 1) s += (codes[half - 1] & 15) * qb[half - 1];
                tail[r] = (float)s;
            }
            const __m256 codes_dot = _mm256_mul_ps(_mm256_add_ps(reduce8(acc), _mm256_loadu_ps(tail)),
                                                   _mm256_set1_ps(unit[b]));
            const __m256 value = _mm256_fmadd_ps(s0, codes_dot, _mm256_fmadd_ps(o0, _mm256_set1_ps(total[b]), b0));
            store(out + b * ldo + i, value, count);
        }
    }
    if (!on_stack) {
        free(unit);
        free(q);
    }
}

AVX2 void ck_avx2_scores_u4_rows(const float *h, size_t ldh, size_t B, const uint8_t *rows, const void *scale,
                                 const void *offset, size_t C, size_t row_begin, size_t row_end,
                                 const float *bias, float *out, size_t ldo) {
    if (C == 64)
        scores_u4_rows(h, ldh, B, rows, scale, offset, 64, row_begin, row_end, bias, out, ldo);
    else
        scores_u4_rows(h, ldh, B, rows, scale, offset, C, row_begin, row_end, bias, out, ldo);
}

int ck_has_avx2(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    }
    return cached;
}
#endif
