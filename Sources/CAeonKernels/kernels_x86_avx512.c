// x86-64 AVX-512 level: F + BW + VNNI, 512-bit registers, masked loads for every tail.
//
// int8 uses `vpdpbusd` with the same exact offset identity as the AVX-VNNI level:
//   q·c = Σ q·(c ^ 0x80 as unsigned) − 128·Σ q.
#include "kernels_internal.h"

#if AEON_X86_64
#include <immintrin.h>

#define AEON_AVX512 __attribute__((target("avx512f,avx512bw,avx512vnni")))

static inline __mmask64 mask64(size_t n) { return n >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1); }
static inline __mmask16 mask16(size_t n) { return (__mmask16)(n >= 16 ? 0xFFFF : ((1u << n) - 1)); }

AEON_AVX512 static int32_t avx512_dot_i8(const int8_t *a, const int8_t *b, size_t dim) {
    // Two vpdpbusd per 64 bytes (a·b and the 128·Σb correction), and 512-bit VNNI issues on
    // one port: four independent accumulator pairs keep that port busy despite its latency.
    const __m512i bias = _mm512_set1_epi8((char)0x80);
    __m512i ab0 = _mm512_setzero_si512(), ab1 = ab0, ab2 = ab0, ab3 = ab0;
    __m512i sb0 = ab0, sb1 = ab0, sb2 = ab0, sb3 = ab0;
    size_t i = 0;
    for (; i + 256 <= dim; i += 256) {
        __m512i b0 = _mm512_loadu_si512(b + i), b1 = _mm512_loadu_si512(b + i + 64);
        __m512i b2 = _mm512_loadu_si512(b + i + 128), b3 = _mm512_loadu_si512(b + i + 192);
        ab0 = _mm512_dpbusd_epi32(ab0, _mm512_xor_si512(_mm512_loadu_si512(a + i), bias), b0);
        ab1 = _mm512_dpbusd_epi32(ab1, _mm512_xor_si512(_mm512_loadu_si512(a + i + 64), bias), b1);
        ab2 = _mm512_dpbusd_epi32(ab2, _mm512_xor_si512(_mm512_loadu_si512(a + i + 128), bias), b2);
        ab3 = _mm512_dpbusd_epi32(ab3, _mm512_xor_si512(_mm512_loadu_si512(a + i + 192), bias), b3);
        sb0 = _mm512_dpbusd_epi32(sb0, bias, b0);
        sb1 = _mm512_dpbusd_epi32(sb1, bias, b1);
        sb2 = _mm512_dpbusd_epi32(sb2, bias, b2);
        sb3 = _mm512_dpbusd_epi32(sb3, bias, b3);
    }
    for (; i + 64 <= dim; i += 64) {
        __m512i b1 = _mm512_loadu_si512(b + i);
        ab1 = _mm512_dpbusd_epi32(ab1, _mm512_xor_si512(_mm512_loadu_si512(a + i), bias), b1);
        sb1 = _mm512_dpbusd_epi32(sb1, bias, b1);
    }
    if (i < dim) {
        // Masked-off bytes load as zero in b, so they add nothing to either sum.
        __mmask64 m = mask64(dim - i);
        __m512i b2 = _mm512_maskz_loadu_epi8(m, b + i);
        ab2 = _mm512_dpbusd_epi32(ab2, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, a + i), bias), b2);
        sb2 = _mm512_dpbusd_epi32(sb2, bias, b2);
    }
    __m512i ab = _mm512_add_epi32(_mm512_add_epi32(ab0, ab1), _mm512_add_epi32(ab2, ab3));
    __m512i sb = _mm512_add_epi32(_mm512_add_epi32(sb0, sb1), _mm512_add_epi32(sb2, sb3));
    return _mm512_reduce_add_epi32(_mm512_sub_epi32(ab, sb));
}

AEON_AVX512 static void avx512_scan_i8(const int8_t *q, const int8_t *codes, size_t dim,
                                       size_t stride, size_t count, int32_t *scores) {
    const __m512i bias = _mm512_set1_epi8((char)0x80);
    int32_t qsum = 0;
    for (size_t i = 0; i < dim; i++) qsum += q[i];
    const __m128i correction = _mm_set1_epi32(128 * qsum);
    const size_t full = dim & ~(size_t)63;
    const __mmask64 tail = mask64(dim - full);
    size_t r = 0;
    for (; r + 4 <= count; r += 4) {
        const int8_t *c0 = codes + r * stride, *c1 = c0 + stride, *c2 = c1 + stride,
                     *c3 = c2 + stride;
        __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t i = 0; i < full; i += 64) {
            // One line of each of the rows eight ahead: far enough to hide DRAM latency
            // at this loop's rate, near enough to stay in L1.
            _mm_prefetch((const char *)(c0 + 8 * stride + i), _MM_HINT_T0);
            _mm_prefetch((const char *)(c1 + 8 * stride + i), _MM_HINT_T0);
            _mm_prefetch((const char *)(c2 + 8 * stride + i), _MM_HINT_T0);
            _mm_prefetch((const char *)(c3 + 8 * stride + i), _MM_HINT_T0);
            __m512i vq = _mm512_loadu_si512(q + i);
            a0 = _mm512_dpbusd_epi32(a0, _mm512_xor_si512(_mm512_loadu_si512(c0 + i), bias), vq);
            a1 = _mm512_dpbusd_epi32(a1, _mm512_xor_si512(_mm512_loadu_si512(c1 + i), bias), vq);
            a2 = _mm512_dpbusd_epi32(a2, _mm512_xor_si512(_mm512_loadu_si512(c2 + i), bias), vq);
            a3 = _mm512_dpbusd_epi32(a3, _mm512_xor_si512(_mm512_loadu_si512(c3 + i), bias), vq);
        }
        if (full < dim) {
            const size_t i = full;
            __m512i vq = _mm512_maskz_loadu_epi8(tail, q + i);
            a0 = _mm512_dpbusd_epi32(a0, _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, c0 + i), bias), vq);
            a1 = _mm512_dpbusd_epi32(a1, _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, c1 + i), bias), vq);
            a2 = _mm512_dpbusd_epi32(a2, _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, c2 + i), bias), vq);
            a3 = _mm512_dpbusd_epi32(a3, _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, c3 + i), bias), vq);
        }
        // Fold 16 lanes to 4 per row, then transpose-add the four rows into one vector.
        __m256i h0 = _mm256_add_epi32(_mm512_castsi512_si256(a0), _mm512_extracti64x4_epi64(a0, 1));
        __m256i h1 = _mm256_add_epi32(_mm512_castsi512_si256(a1), _mm512_extracti64x4_epi64(a1, 1));
        __m256i h2 = _mm256_add_epi32(_mm512_castsi512_si256(a2), _mm512_extracti64x4_epi64(a2, 1));
        __m256i h3 = _mm256_add_epi32(_mm512_castsi512_si256(a3), _mm512_extracti64x4_epi64(a3, 1));
        __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(h0, h1), _mm256_hadd_epi32(h2, h3));
        __m128i t = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        _mm_storeu_si128((__m128i *)(scores + r), _mm_sub_epi32(t, correction));
    }
    for (; r < count; r++) scores[r] = avx512_dot_i8(q, codes + r * stride, dim);
}

AEON_AVX512 static float avx512_dot_f32(const float *a, const float *b, size_t dim) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 64 <= dim; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
    }
    for (; i < dim; i += 16) {
        __mmask16 m = mask16(dim - i);
        s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

AEON_AVX512 static float avx512_l2sq_f32(const float *a, const float *b, size_t dim) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 64 <= dim; i += 64) {
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
        __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
        __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
        s1 = _mm512_fmadd_ps(d1, d1, s1);
        s2 = _mm512_fmadd_ps(d2, d2, s2);
        s3 = _mm512_fmadd_ps(d3, d3, s3);
    }
    for (; i < dim; i += 16) {
        __mmask16 m = mask16(dim - i);
        __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        s0 = _mm512_fmadd_ps(d, d, s0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

AEON_AVX512 static float avx512_quantize(const float *x, size_t dim, int8_t *codes) {
    __m512 m = _mm512_setzero_ps();
    for (size_t i = 0; i < dim; i += 16)
        m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_maskz_loadu_ps(mask16(dim - i), x + i)));
    float scale, inv;
    if (!aeon_quant_params(_mm512_reduce_max_ps(m), &scale, &inv)) {
        memset(codes, 0, dim);
        return 0.0f;
    }
    const __m512 vinv = _mm512_set1_ps(inv);
    const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127);
    for (size_t i = 0; i < dim; i += 16) {
        __mmask16 k = mask16(dim - i);
        // Round to nearest-even explicitly, as nearbyintf does in the default mode.
        __m512i v = _mm512_cvt_roundps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), vinv),
                                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
        _mm512_mask_cvtsepi32_storeu_epi8(codes + i, k, v);
    }
    return scale;
}

AEON_AVX512 static void avx512_dequantize(const int8_t *codes, size_t dim, float scale, float *x) {
    const __m512 vs = _mm512_set1_ps(scale);
    size_t i = 0;
    for (; i + 16 <= dim; i += 16) {
        __m512i c = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(codes + i)));
        _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_cvtepi32_ps(c), vs));
    }
    for (; i < dim; i++) x[i] = (float)codes[i] * scale;
}

const aeon_kernel_table aeon_kernels_avx512vnni = {
    .level = AEON_SIMD_AVX512VNNI,
    .dot_i8 = avx512_dot_i8,
    .dot_f32 = avx512_dot_f32,
    .l2sq_f32 = avx512_l2sq_f32,
    .scan_i8 = avx512_scan_i8,
    .quantize = avx512_quantize,
    .dequantize = avx512_dequantize,
    .crc32c = aeon_crc32c_sse42,
};

#endif // AEON_X86_64
