#include "aeon_bench_support.h"
int aeon_bench_placeholder(void) { return 0; }
