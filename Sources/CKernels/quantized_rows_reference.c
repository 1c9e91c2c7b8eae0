// Scalar references for the kernels of quantized_rows.c: one value at a time, each dequantized
// (int8 as scale * code, int4 as scale * code + offset) and accumulated in double, in order. Tests compare the kernels with them.
#include "ckernels.h"
#include <string.h>

static double half_value(const void *bits) {
    _Float16 h;
    memcpy(&h, bits, sizeof h);
    return (double)(float)h;
}

/// Value c of row i, dequantized (format: 16, 8 or 4).
static double value(int format, const void *rows, const void *scale, const void *offset, size_t columns, size_t i,
                    size_t c) {
    if (format == 16) return half_value((const uint16_t *)rows + i * columns + c);
    if (format == 8) {
        const int8_t q = ((const int8_t *)rows)[i * columns + c];
        return half_value((const uint16_t *)scale + i) * q;
    }
    const size_t bytes = (columns + 1) / 2;
    const uint8_t byte = ((const uint8_t *)rows)[i * bytes + (c < bytes ? c : c - bytes)];
    const uint8_t q = c < bytes ? (byte & 15) : (byte >> 4);
    return half_value((const uint16_t *)scale + i) * q + half_value((const uint16_t *)offset + i);
}

void ck_scores_rows_reference(int format, const float *h, size_t ldh, size_t histories, const void *rows,
                              const void *scale, const void *offset, size_t columns, size_t row_begin, size_t row_end,
                              const float *bias, float *out, size_t ldo) {
    for (size_t b = 0; b < histories; b++) {
        for (size_t i = row_begin; i < row_end; i++) {
            double s = bias ? bias[i] : 0;
            for (size_t c = 0; c < columns; c++) s += (double)h[b * ldh + c] * value(format, rows, scale, offset, columns, i, c);
            out[b * ldo + i] = (float)s;
        }
    }
}

void ck_dequantize_reference(int format, const void *rows, const void *scale, const void *offset, size_t columns,
                             size_t row, float *out) {
    for (size_t c = 0; c < columns; c++) out[c] = (float)value(format, rows, scale, offset, columns, row, c);
}
