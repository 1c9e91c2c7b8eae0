// Scores of histories against rows stored in reduced precision, and the row dequantization of
// embedding lookups. Layouts are QuantizedRows' (Swift): fp16 bits; int8 signed codes with an
// fp16 scale per row (value = scale * code); int4 codes, byte j holding value j (low four bits)
// and value j + ceil(C/2) (high four bits), with an fp16 scale and offset per row (value =
// scale * code + offset). A row's score is bias + scale * (h . codes) [+ offset * sum(h)].
//
// On a CPU with AVX-512 (F, BW, VL, VNNI) the work goes to row_scores_avx512.c (sixteen rows per
// reduction), on one with AVX2, FMA and F16C to row_scores_avx2.c (eight); both multiply int8 and
// int4 codes by a 16-bit rounding of the history, exactly in integers. The portable versions below
// convert codes to float and use float FMAs; they serve every other CPU. ck_row_kernels_at gives
// each level's kernels, so tests can check every level the CPU runs.
// int8 is symmetric: signed codes -127..127 and an fp16 scale per row, value = scale * code.
// Shape legend: B histories, N rows, C columns.
#include "ckernels.h"
#include "multiversion.h"
#include "row_scores.h"
#include <string.h>

enum { ROW_BLOCK = 64 };

static inline float half_to_float(const void *bits) {
    _Float16 h;
    memcpy(&h, bits, sizeof h);
    return (float)h;
}

static inline float sum_inline(const float *restrict x, size_t n) {
#pragma clang fp reassociate(on)
    float s = 0;
    for (size_t i = 0; i < n; i++) s += x[i];
    return s;
}

static inline float dot_f32(const float *restrict h, const float *restrict w, size_t n) {
#pragma clang fp reassociate(on)
    float s = 0;
    for (size_t c = 0; c < n; c++) s += h[c] * w[c];
    return s;
}

static inline float dot_f16(const float *restrict h, const _Float16 *restrict w, size_t n) {
#pragma clang fp reassociate(on)
    float s = 0;
    for (size_t c = 0; c < n; c++) s += h[c] * (float)w[c];
    return s;
}

static inline float dot_i8(const float *restrict h, const int8_t *restrict q, size_t n) {
#pragma clang fp reassociate(on)
    float s = 0;
    for (size_t c = 0; c < n; c++) s += h[c] * (float)q[c];
    return s;
}

static inline float dot_u4(const float *restrict h, const uint8_t *restrict q, size_t n) {
#pragma clang fp reassociate(on)
    const size_t half = (n + 1) / 2, pairs = n / 2;
    const float *restrict upper = h + half;
    float s = 0;
    for (size_t j = 0; j < pairs; j++) s += h[j] * (float)(q[j] & 15) + upper[j] * (float)(q[j] >> 4);
    if (n & 1) s += h[half - 1] * (float)(q[half - 1] & 15);
    return s;
}

MULTIVERSION static void portable_scores_f16_rows(const float *h, size_t ldh, size_t histories, const void *rows, size_t columns,
                                     size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo) {
    const _Float16 *w = (const _Float16 *)rows;
    for (size_t i0 = row_begin; i0 < row_end; i0 += ROW_BLOCK) {
        const size_t i1 = row_end - i0 < ROW_BLOCK ? row_end : i0 + ROW_BLOCK;
        for (size_t b = 0; b < histories; b++) {
            const float *hb = h + b * ldh;
            float *ob = out + b * ldo;
            for (size_t i = i0; i < i1; i++) ob[i] = (bias ? bias[i] : 0) + dot_f16(hb, w + i * columns, columns);
        }
    }
}

MULTIVERSION static void portable_scores_i8_rows(const float *h, size_t ldh, size_t histories, const int8_t *rows,
                                    const void *scale, size_t columns, size_t row_begin, size_t row_end,
                                    const float *bias, float *out, size_t ldo) {
    const uint16_t *scales = (const uint16_t *)scale;
    for (size_t i0 = row_begin; i0 < row_end; i0 += ROW_BLOCK) {
        const size_t i1 = row_end - i0 < ROW_BLOCK ? row_end : i0 + ROW_BLOCK;
        for (size_t b = 0; b < histories; b++) {
            const float *hb = h + b * ldh;
            float *ob = out + b * ldo;
            for (size_t i = i0; i < i1; i++) {
                const float dot = dot_i8(hb, rows + i * columns, columns);
                ob[i] = (bias ? bias[i] : 0) + half_to_float(scales + i) * dot;
            }
        }
    }
}

MULTIVERSION static void portable_scores_u4_rows(const float *h, size_t ldh, size_t histories, const uint8_t *rows,
                                    const void *scale, const void *offset, size_t columns, size_t row_begin,
                                    size_t row_end, const float *bias, float *out, size_t ldo) {
    const size_t bytes = (columns + 1) / 2;
    const uint16_t *scales = (const uint16_t *)scale, *offsets = (const uint16_t *)offset;
    for (size_t i0 = row_begin; i0 < row_end; i0 += ROW_BLOCK) {
        const size_t i1 = row_end - i0 < ROW_BLOCK ? row_end : i0 + ROW_BLOCK;
        for (size_t b = 0; b < histories; b++) {
            const float *hb = h + b * ldh;
            const float total = sum_inline(hb, columns);
            float *ob = out + b * ldo;
            for (size_t i = i0; i < i1; i++) {
                const float dot = dot_u4(hb, rows + i * bytes, columns);
                ob[i] = (bias ? bias[i] : 0) + half_to_float(scales + i) * dot + half_to_float(offsets + i) * total;
            }
        }
    }
}

MULTIVERSION static void portable_scores_f32_rows(const float *h, size_t ldh, size_t histories, const float *rows,
                                                  size_t columns, size_t row_begin, size_t row_end, const float *bias,
                                                  float *out, size_t ldo) {
    for (size_t i0 = row_begin; i0 < row_end; i0 += ROW_BLOCK) {
        const size_t i1 = row_end - i0 < ROW_BLOCK ? row_end : i0 + ROW_BLOCK;
        for (size_t b = 0; b < histories; b++) {
            const float *hb = h + b * ldh;
            float *ob = out + b * ldo;
            for (size_t i = i0; i < i1; i++) ob[i] = (bias ? bias[i] : 0) + dot_f32(hb, rows + i * columns, columns);
        }
    }
}

static const ck_row_kernels portable_kernels = {
    "portable", portable_scores_f32_rows, portable_scores_f16_rows, portable_scores_i8_rows, portable_scores_u4_rows};
#if defined(__x86_64__)
static const ck_row_kernels avx2_kernels = {
    "avx2", ck_avx2_scores_f32_rows, ck_avx2_scores_f16_rows, ck_avx2_scores_i8_rows, ck_avx2_scores_u4_rows};
static const ck_row_kernels avx512_kernels = {
    "avx512-vnni", ck_avx512_scores_f32_rows, ck_avx512_scores_f16_rows, ck_avx512_scores_i8_rows,
    ck_avx512_scores_u4_rows};
#endif

const ck_row_kernels *ck_row_kernels_at(int level) {
    switch (level) {
    case 0: return &portable_kernels;
#if defined(__x86_64__)
    case 1: return ck_has_avx2() ? &avx2_kernels : NULL;
    case 2: return ck_has_avx512() ? &avx512_kernels : NULL;
#endif
    default: return NULL;
    }
}

int ck_row_kernels_level(void) {
    static int cached = -1;
    if (cached < 0) cached = ck_has_avx512() ? 2 : (ck_has_avx2() ? 1 : 0);
    return cached;
}

static inline const ck_row_kernels *best_kernels(void) { return ck_row_kernels_at(ck_row_kernels_level()); }

void ck_scores_f32_rows(const float *h, size_t ldh, size_t histories, const float *rows, size_t columns,
                        size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo) {
    best_kernels()->f32(h, ldh, histories, rows, columns, row_begin, row_end, bias, out, ldo);
}

void ck_scores_f16_rows(const float *h, size_t ldh, size_t histories, const void *rows, size_t columns,
                        size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo) {
    best_kernels()->f16(h, ldh, histories, rows, columns, row_begin, row_end, bias, out, ldo);
}

void ck_scores_i8_rows(const float *h, size_t ldh, size_t histories, const int8_t *rows, const void *scale,
                       size_t columns, size_t row_begin, size_t row_end, const float *bias, float *out, size_t ldo) {
    best_kernels()->i8(h, ldh, histories, rows, scale, columns, row_begin, row_end, bias, out, ldo);
}

void ck_scores_u4_rows(const float *h, size_t ldh, size_t histories, const uint8_t *rows, const void *scale,
                       const void *offset, size_t columns, size_t row_begin, size_t row_end, const float *bias,
                       float *out, size_t ldo) {
    best_kernels()->u4(h, ldh, histories, rows, scale, offset, columns, row_begin, row_end, bias, out, ldo);
}

MULTIVERSION void ck_dequantize_f16(const void *row, size_t n, float *out) {
    const _Float16 *w = (const _Float16 *)row;
    for (size_t c = 0; c < n; c++) out[c] = (float)w[c];
}

MULTIVERSION void ck_dequantize_i8(const int8_t *row, size_t n, float scale, float *out) {
    for (size_t c = 0; c < n; c++) out[c] = scale * (float)row[c];
}

MULTIVERSION void ck_dequantize_u4(const uint8_t *row, size_t n, float scale, float offset, float *out) {
    const size_t half = (n + 1) / 2, pairs = n / 2;
    float *upper = out + half;
    for (size_t j = 0; j < pairs; j++) {
        out[j] = scale * (float)(row[j] & 15) + offset;
        upper[j] = scale * (float)(row[j] >> 4) + offset;
    }
    if (n & 1) out[half - 1] = scale * (float)(row[half - 1] & 15) + offset;
}
