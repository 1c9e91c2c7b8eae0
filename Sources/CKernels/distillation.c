#include "distillation.h"
#include "exp_inline.h"
#include "multiversion.h"
#include <math.h>

// z += bias (bias may be NULL); returns max(z).
MULTIVERSION static float add_bias_and_max(float *restrict z, const float *restrict bias, size_t n) {
    float top = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        float v = z[i] + (bias ? bias[i] : 0.0f);
        z[i] = v;
        top = v > top ? v : top;
    }
    return top;
}

MULTIVERSION static float max_of(const float *restrict x, size_t n) {
    float top = -INFINITY;
    for (size_t i = 0; i < n; i++) top = x[i] > top ? x[i] : top;
    return top;
}

// Teacher row: u = (z_T − top)/t, e = exp(u) written in place; returns Σe, and Σ e·u in *eu.
MULTIVERSION static float teacher_exponentials(float *restrict zt, size_t n, float top, float inv_t, float *eu) {
    float sum = 0, weighted = 0;
    for (size_t i = 0; i < n; i++) {
        float u = (zt[i] - top) * inv_t;
        float e = exp_inline(u);
        zt[i] = e;
        sum += e;
        weighted += e * u;
    }
    *eu = weighted;
    return sum;
}

// Student sums: P = Σ exp(z − top), S = Σ exp((z − top)/t), B = Σ e_T·(z − top)/t.
MULTIVERSION static void student_sums(const float *restrict z, const float *restrict et, size_t n, float top, float inv_t,
                                      float *p, float *s, float *b) {
    float ps = 0, ss = 0, bs = 0;
    for (size_t i = 0; i < n; i++) {
        float d = z[i] - top;
        ps += exp_inline(d);
        ss += exp_inline(d * inv_t);
        bs += et[i] * d * inv_t;
    }
    *p = ps;
    *s = ss;
    *b = bs;
}

// g = cp·exp(z − top) + cs·exp((z − top)/t) − cq·e_T, in place of z.
MULTIVERSION static void distill_gradient(float *restrict z, const float *restrict et, size_t n, float top, float inv_t,
                                          float cp, float cs, float cq) {
    for (size_t i = 0; i < n; i++) {
        float d = z[i] - top;
        z[i] = cp * exp_inline(d) + cs * exp_inline(d * inv_t) - cq * et[i];
    }
}

MULTIVERSION static void add_row(const float *restrict x, float *restrict acc, size_t n) {
    for (size_t i = 0; i < n; i++) acc[i] += x[i];
}

void ck_distill_xent_rows(float *logits, const float *bias, const int32_t *targets, float *teacher,
                          size_t row_begin, size_t row_end, size_t n, float weight, float temperature,
                          float scale, float *bias_grad, double *cross_entropy, double *kl) {
    const float inv_t = 1.0f / temperature;
    double ce_total = 0, kl_total = 0;
    for (size_t r = row_begin; r < row_end; r++) {
        float *z = logits + r * n, *zt = teacher + r * n;
        size_t target = (size_t)targets[r];
        float top = add_bias_and_max(z, bias, n);
        float teacher_top = max_of(zt, n);
        float eu;
        float q = teacher_exponentials(zt, n, teacher_top, inv_t, &eu);
        float p, s, b;
        student_sums(z, zt, n, top, inv_t, &p, &s, &b);
        // CE = log P − (z_target − top); KL = Σ q log q − Σ q log s
        //    = (Σ e·u)/Q − log Q − (B/Q − log S).
        ce_total += (double)(logf(p) - (z[target] - top));
        kl_total += (double)((eu - b) / q - logf(q) + logf(s));
        float cp = scale * (1.0f - weight) / p, cs = scale * weight * temperature / s, cq = scale * weight * temperature / q;
        distill_gradient(z, zt, n, top, inv_t, cp, cs, cq);
        z[target] -= scale * (1.0f - weight);
        if (bias_grad) add_row(z, bias_grad, n);
    }
    *cross_entropy = ce_total;
    *kl = kl_total;
}
