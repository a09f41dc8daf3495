// Standalone differential test of every supported kernel level against the scalar
// reference, in plain C so it can run where Swift cannot: under qemu-aarch64 for the NEON
// levels (see tools/check-arm64.sh). The Swift test suite covers the same ground natively.
//
// Build: cc -O2 -ISources/CAeonKernels/include Sources/CAeonKernels/*.c tools/kernel-selftest.c -lm
#include "aeon_kernels.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t next_u64(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static int8_t next_code(void) { return (int8_t)((int)(next_u64() % 255) - 127); }
static float next_float(void) { return (float)((double)(next_u64() >> 11) / 9007199254740992.0 * 2.0 - 1.0); }

static int failures = 0;
#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            if (failures++ < 20) {                                                             \
                fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                           \
                fprintf(stderr, __VA_ARGS__);                                                  \
                fputc('\n', stderr);                                                           \
            }                                                                                  \
        }                                                                                      \
    } while (0)

int main(void) {
    const aeon_kernel_table *ref = aeon_kernels_for(AEON_SIMD_SCALAR);
    enum { MAXD = 1100, OFF = 64 };
    int8_t *a8 = malloc(MAXD + OFF), *b8 = malloc((MAXD + OFF) * 8), *c8 = malloc(MAXD + OFF);
    int8_t *c8ref = malloc(MAXD + OFF);
    float *af = malloc((MAXD + OFF) * 4), *bf = malloc((MAXD + OFF) * 4), *xf = malloc((MAXD + OFF) * 4);
    int32_t scores[8], want[8];
    int tested = 0;

    // CRC32C published vectors (RFC 3720 B.4 and the "123456789" check value).
    uint8_t buf[48];
    CHECK(ref->crc32c(0, "123456789", 9) == 0xE3069283u, "crc check value");
    memset(buf, 0, 32);
    CHECK(ref->crc32c(0, buf, 32) == 0x8A9136AAu, "crc zeros");

    for (int lv = 0; lv < AEON_SIMD_LEVEL_COUNT; lv++) {
        const aeon_kernel_table *k = aeon_kernels_for((aeon_simd_level)lv);
        if (!k) continue;
        tested++;
        printf("level %-12s crc32c hw=%d\n", aeon_simd_level_name(k->level), aeon_crc32c_is_hardware(k->level));
        CHECK(k->crc32c(0, "123456789", 9) == 0xE3069283u, "crc check value at %d", lv);
        // Long inputs take the hardware paths' three interleaved lanes (768-byte runs).
        {
            enum { LONG = 9000 };
            uint8_t *big = malloc(LONG + OFF);
            for (size_t i = 0; i < LONG + OFF; i++) big[i] = (uint8_t)next_u64();
            static const size_t lengths[] = {767, 768, 769, 1557, 2304, 4095, 4096, 8192, LONG};
            for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
                size_t off = (i * 13) % OFF, len = lengths[i];
                CHECK(k->crc32c(0, big + off, len) == ref->crc32c(0, big + off, len), "crc level %d len %zu", lv, len);
                CHECK(k->crc32c(0x12345678u, big + off, len) == ref->crc32c(0x12345678u, big + off, len),
                      "crc continued level %d len %zu", lv, len);
            }
            free(big);
        }
        for (size_t dim = 0; dim <= MAXD; dim++) {
            size_t off = dim % OFF;
            int8_t *a = a8 + off, *b = b8 + (off * 7) % OFF;
            for (size_t i = 0; i < dim; i++) a[i] = next_code();
            for (size_t i = 0; i < dim * 5 + 5; i++) b[i] = next_code();
            CHECK(k->dot_i8(a, b, dim) == ref->dot_i8(a, b, dim), "dot_i8 level %d dim %zu", lv, dim);
            // Extreme codes: all ±127.
            for (size_t i = 0; i < dim; i++) { a[i] = (i & 1) ? -127 : 127; c8[i] = (i % 3) ? 127 : -127; }
            CHECK(k->dot_i8(a, c8, dim) == ref->dot_i8(a, c8, dim), "dot_i8 extreme level %d dim %zu", lv, dim);
            for (size_t i = 0; i < dim; i++) a[i] = next_code();
            // Scan of 5 rows with a stride of dim + 1.
            size_t stride = dim + 1;
            for (size_t n = 0; n <= 5; n++) {
                k->scan_i8(a, b, dim, stride, n, scores);
                for (size_t r = 0; r < n; r++) want[r] = ref->dot_i8(a, b + r * stride, dim);
                for (size_t r = 0; r < n; r++) CHECK(scores[r] == want[r], "scan level %d dim %zu n %zu r %zu", lv, dim, n, r);
            }
            float *x = af + off, *y = bf + (off * 3) % OFF;
            double mag = 0;
            for (size_t i = 0; i < dim; i++) { x[i] = next_float(); y[i] = next_float(); mag += fabs(x[i] * y[i]); }
            float d = k->dot_f32(x, y, dim), dr = ref->dot_f32(x, y, dim);
            CHECK(fabs(d - dr) <= 1e-5 * (mag + 1), "dot_f32 level %d dim %zu: %g vs %g", lv, dim, d, dr);
            float l = k->l2sq_f32(x, y, dim), lr = ref->l2sq_f32(x, y, dim);
            CHECK(fabs(l - lr) <= 1e-5 * (lr + 1), "l2sq level %d dim %zu: %g vs %g", lv, dim, l, lr);
            float s = k->quantize(x, dim, c8), sr = ref->quantize(x, dim, c8ref);
            CHECK(s == sr, "quantize scale level %d dim %zu", lv, dim);
            CHECK(memcmp(c8, c8ref, dim) == 0, "quantize codes level %d dim %zu", lv, dim);
            k->dequantize(c8, dim, s, xf);
            for (size_t i = 0; i < dim; i++)
                CHECK(fabsf(xf[i] - x[i]) <= s * 0.5f * 1.0001f + 1e-7f, "roundtrip level %d dim %zu i %zu", lv, dim, i);
            for (size_t i = 0; i < dim; i++) CHECK(c8[i] >= -127 && c8[i] <= 127, "code range");
            CHECK(k->crc32c(0, b, dim) == ref->crc32c(0, b, dim), "crc level %d len %zu", lv, dim);
        }
    }
    printf("%d levels tested, %d failures\n", tested, failures);
    return failures ? 1 : 0;
}
