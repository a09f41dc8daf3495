// The portable scalar level: the reference every SIMD level is tested against, and the
// fallback on CPUs with none of the SIMD levels.
#include "kernels_internal.h"
#include <math.h>

AEON_SCALAR_FN
int32_t aeon_scalar_dot_i8(const int8_t *a, const int8_t *b, size_t dim) {
    int32_t sum = 0;
    AEON_SCALAR_LOOP
    for (size_t i = 0; i < dim; i++) sum += (int32_t)a[i] * (int32_t)b[i];
    return sum;
}

AEON_SCALAR_FN
float aeon_scalar_dot_f32(const float *a, const float *b, size_t dim) {
    float sum = 0.0f;
    AEON_SCALAR_LOOP
    for (size_t i = 0; i < dim; i++) sum += a[i] * b[i];
    return sum;
}

AEON_SCALAR_FN
float aeon_scalar_l2sq_f32(const float *a, const float *b, size_t dim) {
    float sum = 0.0f;
    AEON_SCALAR_LOOP
    for (size_t i = 0; i < dim; i++) {
        float d = a[i] - b[i];
        sum += d * d;
    }
    return sum;
}

AEON_SCALAR_FN
void aeon_scalar_scan_i8(const int8_t *q, const int8_t *codes, size_t dim, size_t stride,
                         size_t count, int32_t *scores) {
    for (size_t r = 0; r < count; r++) scores[r] = aeon_scalar_dot_i8(q, codes + r * stride, dim);
}

AEON_SCALAR_FN
float aeon_scalar_quantize(const float *x, size_t dim, int8_t *codes) {
    float maxabs = 0.0f;
    AEON_SCALAR_LOOP
    for (size_t i = 0; i < dim; i++) {
        float a = fabsf(x[i]);
        if (a > maxabs) maxabs = a;
    }
    float scale, inv;
    if (!aeon_quant_params(maxabs, &scale, &inv)) {
        memset(codes, 0, dim);
        return 0.0f;
    }
    AEON_SCALAR_LOOP
    for (size_t i = 0; i < dim; i++) codes[i] = aeon_quantize_one(x[i], inv);
    return scale;
}

AEON_SCALAR_FN
void aeon_scalar_dequantize(const int8_t *codes, size_t dim, float scale, float *x) {
    AEON_SCALAR_LOOP
    for (size_t i = 0; i < dim; i++) x[i] = (float)codes[i] * scale;
}
