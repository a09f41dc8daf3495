// libFuzzer harness: every kernel at every level this CPU supports must agree with the scalar
// reference on arbitrary inputs (any dimension, any alignment, any codes in [-127, 127], any
// finite floats), and CRC32C must agree with the software table on any bytes.
//
// Build and run: fuzz/run.sh [seconds]
#include "aeon_kernels.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void require(int ok) {
    if (!ok) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 4) return 0;
    const aeon_kernel_table *ref = aeon_kernels_for(AEON_SIMD_SCALAR);
    // Header: two alignment offsets and a row count; the rest is the payload.
    size_t offA = data[0] & 63, offB = data[1] & 63, rows = (data[2] & 7) + 1;
    const uint8_t *payload = data + 4;
    size_t n = size - 4;
    size_t dim = n / (rows + 1);

    int8_t *a = malloc(dim + 64), *b = malloc(rows * dim + 64);
    for (size_t i = 0; i < dim; i++) {
        int v = (int8_t)payload[i];
        a[offA + i] = (int8_t)(v == -128 ? -127 : v);
    }
    for (size_t i = 0; i < rows * dim; i++) {
        int v = (int8_t)payload[dim + i];
        b[offB + i] = (int8_t)(v == -128 ? -127 : v);
    }
    // Floats from the same bytes, scaled into a finite range.
    float *x = malloc((n / 4 + 1) * sizeof(float) + 64), *y = malloc((n / 4 + 1) * sizeof(float) + 64);
    size_t fdim = n / 8;
    for (size_t i = 0; i < fdim; i++) {
        int32_t u, w;
        memcpy(&u, payload + 8 * i, 4);
        memcpy(&w, payload + 8 * i + 4, 4);
        x[i] = (float)u / 1048576.0f;
        y[i] = (float)w / 1048576.0f;
    }
    int32_t *scores = malloc(rows * sizeof(int32_t)), *want = malloc(rows * sizeof(int32_t));
    int8_t *codes = malloc(fdim + 1), *wantCodes = malloc(fdim + 1);
    float *back = malloc((fdim + 1) * sizeof(float));

    for (int lv = 1; lv < AEON_SIMD_LEVEL_COUNT; lv++) {
        const aeon_kernel_table *k = aeon_kernels_for((aeon_simd_level)lv);
        if (!k) continue;
        require(k->dot_i8(a + offA, b + offB, dim) == ref->dot_i8(a + offA, b + offB, dim));
        k->scan_i8(a + offA, b + offB, dim, dim, rows, scores);
        ref->scan_i8(a + offA, b + offB, dim, dim, rows, want);
        require(memcmp(scores, want, rows * sizeof(int32_t)) == 0);

        double mag = 0, l2mag = 0;
        for (size_t i = 0; i < fdim; i++) {
            mag += fabs((double)x[i] * y[i]);
            l2mag += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
        }
        require(fabs((double)k->dot_f32(x, y, fdim) - ref->dot_f32(x, y, fdim)) <= 1e-4 * (mag + 1e-30));
        require(fabs((double)k->l2sq_f32(x, y, fdim) - ref->l2sq_f32(x, y, fdim)) <= 1e-4 * (l2mag + 1e-30));

        float s = k->quantize(x, fdim, codes), sr = ref->quantize(x, fdim, wantCodes);
        require(s == sr && memcmp(codes, wantCodes, fdim) == 0);
        k->dequantize(codes, fdim, s, back);
        for (size_t i = 0; i < fdim; i++) {
            require(codes[i] >= -127 && codes[i] <= 127);
            require(fabsf(back[i] - x[i]) <= s * 0.5f * 1.0001f + 1e-30f);
        }
        require(k->crc32c(0x12345678u, data, size) == ref->crc32c(0x12345678u, data, size));
    }
    free(a), free(b), free(x), free(y), free(scores), free(want), free(codes), free(wantCodes), free(back);
    return 0;
}
