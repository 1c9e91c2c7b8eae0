// The AVX-512 versions of the row-scoring kernels of quantized_rows.c, picked at run time when
// the CPU has AVX-512 F, BW, VL and VNNI (row_scores.h). Layouts and formulas are those of
// quantized_rows.c; the order of work is row_scores_avx2.c's, twice as wide:
//
// - Sixteen rows at a time. Each row's dot product is accumulated in its own 512-bit register
//   over the columns, and the sixteen accumulators are reduced together (four rounds of
//   shuffles and adds), so a row costs C/16 FMAs and a share of one store.
// - int8 and int4 rows meet the same 16-bit rounding of the history as the AVX2 kernels
//   (round_histories there), 32 code–history pairs per VNNI `vpdpwssd` into exact 32-bit sums;
//   the sixteen rows' sums are reduced as integers, so an int8 or int4 row's dot product is the
//   exact integer sum before its one conversion to float.
// - Column tails are masked loads, rows past the end repeat the last row and are not stored
//   (masked stores): no scalar tail loops.
// - C = 64 (the default width) is compiled as a constant: its column loops unroll completely.
//
// Shape legend: B histories, N rows, C columns.
#if defined(__x86_64__)
#include "row_scores.h"
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))

enum { PREFETCH_BYTES = 16384, LANES = 16, INT_CHUNK = 256, STACK_VALUES = 2048, STACK_HISTORIES = 8 };

/// Lane r of the result is the sum of the sixteen lanes of a[r] (Float32 adds).
AVX512 static inline __m512 reduce16_ps(const __m512 a[LANES]) {
    __m512 s[8], t[4], u[2];
    // Halves: s[k] holds eight partial sums of row 2k (lanes 0–7) and of row 2k + 1 (8–15).
    for (int k = 0; k < 8; k++)
        s[k] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * k], a[2 * k + 1], 0x44),
                             _mm512_shuffle_f32x4(a[2 * k], a[2 * k + 1], 0xEE));
    // Quarters: quarter j of t[k] holds four partial sums of row 4k + j.
    for (int k = 0; k < 4; k++)
        t[k] = _mm512_add_ps(_mm512_shuffle_f32x4(s[2 * k], s[2 * k + 1], 0x88),
                             _mm512_shuffle_f32x4(s[2 * k], s[2 * k + 1], 0xDD));
    // Within each quarter j: u[k] holds two partial sums each of rows 8k + j and 8k + 4 + j, then v
    // one sum each of rows j, 4 + j, 8 + j and 12 + j (lane 4j + m: row j + 4m).
    for (int k = 0; k < 2; k++)
        u[k] = _mm512_add_ps(_mm512_unpacklo_ps(t[2 * k], t[2 * k + 1]), _mm512_unpackhi_ps(t[2 * k], t[2 * k + 1]));
    const __m512 v = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(u[0]), _mm512_castps_pd(u[1]))),
                                   _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(u[0]), _mm512_castps_pd(u[1]))));
    // Row r to lane r: it is in lane 4 (r mod 4) + r / 4.
    return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), v);
}

/// reduce16_ps with 32-bit integer adds (exact: the sums cannot overflow, see INT_CHUNK).
AVX512 static inline __m512i reduce16_epi32(const __m512i a[LANES]) {
    __m512i s[8], t[4], u[2];
    for (int k = 0; k < 8; k++)
        s[k] = _mm512_add_epi32(_mm512_shuffle_i32x4(a[2 * k], a[2 * k + 1], 0x44),
                                _mm512_shuffle_i32x4(a[2 * k], a[2 * k + 1], 0xEE));
    for (int k = 0; k < 4; k++)
        t[k] = _mm512_add_epi32(_mm512_shuffle_i32x4(s[2 * k], s[2 * k + 1], 0x88),
                                _mm512_shuffle_i32x4(s[2 * k], s[2 * k + 1], 0xDD));
    for (int k = 0; k < 2; k++)
        u[k] = _mm512_add_epi32(_mm512_unpacklo_epi32(t[2 * k], t[2 * k + 1]),
                                _mm512_unpackhi_epi32(t[2 * k], t[2 * k + 1]));
    const __m512i v = _mm512_add_epi32(_mm512_unpacklo_epi64(u[0], u[1]), _mm512_unpackhi_epi64(u[0], u[1]));
    return _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), v);
}

/// Row r of a block of `count` rows starting at `block` (rows `stride` bytes apart): rows past
/// the end repeat the last one, and their results are not stored. Each kernel's block body is
/// compiled twice, for count = LANES (a constant: no clamping, rows at constant offsets from one
/// pointer) and for the last, partial block.
static inline const void *row_at(const void *block, size_t r, size_t count, size_t stride) {
    return (const char *)block + (r < count ? r : count - 1) * stride;
}

/// Asks for the cache lines PREFETCH_BYTES past a block of `bytes` bytes: the hardware's own
/// prefetch alone leaves a scan of a table in L3 or memory at about half the rate (Zen 5, one core,
/// int8 rows of 64: 2.0 against 1.2 ns a row from L3). Prefetches past the table's end are
/// harmless (a prefetch never faults).
AVX512 static inline void prefetch_ahead(const void *block, size_t bytes) {
    for (size_t line = 0; line < bytes; line += 64) _mm_prefetch((const char *)block + PREFETCH_BYTES + line, _MM_HINT_T0);
}

/// The mask of the first `count` of sixteen lanes.
static inline __mmask16 first(size_t count) { return count >= LANES ? 0xFFFF : (__mmask16)((1u << count) - 1); }

AVX512 static inline __m512 load_or_zero(const float *x, size_t i, __mmask16 mask) {
    return x ? _mm512_maskz_loadu_ps(mask, x + i) : _mm512_setzero_ps();
}

AVX512 static inline __m512 load_half_scales(const uint16_t *x, size_t i, __mmask16 mask) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, x + i));
}

/// Sixteen values (the first `mask` of them, zeros after) of a Float32 row (`half` 0) or of an
/// fp16 row (`half` 1) from column c, as floats.
AVX512 static inline __m512 load_values(const void *row, size_t c, int half, __mmask16 mask) {
    return half ? _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, (const uint16_t *)row + c))
                : _mm512_maskz_loadu_ps(mask, (const float *)row + c);
}

/// Float32 and fp16 rows: the history meets the values in FMAs. `half` and (for width 64) `C`
/// are constants at each call, so each format and width compiles to its own loop.
AVX512 __attribute__((always_inline)) static inline void float_block(
    const float *h, size_t ldh, size_t B, const void *block, int half, size_t C, size_t vector_columns,
    __mmask16 column_tail, size_t count, size_t i, const float *bias, float *out, size_t ldo) {
    const size_t stride = C * (half ? sizeof(uint16_t) : sizeof(float));
    const __mmask16 stored = first(count);
    const __m512 b0 = load_or_zero(bias, i, stored);
    prefetch_ahead(block, LANES * stride);
    for (size_t b = 0; b < B; b++) {
        const float *hb = h + b * ldh;
        __m512 acc[LANES];
        for (size_t r = 0; r < LANES; r++) acc[r] = _mm512_setzero_ps();
        for (size_t c = 0; c < vector_columns; c += LANES) {
            const __m512 hv = _mm512_loadu_ps(hb + c);
            for (size_t r = 0; r < LANES; r++)
                acc[r] = _mm512_fmadd_ps(hv, load_values(row_at(block, r, count, stride), c, half, 0xFFFF), acc[r]);
        }
        if (column_tail) {
            const __m512 hv = _mm512_maskz_loadu_ps(column_tail, hb + vector_columns);
            for (size_t r = 0; r < LANES; r++)
                acc[r] = _mm512_fmadd_ps(
                    hv, load_values(row_at(block, r, count, stride), vector_columns, half, column_tail), acc[r]);
        }
        _mm512_mask_storeu_ps(out + b * ldo + i, stored, _mm512_add_ps(b0, reduce16_ps(acc)));
    }
}

AVX512 __attribute__((always_inline)) static inline void scores_float_rows(
    const float *h, size_t ldh, size_t B, const void *rows, int half, size_t C, size_t row_begin, size_t row_end,
    const float *bias, float *out, size_t ldo) {
    const size_t vector_columns = C / LANES * LANES;
    const __mmask16 column_tail = first(C - vector_columns);
    const size_t size = half ? sizeof(uint16_t) : sizeof(float);
    for (size_t i = row_begin; i < row_end; i += LANES) {
        const void *block = (const char *)rows + i * C * size;
        if (row_end - i >= LANES)
            float_block(h, ldh, B, block, half, C, vector_columns, column_tail, LANES, i, bias, out, ldo);
        else
            float_block(h, ldh, B, block, half, C, vector_columns, column_tail, row_end - i, i, bias, out, ldo);
    }
}

AVX512 void ck_avx512_scores_f32_rows(const float *h, size_t ldh, size_t B, const float *rows, size_t C,
                                      size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo) {
    if (C == 64)
        scores_float_rows(h, ldh, B, rows, 0, 64, row_begin, row_end, bias, out, ldo);
    else
        scores_float_rows(h, ldh, B, rows, 0, C, row_begin, row_end, bias, out, ldo);
}

AVX512 void ck_avx512_scores_f16_rows(const float *h, size_t ldh, size_t B, const void *rows, size_t C,
                                      size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo) {
    if (C == 64)
        scores_float_rows(h, ldh, B, rows, 1, 64, row_begin, row_end, bias, out, ldo);
    else
        scores_float_rows(h, ldh, B, rows, 1, C, row_begin, row_end, bias, out, ldo);
}

/// The rounded histories of one call: on the stack for a few (a request, a blockwise ranking's
/// row: a call per block of 128 rows would otherwise pay a malloc each time), else on the heap.
typedef struct {
    int16_t stack_q[STACK_VALUES];
    float stack_unit[2 * STACK_HISTORIES];
    int16_t *q;            // [B, padded], zeros past C
    float *unit, *total;   // [B] each
} rounded_histories;

static void round_into(rounded_histories *r, const float *h, size_t ldh, size_t B, size_t C, size_t padded) {
    const int on_stack = B * padded <= STACK_VALUES && B <= STACK_HISTORIES;
    r->q = on_stack ? r->stack_q : malloc(B * padded * sizeof(int16_t));
    r->unit = on_stack ? r->stack_unit : malloc(2 * B * sizeof(float));
    r->total = r->unit + B;
    ck_round_histories(h, ldh, B, C, padded, r->q, r->unit, r->total);
}

static void release(rounded_histories *r) {
    if (r->q != r->stack_q) {
        free(r->unit);
        free(r->q);
    }
}

/// acc + the pairwise products of 32 signed codes (widened to 16 bits) and 32 history values.
AVX512 static inline __m512i dot_i8(const int8_t *codes, __m512i q, __mmask32 mask, __m512i acc) {
    const __m512i w = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(mask, codes));
    return _mm512_dpwssd_epi32(acc, w, q);
}

AVX512 __attribute__((always_inline)) static inline void i8_block(
    const rounded_histories *rounded, size_t padded, size_t B, const int8_t *block, const uint16_t *scale, size_t C,
    size_t count, size_t i, const float *bias, float *out, size_t ldo) {
    enum { WIDTH = 32 };
    const __mmask16 stored = first(count);
    const __m512 b0 = load_or_zero(bias, i, stored);
    const __m512 s0 = load_half_scales(scale, i, stored);
    prefetch_ahead(block, LANES * C);
    for (size_t b = 0; b < B; b++) {
        const int16_t *qb = rounded->q + b * padded;
        __m512 acc = _mm512_setzero_ps();
        for (size_t c0 = 0; c0 < C; c0 += INT_CHUNK) {
            const size_t c1 = C - c0 < INT_CHUNK ? C : c0 + INT_CHUNK;
            __m512i sums[LANES];
            for (size_t r = 0; r < LANES; r++) sums[r] = _mm512_setzero_si512();
            for (size_t c = c0; c < c1; c += WIDTH) {
                const __m512i qv = _mm512_loadu_si512(qb + c);
                const __mmask32 mask = c1 - c >= WIDTH ? 0xFFFFFFFFu : (__mmask32)((1u << (c1 - c)) - 1);
                for (size_t r = 0; r < LANES; r++)
                    sums[r] = dot_i8((const int8_t *)row_at(block, r, count, C) + c, qv, mask, sums[r]);
            }
            acc = _mm512_add_ps(acc, _mm512_cvtepi32_ps(reduce16_epi32(sums)));
        }
        const __m512 codes_dot = _mm512_mul_ps(acc, _mm512_set1_ps(rounded->unit[b]));
        _mm512_mask_storeu_ps(out + b * ldo + i, stored, _mm512_fmadd_ps(s0, codes_dot, b0));
    }
}

AVX512 __attribute__((always_inline)) static inline void scores_i8_rows(
    const float *h, size_t ldh, size_t B, const int8_t *rows, const uint16_t *scale, size_t C,
    size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo) {
    enum { WIDTH = 32 };
    const size_t padded = (C + WIDTH - 1) / WIDTH * WIDTH;
    rounded_histories rounded;
    round_into(&rounded, h, ldh, B, C, padded);
    for (size_t i = row_begin; i < row_end; i += LANES) {
        if (row_end - i >= LANES)
            i8_block(&rounded, padded, B, rows + i * C, scale, C, LANES, i, bias, out, ldo);
        else
            i8_block(&rounded, padded, B, rows + i * C, scale, C, row_end - i, i, bias, out, ldo);
    }
    release(&rounded);
}

AVX512 void ck_avx512_scores_i8_rows(const float *h, size_t ldh, size_t B, const int8_t *rows, const void *scale,
                                     size_t C, size_t row_begin, size_t row_end, const float *bias, float *out,
                                     size_t ldo) {
    if (C == 64)
        scores_i8_rows(h, ldh, B, rows, scale, 64, row_begin, row_end, bias, out, ldo);
    else
        scores_i8_rows(h, ldh, B, rows, scale, C, row_begin, row_end, bias, out, ldo);
}

/// int4: byte j of a row holds value j (low four bits) and value j + ceil(C/2) (high four bits).
/// 32 bytes give values j..j+31 and half+j..half+j+31, each half one `vpdpwssd`.
AVX512 static inline __m512i dot_u4(const uint8_t *bytes, __m512i q_low, __m512i q_high, __mmask32 mask,
                                    __m512i acc) {
    const __m512i w = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(mask, bytes));
    const __m512i low = _mm512_and_si512(w, _mm512_set1_epi16(15)), high = _mm512_srli_epi16(w, 4);
    return _mm512_dpwssd_epi32(_mm512_dpwssd_epi32(acc, low, q_low), high, q_high);
}

AVX512 __attribute__((always_inline)) static inline void u4_block(
    const rounded_histories *rounded, size_t padded, size_t B, const uint8_t *block, const uint16_t *scale,
    const uint16_t *offset, size_t C, size_t count, size_t i, const float *bias, float *out, size_t ldo) {
    enum { WIDTH = 32 };
    const size_t bytes = (C + 1) / 2, half = bytes;
    const __mmask16 stored = first(count);
    const __m512 b0 = load_or_zero(bias, i, stored);
    const __m512 s0 = load_half_scales(scale, i, stored), o0 = load_half_scales(offset, i, stored);
    prefetch_ahead(block, LANES * bytes);
    for (size_t b = 0; b < B; b++) {
        const int16_t *qb = rounded->q + b * padded;
        __m512 acc = _mm512_setzero_ps();
        // Each byte adds two products of at most 15·32767: 128 bytes a chunk stay below 2^31.
        for (size_t j0 = 0; j0 < bytes; j0 += INT_CHUNK / 2) {
            const size_t j1 = bytes - j0 < INT_CHUNK / 2 ? bytes : j0 + INT_CHUNK / 2;
            __m512i sums[LANES];
            for (size_t r = 0; r < LANES; r++) sums[r] = _mm512_setzero_si512();
            for (size_t j = j0; j < j1; j += WIDTH) {
                // An odd C's last byte has no high value: the history is zero there (q[C] = 0).
                const __m512i q_low = _mm512_loadu_si512(qb + j), q_high = _mm512_loadu_si512(qb + half + j);
                const __mmask32 mask = j1 - j >= WIDTH ? 0xFFFFFFFFu : (__mmask32)((1u << (j1 - j)) - 1);
                for (size_t r = 0; r < LANES; r++)
                    sums[r] = dot_u4((const uint8_t *)row_at(block, r, count, bytes) + j, q_low, q_high, mask, sums[r]);
            }
            acc = _mm512_add_ps(acc, _mm512_cvtepi32_ps(reduce16_epi32(sums)));
        }
        const __m512 codes_dot = _mm512_mul_ps(acc, _mm512_set1_ps(rounded->unit[b]));
        const __m512 value = _mm512_fmadd_ps(s0, codes_dot, _mm512_fmadd_ps(o0, _mm512_set1_ps(rounded->total[b]), b0));
        _mm512_mask_storeu_ps(out + b * ldo + i, stored, value);
    }
}

AVX512 __attribute__((always_inline)) static inline void scores_u4_rows(
    const float *h, size_t ldh, size_t B, const uint8_t *rows, const uint16_t *scale, const uint16_t *offset,
    size_t C, size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo) {
    enum { WIDTH = 32 };
    const size_t bytes = (C + 1) / 2, half = bytes;
    // The history's high half starts at `half` and is read up to half + bytes rounded up to WIDTH.
    const size_t padded = half + (bytes + WIDTH - 1) / WIDTH * WIDTH;
    rounded_histories rounded;
    round_into(&rounded, h, ldh, B, C, padded);
    for (size_t i = row_begin; i < row_end; i += LANES) {
        if (row_end - i >= LANES)
            u4_block(&rounded, padded, B, rows + i * bytes, scale, offset, C, LANES, i, bias, out, ldo);
        else
            u4_block(&rounded, padded, B, rows + i * bytes, scale, offset, C, row_end - i, i, bias, out, ldo);
    }
    release(&rounded);
}

AVX512 void ck_avx512_scores_u4_rows(const float *h, size_t ldh, size_t B, const uint8_t *rows, const void *scale,
                                     const void *offset, size_t C, size_t row_begin, size_t row_end,
                                     const float *bias, float *out, size_t ldo) {
    if (C == 64)
        scores_u4_rows(h, ldh, B, rows, scale, offset, 64, row_begin, row_end, bias, out, ldo);
    else
        scores_u4_rows(h, ldh, B, rows, scale, offset, C, row_begin, row_end, bias, out, ldo);
}

int ck_has_avx512(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = ck_has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
    }
    return cached;
}
#endif
