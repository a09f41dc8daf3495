// Aeon hot kernels: int8/fp32 dot products, squared L2, the posting scan, the symmetric
// int8 quantizer and CRC32C.
//
// Every kernel exists once per ISA level. Each level's code is compiled with a per-function
// `__attribute__((target(...)))`, so the target needs no `-m` flags and runs on any CPU of
// its architecture; `aeon_kernels_for` hands out a level's table only when the running CPU
// (and OS) supports it.
//
// Contract shared by all levels (callers check it; kernels do not):
// - int8 codes are symmetric, in [-127, 127]. -128 is never produced by the quantizer and
//   the AVX2 sign trick is wrong for it.
// - `dim` is at most AEON_MAX_DIM, so an int8 dot product never overflows int32.
// - Pointers may be unaligned; a count or dimension of 0 is valid.
#ifndef AEON_KERNELS_H
#define AEON_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The largest dimension the kernels accept: 127 * 127 * 131072 < 2^31.
#define AEON_MAX_DIM 131072

/// An instruction-set level. Values are stable: they are reported and may be persisted.
typedef enum aeon_simd_level {
    AEON_SIMD_SCALAR = 0,       ///< portable C, no vector instructions (the reference)
    AEON_SIMD_AVX2 = 1,         ///< x86-64 AVX2 + FMA
    AEON_SIMD_AVXVNNI = 2,      ///< x86-64 AVX2 + FMA + AVX-VNNI (VEX vpdpbusd, 256-bit)
    AEON_SIMD_AVX512VNNI = 3,   ///< x86-64 AVX-512 F/BW + VNNI (512-bit)
    AEON_SIMD_NEON = 4,         ///< arm64 Advanced SIMD
    AEON_SIMD_NEON_DOTPROD = 5, ///< arm64 Advanced SIMD + dot product (sdot)
    AEON_SIMD_LEVEL_COUNT = 6
} aeon_simd_level;

/// One ISA level's kernels. Tables are static and immutable; pointers to them stay valid
/// for the life of the process.
typedef struct aeon_kernel_table {
    /// The level these kernels belong to.
    aeon_simd_level level;

    /// Sum of a[i] * b[i] over `dim` int8 codes.
    int32_t (*dot_i8)(const int8_t *a, const int8_t *b, size_t dim);

    /// Sum of a[i] * b[i] over `dim` floats (summation order is the kernel's own).
    float (*dot_f32)(const float *a, const float *b, size_t dim);

    /// Sum of (a[i] - b[i])^2 over `dim` floats.
    float (*l2sq_f32)(const float *a, const float *b, size_t dim);

    /// The posting scan: scores[r] = dot_i8(query, codes + r * stride, dim) for r < count.
    /// `stride >= dim` lets rows be padded for alignment.
    void (*scan_i8)(const int8_t *query, const int8_t *codes, size_t dim, size_t stride,
                    size_t count, int32_t *scores);

    /// Symmetric quantization: scale = max|x| / 127, codes[i] = round_half_even(x[i] * 127 / max|x|)
    /// clamped to [-127, 127]. Returns the scale; a zero vector gives scale 0 and zero codes.
    /// Inputs must be finite (the caller validates).
    float (*quantize)(const float *x, size_t dim, int8_t *codes);

    /// x[i] = codes[i] * scale.
    void (*dequantize)(const int8_t *codes, size_t dim, float scale, float *x);

    /// CRC32C (Castagnoli, reflected, as in iSCSI), continued from `crc`: start with 0;
    /// crc32c(crc32c(0, a), b) == crc32c(0, a ++ b).
    uint32_t (*crc32c)(uint32_t crc, const void *data, size_t length);
} aeon_kernel_table;

/// Hints the CPU to start loading `length` bytes at `data` into the cache (one prefetch per
/// 64-byte line). Issuing it for many scattered rows before reading them overlaps their
/// memory latencies. Never faults, whatever the address.
void aeon_prefetch(const void *data, size_t length);

/// Whether the running CPU and OS support `level`.
int aeon_simd_supported(aeon_simd_level level);

/// The fastest level the running CPU supports.
aeon_simd_level aeon_simd_best(void);

/// The kernels of `level`, or NULL when the running CPU does not support it.
const aeon_kernel_table *aeon_kernels_for(aeon_simd_level level);

/// The short, stable name of a level ("scalar", "avx2", "avxvnni", "avx512vnni", "neon",
/// "neondotprod"), or NULL for an out-of-range value.
const char *aeon_simd_level_name(aeon_simd_level level);

/// Whether CRC32C runs on a hardware instruction (SSE4.2 crc32 / ARMv8 crc32c) at `level`.
int aeon_crc32c_is_hardware(aeon_simd_level level);

#ifdef __cplusplus
}
#endif

#endif // AEON_KERNELS_H
