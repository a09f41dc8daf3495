// x86-64 AVX-VNNI level: the VEX-encoded, 256-bit `vpdpbusd` (Alder Lake, Zen 5 and later).
//
// `vpdpbusd` multiplies unsigned by signed bytes. With u = c ^ 0x80 = c + 128 (as unsigned),
//   q·c = Σ q·(c + 128) − 128·Σ q,
// exact for every int8 value including -128. For the scan, Σ q is computed once per query.
// The fp32 and quantizer kernels are the AVX2 ones.
#include "kernels_x86_common.h"

#if AEON_X86_64

#define AEON_AVXVNNI __attribute__((target("avx2,fma,avxvnni")))

AEON_AVXVNNI static int32_t avxvnni_dot_i8(const int8_t *a, const int8_t *b, size_t dim) {
    if (dim < 32) return aeon_scalar_dot_i8(a, b, dim);
    const __m256i bias = _mm256_set1_epi8((char)0x80);
    __m256i ab0 = _mm256_setzero_si256(), ab1 = ab0, sb0 = ab0, sb1 = ab0;
    size_t i = 0;
    for (; i + 64 <= dim; i += 64) {
        __m256i b0 = _mm256_loadu_si256((const __m256i *)(b + i));
        __m256i b1 = _mm256_loadu_si256((const __m256i *)(b + i + 32));
        ab0 = _mm256_dpbusd_avx_epi32(
            ab0, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(a + i)), bias), b0);
        ab1 = _mm256_dpbusd_avx_epi32(
            ab1, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(a + i + 32)), bias), b1);
        sb0 = _mm256_dpbusd_avx_epi32(sb0, bias, b0);
        sb1 = _mm256_dpbusd_avx_epi32(sb1, bias, b1);
    }
    if (i + 32 <= dim) {
        __m256i b0 = _mm256_loadu_si256((const __m256i *)(b + i));
        ab0 = _mm256_dpbusd_avx_epi32(
            ab0, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(a + i)), bias), b0);
        sb0 = _mm256_dpbusd_avx_epi32(sb0, bias, b0);
        i += 32;
    }
    if (i < dim) {
        // Re-read the last 32 bytes; zeroing b's already-counted bytes removes them from both sums.
        __m256i keep = aeon_tail_mask_256(dim - i);
        __m256i b0 = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(b + dim - 32)), keep);
        ab1 = _mm256_dpbusd_avx_epi32(
            ab1, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(a + dim - 32)), bias), b0);
        sb1 = _mm256_dpbusd_avx_epi32(sb1, bias, b0);
    }
    __m256i d = _mm256_sub_epi32(_mm256_add_epi32(ab0, ab1), _mm256_add_epi32(sb0, sb1));
    return aeon_hsum_epi32_256(d);
}

AEON_AVXVNNI static void avxvnni_scan_i8(const int8_t *q, const int8_t *codes, size_t dim,
                                         size_t stride, size_t count, int32_t *scores) {
    if (dim < 32) {
        aeon_scalar_scan_i8(q, codes, dim, stride, count, scores);
        return;
    }
    const __m256i bias = _mm256_set1_epi8((char)0x80);
    const size_t full = dim & ~(size_t)31;
    const size_t rem = dim - full;
    const __m256i keep = aeon_tail_mask_256(rem);
    int32_t qsum = 0;
    for (size_t i = 0; i < dim; i++) qsum += q[i];
    const __m128i correction = _mm_set1_epi32(128 * qsum);
    size_t r = 0;
    for (; r + 4 <= count; r += 4) {
        const int8_t *c0 = codes + r * stride, *c1 = c0 + stride, *c2 = c1 + stride,
                     *c3 = c2 + stride;
        __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
#define AEON_ROW(acc, c)                                                                       \
    acc = _mm256_dpbusd_avx_epi32(                                                             \
        acc, _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)((c) + i)), bias), vq)
        for (size_t i = 0; i < full; i += 32) {
            _mm_prefetch((const char *)(c0 + 8 * stride + i), _MM_HINT_T0);
            _mm_prefetch((const char *)(c2 + 8 * stride + i), _MM_HINT_T0);
            __m256i vq = _mm256_loadu_si256((const __m256i *)(q + i));
            AEON_ROW(a0, c0);
            AEON_ROW(a1, c1);
            AEON_ROW(a2, c2);
            AEON_ROW(a3, c3);
        }
        if (rem) {
            const size_t i = dim - 32;
            __m256i vq = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(q + i)), keep);
            AEON_ROW(a0, c0);
            AEON_ROW(a1, c1);
            AEON_ROW(a2, c2);
            AEON_ROW(a3, c3);
        }
#undef AEON_ROW
        _mm_storeu_si128((__m128i *)(scores + r),
                         _mm_sub_epi32(aeon_hsum4_epi32_256(a0, a1, a2, a3), correction));
    }
    for (; r < count; r++) scores[r] = avxvnni_dot_i8(q, codes + r * stride, dim);
}

const aeon_kernel_table aeon_kernels_avxvnni = {
    .level = AEON_SIMD_AVXVNNI,
    .dot_i8 = avxvnni_dot_i8,
    .dot_f32 = aeon_avx2_dot_f32,
    .l2sq_f32 = aeon_avx2_l2sq_f32,
    .scan_i8 = avxvnni_scan_i8,
    .quantize = aeon_avx2_quantize,
    .dequantize = aeon_avx2_dequantize,
    .crc32c = aeon_crc32c_sse42,
};

#endif // AEON_X86_64
