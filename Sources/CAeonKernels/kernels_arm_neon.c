// arm64 levels: Advanced SIMD (always present on arm64) and the ARMv8.2 dot product
// extension (`sdot`, signed × signed, so no offset or sign trick is needed).
#include "kernels_internal.h"

#if AEON_ARM64
#include <arm_neon.h>
#include <math.h>

#if defined(__clang__)
#define AEON_DOTPROD __attribute__((target("dotprod")))
#else
#define AEON_DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))
#endif

// MARK: Advanced SIMD

static int32_t neon_dot_i8(const int8_t *a, const int8_t *b, size_t dim) {
    int32x4_t acc0 = vdupq_n_s32(0), acc1 = acc0;
    size_t i = 0;
    for (; i + 32 <= dim; i += 32) {
        int8x16_t a0 = vld1q_s8(a + i), b0 = vld1q_s8(b + i);
        int8x16_t a1 = vld1q_s8(a + i + 16), b1 = vld1q_s8(b + i + 16);
        // Two products of codes in [-127, 127] fit int16 (2 · 127² = 32258).
        int16x8_t p0 = vmlal_high_s8(vmull_s8(vget_low_s8(a0), vget_low_s8(b0)), a0, b0);
        int16x8_t p1 = vmlal_high_s8(vmull_s8(vget_low_s8(a1), vget_low_s8(b1)), a1, b1);
        acc0 = vpadalq_s16(acc0, p0);
        acc1 = vpadalq_s16(acc1, p1);
    }
    for (; i + 16 <= dim; i += 16) {
        int8x16_t a0 = vld1q_s8(a + i), b0 = vld1q_s8(b + i);
        acc0 = vpadalq_s16(acc0, vmlal_high_s8(vmull_s8(vget_low_s8(a0), vget_low_s8(b0)), a0, b0));
    }
    int32_t sum = vaddvq_s32(vaddq_s32(acc0, acc1));
    for (; i < dim; i++) sum += (int32_t)a[i] * (int32_t)b[i];
    return sum;
}

static void neon_scan_i8(const int8_t *q, const int8_t *codes, size_t dim, size_t stride,
                         size_t count, int32_t *scores) {
    for (size_t r = 0; r < count; r++) {
        __builtin_prefetch(codes + (r + 8) * stride);
        scores[r] = neon_dot_i8(q, codes + r * stride, dim);
    }
}

static float neon_dot_f32(const float *a, const float *b, size_t dim) {
    float32x4_t s0 = vdupq_n_f32(0), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 16 <= dim; i += 16) {
        s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
        s1 = vfmaq_f32(s1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
        s2 = vfmaq_f32(s2, vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
        s3 = vfmaq_f32(s3, vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
    }
    for (; i + 4 <= dim; i += 4) s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
    float sum = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
    for (; i < dim; i++) sum += a[i] * b[i];
    return sum;
}

static float neon_l2sq_f32(const float *a, const float *b, size_t dim) {
    float32x4_t s0 = vdupq_n_f32(0), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 16 <= dim; i += 16) {
        float32x4_t d0 = vsubq_f32(vld1q_f32(a + i), vld1q_f32(b + i));
        float32x4_t d1 = vsubq_f32(vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
        float32x4_t d2 = vsubq_f32(vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
        float32x4_t d3 = vsubq_f32(vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
        s0 = vfmaq_f32(s0, d0, d0);
        s1 = vfmaq_f32(s1, d1, d1);
        s2 = vfmaq_f32(s2, d2, d2);
        s3 = vfmaq_f32(s3, d3, d3);
    }
    for (; i + 4 <= dim; i += 4) {
        float32x4_t d = vsubq_f32(vld1q_f32(a + i), vld1q_f32(b + i));
        s0 = vfmaq_f32(s0, d, d);
    }
    float sum = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
    for (; i < dim; i++) {
        float d = a[i] - b[i];
        sum += d * d;
    }
    return sum;
}

static float neon_quantize(const float *x, size_t dim, int8_t *codes) {
    float32x4_t m = vdupq_n_f32(0);
    size_t i = 0;
    for (; i + 4 <= dim; i += 4) m = vmaxq_f32(m, vabsq_f32(vld1q_f32(x + i)));
    float maxabs = vmaxvq_f32(m);
    for (; i < dim; i++) {
        float a = fabsf(x[i]);
        if (a > maxabs) maxabs = a;
    }
    float scale, inv;
    if (!aeon_quant_params(maxabs, &scale, &inv)) {
        memset(codes, 0, dim);
        return 0.0f;
    }
    const int32x4_t lo = vdupq_n_s32(-127), hi = vdupq_n_s32(127);
    for (i = 0; i + 8 <= dim; i += 8) {
        // vcvtnq rounds to nearest-even, as nearbyintf does in the default mode.
        int32x4_t v0 = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(x + i), inv));
        int32x4_t v1 = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(x + i + 4), inv));
        v0 = vminq_s32(vmaxq_s32(v0, lo), hi);
        v1 = vminq_s32(vmaxq_s32(v1, lo), hi);
        int16x8_t h = vcombine_s16(vqmovn_s32(v0), vqmovn_s32(v1));
        vst1_s8(codes + i, vqmovn_s16(h));
    }
    for (; i < dim; i++) codes[i] = aeon_quantize_one(x[i], inv);
    return scale;
}

static void neon_dequantize(const int8_t *codes, size_t dim, float scale, float *x) {
    size_t i = 0;
    for (; i + 8 <= dim; i += 8) {
        int16x8_t h = vmovl_s8(vld1_s8(codes + i));
        vst1q_f32(x + i, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(h))), scale));
        vst1q_f32(x + i + 4, vmulq_n_f32(vcvtq_f32_s32(vmovl_high_s16(h)), scale));
    }
    for (; i < dim; i++) x[i] = (float)codes[i] * scale;
}

static uint32_t neon_crc32c(uint32_t crc, const void *data, size_t length) {
    return aeon_arm64_has_crc() ? aeon_crc32c_armv8(crc, data, length)
                                : aeon_crc32c_software(crc, data, length);
}

const aeon_kernel_table aeon_kernels_neon = {
    .level = AEON_SIMD_NEON,
    .dot_i8 = neon_dot_i8,
    .dot_f32 = neon_dot_f32,
    .l2sq_f32 = neon_l2sq_f32,
    .scan_i8 = neon_scan_i8,
    .quantize = neon_quantize,
    .dequantize = neon_dequantize,
    .crc32c = neon_crc32c,
};

// MARK: dot product extension

AEON_DOTPROD static int32_t dotprod_dot_i8(const int8_t *a, const int8_t *b, size_t dim) {
    int32x4_t acc0 = vdupq_n_s32(0), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    size_t i = 0;
    for (; i + 64 <= dim; i += 64) {
        acc0 = vdotq_s32(acc0, vld1q_s8(a + i), vld1q_s8(b + i));
        acc1 = vdotq_s32(acc1, vld1q_s8(a + i + 16), vld1q_s8(b + i + 16));
        acc2 = vdotq_s32(acc2, vld1q_s8(a + i + 32), vld1q_s8(b + i + 32));
        acc3 = vdotq_s32(acc3, vld1q_s8(a + i + 48), vld1q_s8(b + i + 48));
    }
    for (; i + 16 <= dim; i += 16) acc0 = vdotq_s32(acc0, vld1q_s8(a + i), vld1q_s8(b + i));
    int32_t sum = vaddvq_s32(vaddq_s32(vaddq_s32(acc0, acc1), vaddq_s32(acc2, acc3)));
    for (; i < dim; i++) sum += (int32_t)a[i] * (int32_t)b[i];
    return sum;
}

AEON_DOTPROD static void dotprod_scan_i8(const int8_t *q, const int8_t *codes, size_t dim,
                                         size_t stride, size_t count, int32_t *scores) {
    const size_t full = dim & ~(size_t)15;
    size_t r = 0;
    for (; r + 4 <= count; r += 4) {
        const int8_t *c0 = codes + r * stride, *c1 = c0 + stride, *c2 = c1 + stride,
                     *c3 = c2 + stride;
        int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
        for (size_t i = 0; i < full; i += 16) {
            if ((i & 63) == 0) {
                __builtin_prefetch(c0 + 8 * stride + i);
                __builtin_prefetch(c1 + 8 * stride + i);
                __builtin_prefetch(c2 + 8 * stride + i);
                __builtin_prefetch(c3 + 8 * stride + i);
            }
            int8x16_t vq = vld1q_s8(q + i);
            a0 = vdotq_s32(a0, vld1q_s8(c0 + i), vq);
            a1 = vdotq_s32(a1, vld1q_s8(c1 + i), vq);
            a2 = vdotq_s32(a2, vld1q_s8(c2 + i), vq);
            a3 = vdotq_s32(a3, vld1q_s8(c3 + i), vq);
        }
        // Pairwise adds turn four accumulators into the four scores.
        int32x4_t s = vpaddq_s32(vpaddq_s32(a0, a1), vpaddq_s32(a2, a3));
        if (full < dim) {
            int32_t t[4] = {0, 0, 0, 0};
            for (size_t i = full; i < dim; i++) {
                t[0] += (int32_t)q[i] * c0[i];
                t[1] += (int32_t)q[i] * c1[i];
                t[2] += (int32_t)q[i] * c2[i];
                t[3] += (int32_t)q[i] * c3[i];
            }
            s = vaddq_s32(s, vld1q_s32(t));
        }
        vst1q_s32(scores + r, s);
    }
    for (; r < count; r++) scores[r] = dotprod_dot_i8(q, codes + r * stride, dim);
}

const aeon_kernel_table aeon_kernels_neon_dotprod = {
    .level = AEON_SIMD_NEON_DOTPROD,
    .dot_i8 = dotprod_dot_i8,
    .dot_f32 = neon_dot_f32,
    .l2sq_f32 = neon_l2sq_f32,
    .scan_i8 = dotprod_scan_i8,
    .quantize = neon_quantize,
    .dequantize = neon_dequantize,
    .crc32c = neon_crc32c,
};

#endif // AEON_ARM64
