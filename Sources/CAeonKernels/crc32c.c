// CRC32C (Castagnoli polynomial 0x1EDC6F41, reflected form 0x82F63B78), as used by iSCSI,
// ext4 and LevelDB. Software slice-by-8, and the SSE4.2 / ARMv8 instructions.
//
// The CRC instruction takes three cycles and issues one per cycle, so one chain of them runs
// at a third of its throughput. The hardware paths therefore checksum three adjacent lanes of
// LANE bytes at once and join them: the CRC register is linear over GF(2), so the register
// after lanes A and B equals A's register carried past LANE zero bytes, xor B's register
// started from zero. Carrying a register past LANE zero bytes is four table lookups.
#include "kernels_internal.h"
#include <pthread.h>

#if AEON_X86_64
#include <immintrin.h>
#endif
#if AEON_ARM64
#include <arm_acle.h>
#endif

static uint32_t crc_tables[8][256];
static pthread_once_t crc_tables_once = PTHREAD_ONCE_INIT;

enum { LANE = 256 };
// crc_shift_tables[k][b]: the register (b << 8k) carried past LANE zero bytes.
static uint32_t crc_shift_tables[4][256];

static void crc_tables_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_tables[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = crc_tables[0][n];
        for (int t = 1; t < 8; t++) {
            c = crc_tables[0][c & 0xFF] ^ (c >> 8);
            crc_tables[t][n] = c;
        }
    }
    for (uint32_t k = 0; k < 4; k++) {
        for (uint32_t b = 0; b < 256; b++) {
            uint32_t c = b << (8 * k);
            for (int i = 0; i < LANE; i++) c = crc_tables[0][c & 0xFF] ^ (c >> 8);
            crc_shift_tables[k][b] = c;
        }
    }
}

// The register `c` carried past LANE zero bytes.
static inline uint32_t crc_shift(uint32_t c) {
    return crc_shift_tables[0][c & 0xFF] ^ crc_shift_tables[1][(c >> 8) & 0xFF] ^
           crc_shift_tables[2][(c >> 16) & 0xFF] ^ crc_shift_tables[3][c >> 24];
}

uint32_t aeon_crc32c_software(uint32_t crc, const void *data, size_t length) {
    pthread_once(&crc_tables_once, crc_tables_init);
    const uint8_t *p = (const uint8_t *)data;
    uint32_t c = ~crc;
    while (length >= 8) {
        // Little-endian byte order is assumed by the slicing; assemble it explicitly.
        uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                           (uint32_t)p[3] << 24);
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
                      (uint32_t)p[7] << 24;
        c = crc_tables[7][lo & 0xFF] ^ crc_tables[6][(lo >> 8) & 0xFF] ^
            crc_tables[5][(lo >> 16) & 0xFF] ^ crc_tables[4][lo >> 24] ^
            crc_tables[3][hi & 0xFF] ^ crc_tables[2][(hi >> 8) & 0xFF] ^
            crc_tables[1][(hi >> 16) & 0xFF] ^ crc_tables[0][hi >> 24];
        p += 8;
        length -= 8;
    }
    while (length--) c = crc_tables[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
    return ~c;
}

#if AEON_X86_64
__attribute__((target("sse4.2")))
uint32_t aeon_crc32c_sse42(uint32_t crc, const void *data, size_t length) {
    const uint8_t *p = (const uint8_t *)data;
    uint64_t c = (uint32_t)~crc;
    if (length >= 3 * LANE) {
        pthread_once(&crc_tables_once, crc_tables_init);
        do {
            uint64_t c1 = 0, c2 = 0;
            for (size_t i = 0; i < LANE; i += 8) {
                c = _mm_crc32_u64(c, aeon_load_u64(p + i));
                c1 = _mm_crc32_u64(c1, aeon_load_u64(p + LANE + i));
                c2 = _mm_crc32_u64(c2, aeon_load_u64(p + 2 * LANE + i));
            }
            c = crc_shift(crc_shift((uint32_t)c) ^ (uint32_t)c1) ^ (uint32_t)c2;
            p += 3 * LANE;
            length -= 3 * LANE;
        } while (length >= 3 * LANE);
    }
    while (length >= 8) {
        c = _mm_crc32_u64(c, aeon_load_u64(p));
        p += 8;
        length -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (length--) c32 = _mm_crc32_u8(c32, *p++);
    return ~c32;
}
#endif

#if AEON_ARM64
#if defined(__clang__)
__attribute__((target("crc")))
#else
__attribute__((target("arch=armv8-a+crc")))
#endif
uint32_t aeon_crc32c_armv8(uint32_t crc, const void *data, size_t length) {
    const uint8_t *p = (const uint8_t *)data;
    uint32_t c = ~crc;
    if (length >= 3 * LANE) {
        pthread_once(&crc_tables_once, crc_tables_init);
        do {
            uint32_t c1 = 0, c2 = 0;
            for (size_t i = 0; i < LANE; i += 8) {
                c = __crc32cd(c, aeon_load_u64(p + i));
                c1 = __crc32cd(c1, aeon_load_u64(p + LANE + i));
                c2 = __crc32cd(c2, aeon_load_u64(p + 2 * LANE + i));
            }
            c = crc_shift(crc_shift(c) ^ c1) ^ c2;
            p += 3 * LANE;
            length -= 3 * LANE;
        } while (length >= 3 * LANE);
    }
    while (length >= 8) {
        c = __crc32cd(c, aeon_load_u64(p));
        p += 8;
        length -= 8;
    }
    while (length--) c = __crc32cb(c, *p++);
    return ~c;
}
#endif
