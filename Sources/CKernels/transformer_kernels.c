#include "transformer_kernels.h"
#include "exp_inline.h"
#include "multiversion.h"

// Φ(x) = ½(1 + erf(x/√2)) and φ(x) = e^(−x²/2)/√(2π), together: both need e^(−x²/2).
// erf(z) for z ≥ 0 is 1 − (a1·t + … + a5·t⁵)·e^(−z²) with t = 1/(1 + p·z) (A&S 7.1.26,
// |error| ≤ 1.5e-7); erf is odd.
static inline void normal_cdf_pdf(float x, float *cdf, float *pdf) {
    const float a1 = 0.254829592f, a2 = -0.284496736f, a3 = 1.421413741f, a4 = -1.453152027f,
                a5 = 1.061405429f, p = 0.3275911f;
    float z = (x < 0 ? -x : x) * 0.70710678118654752f;
    float t = 1.0f / (1.0f + p * z);
    float gaussian = exp_inline(-z * z);  // e^(−x²/2)
    float poly = ((((a5 * t + a4) * t + a3) * t + a2) * t + a1) * t;
    float erf_abs = 1.0f - poly * gaussian;
    float erf = x < 0 ? -erf_abs : erf_abs;
    *cdf = 0.5f * (1.0f + erf);
    *pdf = gaussian * 0.39894228040143268f;
}

MULTIVERSION
void ck_gelu(const float *x, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float cdf, pdf;
        normal_cdf_pdf(x[i], &cdf, &pdf);
        out[i] = x[i] * cdf;
    }
}

MULTIVERSION
void ck_gelu_backward(const float *x, const float *dy, float *dx, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float cdf, pdf;
        normal_cdf_pdf(x[i], &cdf, &pdf);
        dx[i] = dy[i] * (cdf + x[i] * pdf);
    }
}
