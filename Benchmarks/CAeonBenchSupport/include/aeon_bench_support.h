// Machine reference measurements for Aeon's benchmarks. Not part of the engine.
#ifndef AEON_BENCH_SUPPORT_H
#define AEON_BENCH_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/// Reads every byte of `data` once, as fast as one core can (wide loads, several
/// independent accumulators), and returns a value that depends on all of them. The time it
/// takes over a buffer far larger than the caches is the single-core streaming-read bandwidth
/// that a posting scan is compared against.
uint64_t aeon_bench_stream_read(const void *data, size_t length);

/// Which implementation `aeon_bench_stream_read` uses ("avx512", "avx2", "neon", "scalar").
const char *aeon_bench_stream_read_isa(void);

/// Consumes a value so the optimizer cannot drop the work that produced it.
void aeon_bench_consume(uint64_t value);

#endif
