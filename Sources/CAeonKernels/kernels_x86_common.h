// Helpers shared by the 256-bit x86 levels (AVX2 and AVX-VNNI). Not part of the public API.
#ifndef AEON_KERNELS_X86_COMMON_H
#define AEON_KERNELS_X86_COMMON_H

#include "kernels_internal.h"

#if AEON_X86_64
#include <immintrin.h>

/// Bytes 0..31 are 0x00, 32..63 are 0xFF: 32 bytes loaded at offset `rem` keep the last `rem`
/// bytes of a 32-byte block (for re-reading a tail without counting bytes twice).
extern const uint8_t aeon_tail_mask_bytes[64];

__attribute__((target("avx2"))) static inline __m256i aeon_tail_mask_256(size_t rem) {
    return _mm256_loadu_si256((const __m256i *)(aeon_tail_mask_bytes + rem));
}

__attribute__((target("avx2"))) static inline int32_t aeon_hsum_epi32_256(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

/// Sums each of four accumulators and returns the four sums in one vector.
__attribute__((target("avx2"))) static inline __m128i aeon_hsum4_epi32_256(__m256i a0, __m256i a1,
                                                                         __m256i a2, __m256i a3) {
    __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
    return _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
}
#endif

#endif // AEON_KERNELS_X86_COMMON_H
