#!/usr/bin/env bash
# Fuzzing (issue 13). Every target runs under libFuzzer with AddressSanitizer; a crash (a trap,
# a sanitizer report, an allocation past the limit) leaves its input in fuzz/out/ and a
# non-zero exit. Keep each crash, once fixed, in fuzz/regressions/<target>/: every run replays
# those first.
#
#   fuzz/run.sh --list                 the targets
#   fuzz/run.sh TARGET [SECONDS]       fuzz one target (default 60 s)
#   fuzz/run.sh --all SECONDS          every target in turn, SECONDS each (what CI runs, briefly)
#
# Targets: kernels (the C SIMD kernels against the scalar reference, libFuzzer + ASan + UBSan)
# and the Swift ones in fuzz/Sources/AeonFuzz (the fuzz package, built with
# -sanitize=fuzzer,address): store files with every checksum recomputed after each mutation,
# the log, the blob arena, the import formats, and the store against a model.
set -euo pipefail
cd "$(dirname "$0")/.."

swift_targets="manifest wal blobs postings records layers fvecs npy jsonl differential"
all_targets="kernels $swift_targets"

usage() {
    echo "usage: fuzz/run.sh --list | TARGET [SECONDS] | --all SECONDS" >&2
    exit 2
}

build_swift() {
    [ -n "${built_swift:-}" ] && return
    echo "fuzz: building the Swift targets (-sanitize=fuzzer,address)" >&2
    (cd fuzz && swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing 2>&1 \
        | grep -v -e "Cannot export local symbol" -e "^\[" >&2 || true)
    [ -x fuzz/.build/release/AeonFuzz ] || { echo "fuzz: the build failed" >&2; exit 1; }
    built_swift=1
}

# The final statistics of a libFuzzer run: "executions: N (E/s)".
report() {
    local target=$1 log=$2
    local runs rate
    runs=$(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    rate=$(grep -Eo 'stat::average_exec_per_sec: +[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    echo "fuzz: $target: $runs executions ($rate/s), no crash"
}

run_target() {
    local target=$1 seconds=$2
    mkdir -p fuzz/out "fuzz/corpus-$target" "fuzz/regressions/$target"
    local log
    log=$(mktemp)
    if [ "$target" = kernels ]; then
        clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
            -ISources/CAeonKernels/include Sources/CAeonKernels/*.c fuzz/kernels_fuzz.c -lm -lpthread \
            -o fuzz/out/kernels_fuzz 2> >(grep -v "Cannot export local symbol" >&2)
        status=0
        fuzz/out/kernels_fuzz -max_total_time="$seconds" -max_len=16384 -print_final_stats=1 \
            -artifact_prefix=fuzz/out/kernels- fuzz/corpus-kernels fuzz/regressions/kernels >"$log" 2>&1 || status=$?
    else
        build_swift
        local seeds=""
        [ -z "$(ls -A "fuzz/corpus-$target")" ] && seeds="fuzz/corpus-$target"
        local max_len=8192
        [ "$target" = differential ] && max_len=400
        status=0
        # SWIFT_BACKTRACE off: the backtracer reads memory that ASan then reports as its own finding.
        SWIFT_BACKTRACE=enable=no AEON_FUZZ_TARGET=$target AEON_FUZZ_SEEDS=$seeds fuzz/.build/release/AeonFuzz \
            -max_total_time="$seconds" -max_len=$max_len -rss_limit_mb=4096 -malloc_limit_mb=1024 -detect_leaks=0 -print_final_stats=1 \
            -artifact_prefix="fuzz/out/$target-" "fuzz/corpus-$target" "fuzz/regressions/$target" >"$log" 2>&1 || status=$?
    fi
    if [ "$status" != 0 ]; then
        grep -v "Cannot export local symbol" "$log" | tail -40 >&2
        echo "fuzz: $target: FAILED (exit $status); the input is in fuzz/out/" >&2
        rm -f "$log"
        exit 1
    fi
    report "$target" "$log"
    rm -f "$log"
}

[ $# -ge 1 ] || usage
case "$1" in
--list)
    for t in $all_targets; do echo "$t"; done
    ;;
--all)
    [ $# -eq 2 ] || usage
    for t in $all_targets; do run_target "$t" "$2"; done
    ;;
*)
    target=$1
    seconds=${2:-60}
    case " $all_targets " in *" $target "*) ;; *) echo "fuzz: unknown target '$target' (fuzz/run.sh --list)" >&2; exit 2 ;; esac
    run_target "$target" "$seconds"
    ;;
esac
