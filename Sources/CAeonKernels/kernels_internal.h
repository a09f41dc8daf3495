// Declarations shared by the per-level kernel files. Not part of the public API.
#ifndef AEON_KERNELS_INTERNAL_H
#define AEON_KERNELS_INTERNAL_H

#include "aeon_kernels.h"
#include <string.h>

#if defined(__x86_64__) || defined(_M_X64)
#define AEON_X86_64 1
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
#define AEON_ARM64 1
#endif

/// Vectors whose largest magnitude is below this quantize to zero: 127 / max|x| would
/// overflow float for subnormal inputs.
#define AEON_QUANT_MIN_MAXABS 1e-30f

/// The scalar reference kernels are meant to stay scalar: they are the baseline every
/// SIMD level is tested and measured against.
#if defined(__clang__)
#define AEON_SCALAR_LOOP _Pragma("clang loop vectorize(disable) interleave(disable)")
#define AEON_SCALAR_FN
#elif defined(__GNUC__)
#define AEON_SCALAR_LOOP
#define AEON_SCALAR_FN __attribute__((optimize("no-tree-vectorize")))
#else
#define AEON_SCALAR_LOOP
#define AEON_SCALAR_FN
#endif

static inline uint64_t aeon_load_u64(const void *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

// Scalar (reference) level, also used for tails by the SIMD levels.
int32_t aeon_scalar_dot_i8(const int8_t *a, const int8_t *b, size_t dim);
float aeon_scalar_dot_f32(const float *a, const float *b, size_t dim);
float aeon_scalar_l2sq_f32(const float *a, const float *b, size_t dim);
void aeon_scalar_scan_i8(const int8_t *q, const int8_t *codes, size_t dim, size_t stride,
                         size_t count, int32_t *scores);
float aeon_scalar_quantize(const float *x, size_t dim, int8_t *codes);
void aeon_scalar_dequantize(const int8_t *codes, size_t dim, float scale, float *x);
uint32_t aeon_crc32c_software(uint32_t crc, const void *data, size_t length);

/// Quantization shared by every level: finds nothing itself, only maps the already-known
/// max|x| to the scale and the multiplier, so all levels round identically.
static inline int aeon_quant_params(float maxabs, float *scale, float *inv) {
    if (!(maxabs >= AEON_QUANT_MIN_MAXABS)) {
        *scale = 0.0f;
        *inv = 0.0f;
        return 0;
    }
    *scale = maxabs / 127.0f;
    *inv = 127.0f / maxabs;
    return 1;
}

#if AEON_X86_64
uint32_t aeon_crc32c_sse42(uint32_t crc, const void *data, size_t length);
// The AVX2 fp32 and quantizer kernels, shared by the AVX-VNNI level.
float aeon_avx2_dot_f32(const float *a, const float *b, size_t dim);
float aeon_avx2_l2sq_f32(const float *a, const float *b, size_t dim);
float aeon_avx2_quantize(const float *x, size_t dim, int8_t *codes);
void aeon_avx2_dequantize(const int8_t *codes, size_t dim, float scale, float *x);
extern const aeon_kernel_table aeon_kernels_avx2;
extern const aeon_kernel_table aeon_kernels_avxvnni;
extern const aeon_kernel_table aeon_kernels_avx512vnni;
#endif

#if AEON_ARM64
uint32_t aeon_crc32c_armv8(uint32_t crc, const void *data, size_t length);
extern const aeon_kernel_table aeon_kernels_neon;
extern const aeon_kernel_table aeon_kernels_neon_dotprod;
/// Whether the CPU has the ARMv8 CRC32 instructions (decided by dispatch.c).
int aeon_arm64_has_crc(void);
#endif

/// One component's code: round half to even (as every level's vector conversion does in the
/// default rounding mode), clamped to [-127, 127]. Used by every level for its tail elements.
static inline int8_t aeon_quantize_one(float x, float inv) {
    float v = __builtin_nearbyintf(x * inv);
    return (int8_t)(v > 127.0f ? 127.0f : (v < -127.0f ? -127.0f : v));
}

#endif // AEON_KERNELS_INTERNAL_H
