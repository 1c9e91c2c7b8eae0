#include "ckernels.h"
#include "multiversion.h"
#include "exp_inline.h"
#include "max_inline.h"
#include <math.h>
#include <string.h>


// Reductions may be reassociated so they vectorise; the order differs from a sequential sum
// by rounding only, and is fixed for a given CPU, so results stay reproducible on one machine.
MULTIVERSION float ck_max(const float *x, size_t n) { return max_inline(x, n); }

MULTIVERSION size_t ck_count_above(const float *x, size_t n, float s) {
    // 32-bit lanes count blocks of at most 2^31 items, so the sum vectorises without overflow.
    size_t total = 0;
    for (size_t start = 0; start < n; start += (size_t)1 << 31) {
        size_t end = n - start > ((size_t)1 << 31) ? start + ((size_t)1 << 31) : n;
        uint32_t count = 0;
        for (size_t i = start; i < end; i++) count += x[i] > s;
        total += count;
    }
    return total;
}

MULTIVERSION float ck_sum(const float *x, size_t n) {
#pragma clang fp reassociate(on)
    float s = 0;
    for (size_t i = 0; i < n; i++) s += x[i];
    return s;
}

MULTIVERSION double ck_sum_squares(const float *x, size_t n) {
#pragma clang fp reassociate(on)
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * (double)x[i];
    return s;
}

MULTIVERSION void ck_add(const float *restrict x, float *restrict y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

MULTIVERSION void ck_scale(float *x, size_t n, float f) {
    for (size_t i = 0; i < n; i++) x[i] *= f;
}

MULTIVERSION float ck_exp(float x) { return exp_inline(x); }

MULTIVERSION void ck_axpy(float a, const float *restrict x, float *restrict y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] += a * x[i];
}

MULTIVERSION float ck_dot(const float *x, const float *y, size_t n) {
#pragma clang fp reassociate(on)
    float s = 0;
    for (size_t i = 0; i < n; i++) s += x[i] * y[i];
    return s;
}

MULTIVERSION void ck_multiply(const float *x, const float *y, float *restrict out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = x[i] * y[i];
}

MULTIVERSION void ck_multiply_add(const float *x, const float *y, float *restrict acc, size_t n) {
    for (size_t i = 0; i < n; i++) acc[i] += x[i] * y[i];
}

MULTIVERSION void ck_add_scalar(const float *x, float a, float *restrict out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = x[i] + a;
}

MULTIVERSION void ck_gather_scaled(const float *restrict s, const int32_t *restrict bucket, const float *restrict w,
                                   float *restrict out, size_t n) {
    if (w) {
        for (size_t i = 0; i < n; i++) out[i] = s[bucket[i]] * w[i];
    } else {
        for (size_t i = 0; i < n; i++) out[i] = s[bucket[i]];
    }
}

// Items that share a bucket add into the same ds entry, so this loop stays scalar.
void ck_scatter_scaled(const float *restrict g, const int32_t *restrict bucket, const float *restrict w,
                       const float *restrict s, float *restrict ds, float *restrict dw, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int32_t k = bucket[i];
        ds[k] += w ? g[i] * w[i] : g[i];
        if (dw) dw[i] += g[i] * s[k];
    }
}

MULTIVERSION float ck_exp_shifted(float *x, size_t n, float shift) {
#pragma clang fp reassociate(on)
    float s = 0;
    for (size_t i = 0; i < n; i++) {
        float e = exp_inline(x[i] - shift);
        x[i] = e;
        s += e;
    }
    return s;
}

// Pass 1 of a softmax row: row += bias (if any) and the row's maximum, in one sweep.
MULTIVERSION static float add_bias_max(float *restrict row, const float *restrict bias, size_t n) {
    float lane[16];
    for (int j = 0; j < 16; j++) lane[j] = -INFINITY;
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++) {
            float v = row[i + j] + (bias ? bias[i + j] : 0.0f);
            row[i + j] = v;
            lane[j] = v > lane[j] ? v : lane[j];
        }
    float m = -INFINITY;
    for (int j = 0; j < 16; j++) m = lane[j] > m ? lane[j] : m;
    for (; i < n; i++) {
        float v = row[i] + (bias ? bias[i] : 0.0f);
        row[i] = v;
        m = v > m ? v : m;
    }
    return m;
}

// Pass 3: row *= f and bias_grad += row, in one sweep.
MULTIVERSION static void scale_accumulate(float *restrict row, float f, float *restrict acc, size_t n) {
    if (acc) {
        for (size_t i = 0; i < n; i++) {
            float v = row[i] * f;
            row[i] = v;
            acc[i] += v;
        }
    } else {
        for (size_t i = 0; i < n; i++) row[i] *= f;
    }
}

double ck_softmax_xent_rows(float *logits, const float *bias, const int32_t *targets,
                            size_t row_begin, size_t row_end, size_t n, float scale, float *bias_grad) {
    double total = 0;
    for (size_t r = row_begin; r < row_end; r++) {
        float *row = logits + r * n;
        size_t target = (size_t)targets[r];
        float top = add_bias_max(row, bias, n);
        float target_logit = row[target];
        float sum = ck_exp_shifted(row, n, top);
        total += (double)(logf(sum) + (top - target_logit));
        // The target's -1 is applied before scaling so bias_grad sees the finished gradient.
        row[target] -= sum;
        scale_accumulate(row, scale / sum, bias_grad, n);
    }
    return total;
}

MULTIVERSION void ck_adam(float *restrict w, const float *restrict g, float *restrict m, float *restrict v,
                          size_t n, float beta1, float beta2, float epsilon, float weight_decay,
                          float step_size, float inverse_correction2) {
    for (size_t i = 0; i < n; i++) {
        float grad = g[i] + weight_decay * w[i];
        float mi = beta1 * m[i] + (1 - beta1) * grad;
        float vi = beta2 * v[i] + (1 - beta2) * grad * grad;
        m[i] = mi;
        v[i] = vi;
        w[i] -= step_size * mi / (CK_SQRTF(vi) * inverse_correction2 + epsilon);
    }
}
