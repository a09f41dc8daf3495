// x86-64 AVX2 + FMA level.
//
// int8: `vpmaddubsw` multiplies unsigned by signed bytes, so a·b is computed as
// |a| · sign(b, a) (the "sign trick"). It is exact for codes in [-127, 127]; with -128,
// |a| and the negation wrap, which is why the quantizer never emits -128.
#include "kernels_x86_common.h"

#if AEON_X86_64
#include <math.h>

#define AEON_AVX2 __attribute__((target("avx2,fma")))

const uint8_t aeon_tail_mask_bytes[64] = {
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

AEON_AVX2 static inline float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// Sum of 32 products a·b into 8 int32 lanes.
AEON_AVX2 static inline __m256i madd_i8(__m256i a, __m256i b) {
    __m256i p16 = _mm256_maddubs_epi16(_mm256_abs_epi8(a), _mm256_sign_epi8(b, a));
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

AEON_AVX2 static int32_t avx2_dot_i8(const int8_t *a, const int8_t *b, size_t dim) {
    if (dim < 32) return aeon_scalar_dot_i8(a, b, dim);
    __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 64 <= dim; i += 64) {
        acc0 = _mm256_add_epi32(acc0, madd_i8(_mm256_loadu_si256((const __m256i *)(a + i)),
                                              _mm256_loadu_si256((const __m256i *)(b + i))));
        acc1 = _mm256_add_epi32(acc1,
                                madd_i8(_mm256_loadu_si256((const __m256i *)(a + i + 32)),
                                        _mm256_loadu_si256((const __m256i *)(b + i + 32))));
    }
    if (i + 32 <= dim) {
        acc0 = _mm256_add_epi32(acc0, madd_i8(_mm256_loadu_si256((const __m256i *)(a + i)),
                                              _mm256_loadu_si256((const __m256i *)(b + i))));
        i += 32;
    }
    if (i < dim) {
        // Re-read the last 32 bytes and keep only the ones not yet counted.
        size_t rem = dim - i;
        __m256i keep = aeon_tail_mask_256(rem);
        __m256i va = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(a + dim - 32)), keep);
        acc1 = _mm256_add_epi32(acc1,
                                madd_i8(va, _mm256_loadu_si256((const __m256i *)(b + dim - 32))));
    }
    return aeon_hsum_epi32_256(_mm256_add_epi32(acc0, acc1));
}

AEON_AVX2 static void avx2_scan_i8(const int8_t *q, const int8_t *codes, size_t dim,
                                   size_t stride, size_t count, int32_t *scores) {
    if (dim < 32) {
        aeon_scalar_scan_i8(q, codes, dim, stride, count, scores);
        return;
    }
    const size_t full = dim & ~(size_t)31;
    const size_t rem = dim - full;
    const __m256i keep = aeon_tail_mask_256(rem);
    const __m256i ones = _mm256_set1_epi16(1);
    size_t r = 0;
    for (; r + 4 <= count; r += 4) {
        const int8_t *c0 = codes + r * stride, *c1 = c0 + stride, *c2 = c1 + stride,
                     *c3 = c2 + stride;
        __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t i = 0; i < full; i += 32) {
            _mm_prefetch((const char *)(c0 + 8 * stride + i), _MM_HINT_T0);
            _mm_prefetch((const char *)(c2 + 8 * stride + i), _MM_HINT_T0);
            __m256i vq = _mm256_loadu_si256((const __m256i *)(q + i));
            __m256i uq = _mm256_abs_epi8(vq);
#define AEON_ROW(acc, c)                                                                       \
    acc = _mm256_add_epi32(                                                                    \
        acc, _mm256_madd_epi16(                                                                \
                 _mm256_maddubs_epi16(                                                         \
                     uq, _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)((c) + i)), vq)), \
                 ones))
            AEON_ROW(a0, c0);
            AEON_ROW(a1, c1);
            AEON_ROW(a2, c2);
            AEON_ROW(a3, c3);
        }
        if (rem) {
            const size_t i = dim - 32;
            __m256i vq = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(q + i)), keep);
            __m256i uq = _mm256_abs_epi8(vq);
            AEON_ROW(a0, c0);
            AEON_ROW(a1, c1);
            AEON_ROW(a2, c2);
            AEON_ROW(a3, c3);
        }
#undef AEON_ROW
        _mm_storeu_si128((__m128i *)(scores + r), aeon_hsum4_epi32_256(a0, a1, a2, a3));
    }
    for (; r < count; r++) scores[r] = avx2_dot_i8(q, codes + r * stride, dim);
}

AEON_AVX2 float aeon_avx2_dot_f32(const float *a, const float *b, size_t dim) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 32 <= dim; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= dim; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float sum = hsum_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < dim; i++) sum += a[i] * b[i];
    return sum;
}

AEON_AVX2 float aeon_avx2_l2sq_f32(const float *a, const float *b, size_t dim) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 32 <= dim; i += 32) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
        __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
        s2 = _mm256_fmadd_ps(d2, d2, s2);
        s3 = _mm256_fmadd_ps(d3, d3, s3);
    }
    for (; i + 8 <= dim; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        s0 = _mm256_fmadd_ps(d, d, s0);
    }
    float sum = hsum_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < dim; i++) {
        float d = a[i] - b[i];
        sum += d * d;
    }
    return sum;
}

AEON_AVX2 float aeon_avx2_quantize(const float *x, size_t dim, int8_t *codes) {
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    __m256 m = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= dim; i += 8) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(x + i), absmask));
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    float maxabs = _mm_cvtss_f32(h);
    for (; i < dim; i++) {
        float a = fabsf(x[i]);
        if (a > maxabs) maxabs = a;
    }
    float scale, inv;
    if (!aeon_quant_params(maxabs, &scale, &inv)) {
        memset(codes, 0, dim);
        return 0.0f;
    }
    const __m256 vinv = _mm256_set1_ps(inv);
    const __m256i lo = _mm256_set1_epi32(-127), hi = _mm256_set1_epi32(127);
    for (i = 0; i + 8 <= dim; i += 8) {
        // cvtps rounds to nearest-even (the default MXCSR mode), like nearbyintf.
        __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i), vinv));
        v = _mm256_min_epi32(_mm256_max_epi32(v, lo), hi);
        __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
        _mm_storel_epi64((__m128i *)(codes + i), _mm_packs_epi16(p16, p16));
    }
    for (; i < dim; i++) codes[i] = aeon_quantize_one(x[i], inv);
    return scale;
}

AEON_AVX2 void aeon_avx2_dequantize(const int8_t *codes, size_t dim, float scale, float *x) {
    const __m256 vs = _mm256_set1_ps(scale);
    size_t i = 0;
    for (; i + 8 <= dim; i += 8) {
        __m128i c = _mm_loadl_epi64((const __m128i *)(codes + i));
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(c)), vs));
    }
    for (; i < dim; i++) x[i] = (float)codes[i] * scale;
}

const aeon_kernel_table aeon_kernels_avx2 = {
    .level = AEON_SIMD_AVX2,
    .dot_i8 = avx2_dot_i8,
    .dot_f32 = aeon_avx2_dot_f32,
    .l2sq_f32 = aeon_avx2_l2sq_f32,
    .scan_i8 = avx2_scan_i8,
    .quantize = aeon_avx2_quantize,
    .dequantize = aeon_avx2_dequantize,
    .crc32c = aeon_crc32c_sse42,
};

#endif // AEON_X86_64
