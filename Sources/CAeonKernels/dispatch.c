// Runtime CPU detection and the per-level kernel tables.
#include "kernels_internal.h"

#if AEON_ARM64 && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1UL << 7)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20)
#endif
#endif
#if AEON_ARM64 && defined(__APPLE__)
#include <sys/sysctl.h>
#endif

static uint32_t scalar_crc32c(uint32_t crc, const void *data, size_t length) {
    return aeon_crc32c_software(crc, data, length);
}

static const aeon_kernel_table aeon_kernels_scalar = {
    .level = AEON_SIMD_SCALAR,
    .dot_i8 = aeon_scalar_dot_i8,
    .dot_f32 = aeon_scalar_dot_f32,
    .l2sq_f32 = aeon_scalar_l2sq_f32,
    .scan_i8 = aeon_scalar_scan_i8,
    .quantize = aeon_scalar_quantize,
    .dequantize = aeon_scalar_dequantize,
    .crc32c = scalar_crc32c,
};

#if AEON_ARM64
#if defined(__APPLE__)
static int apple_sysctl_flag(const char *name) {
    int value = 0;
    size_t size = sizeof value;
    return sysctlbyname(name, &value, &size, NULL, 0) == 0 && value != 0;
}
#endif

static int arm64_has_dotprod(void) {
#if defined(__linux__)
    return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#elif defined(__APPLE__)
    return apple_sysctl_flag("hw.optional.arm.FEAT_DotProd");
#else
    return 0;
#endif
}

int aeon_arm64_has_crc(void) {
#if defined(__linux__)
    return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
#elif defined(__APPLE__)
    return apple_sysctl_flag("hw.optional.armv8_crc32");
#else
    return 0;
#endif
}
#endif

void aeon_prefetch(const void *data, size_t length) {
    const char *p = (const char *)data;
    for (size_t offset = 0; offset < length; offset += 64) __builtin_prefetch(p + offset, 0, 3);
}

int aeon_simd_supported(aeon_simd_level level) {
    switch (level) {
    case AEON_SIMD_SCALAR:
        return 1;
#if AEON_X86_64
    // __builtin_cpu_supports also checks that the OS saves the wide register state (XCR0).
    case AEON_SIMD_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
               __builtin_cpu_supports("sse4.2");
    case AEON_SIMD_AVXVNNI:
        return aeon_simd_supported(AEON_SIMD_AVX2) && __builtin_cpu_supports("avxvnni");
    case AEON_SIMD_AVX512VNNI:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("sse4.2");
#endif
#if AEON_ARM64
    case AEON_SIMD_NEON:
        return 1;
    case AEON_SIMD_NEON_DOTPROD:
        return arm64_has_dotprod();
#endif
    default:
        return 0;
    }
}

aeon_simd_level aeon_simd_best(void) {
    static const aeon_simd_level preference[] = {
        AEON_SIMD_AVX512VNNI, AEON_SIMD_AVXVNNI, AEON_SIMD_AVX2,
        AEON_SIMD_NEON_DOTPROD, AEON_SIMD_NEON,
    };
    for (size_t i = 0; i < sizeof preference / sizeof preference[0]; i++)
        if (aeon_simd_supported(preference[i])) return preference[i];
    return AEON_SIMD_SCALAR;
}

const aeon_kernel_table *aeon_kernels_for(aeon_simd_level level) {
    if (!aeon_simd_supported(level)) return NULL;
    switch (level) {
    case AEON_SIMD_SCALAR:
        return &aeon_kernels_scalar;
#if AEON_X86_64
    case AEON_SIMD_AVX2:
        return &aeon_kernels_avx2;
    case AEON_SIMD_AVXVNNI:
        return &aeon_kernels_avxvnni;
    case AEON_SIMD_AVX512VNNI:
        return &aeon_kernels_avx512vnni;
#endif
#if AEON_ARM64
    case AEON_SIMD_NEON:
        return &aeon_kernels_neon;
    case AEON_SIMD_NEON_DOTPROD:
        return &aeon_kernels_neon_dotprod;
#endif
    default:
        return NULL;
    }
}

const char *aeon_simd_level_name(aeon_simd_level level) {
    switch (level) {
    case AEON_SIMD_SCALAR: return "scalar";
    case AEON_SIMD_AVX2: return "avx2";
    case AEON_SIMD_AVXVNNI: return "avxvnni";
    case AEON_SIMD_AVX512VNNI: return "avx512vnni";
    case AEON_SIMD_NEON: return "neon";
    case AEON_SIMD_NEON_DOTPROD: return "neondotprod";
    default: return NULL;
    }
}

int aeon_crc32c_is_hardware(aeon_simd_level level) {
    if (!aeon_simd_supported(level) || level == AEON_SIMD_SCALAR) return 0;
#if AEON_X86_64
    return 1; // every x86 SIMD level requires SSE4.2
#elif AEON_ARM64
    return aeon_arm64_has_crc();
#else
    return 0;
#endif
}
