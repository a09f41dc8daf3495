int aeon_bench_placeholder(void);
