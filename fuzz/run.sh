#!/usr/bin/env bash
# Builds fuzz/kernels_fuzz.c with libFuzzer + AddressSanitizer + UBSan and runs it for the given
# number of seconds (default 60). Needs a clang with compiler-rt's libFuzzer (the Swift
# toolchain's clang has it). A crash leaves its input in fuzz/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
mkdir -p fuzz/out fuzz/corpus-kernels
clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -ISources/CAeonKernels/include Sources/CAeonKernels/*.c fuzz/kernels_fuzz.c -lm -lpthread \
    -o fuzz/out/kernels_fuzz 2> >(grep -v "Cannot export local symbol" >&2)
fuzz/out/kernels_fuzz -max_total_time="$seconds" -max_len=16384 -artifact_prefix=fuzz/out/ fuzz/corpus-kernels
