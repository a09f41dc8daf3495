#!/usr/bin/env bash
# The README's test command, and what CI runs: set up, build with no warnings in our code,
# run the Swift test suite, the crash tests (30 SIGKILLs of a writing process, 150 simulated
# power cuts and a cut after each sync point of a short run), the concurrency tests under
# ThreadSanitizer, every fuzz target briefly, the C
# kernel self-test natively and, on x86-64 Linux, the arm64 (NEON / dot product) kernels under qemu.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build --build-tests 2>&1 | tee "$log"
# Warnings in our own sources fail the build (dependencies' warnings are theirs).
if grep -E "^$(pwd)/(Sources|Tests|Benchmarks)/.*warning:" "$log"; then
    echo "test: the build has warnings in Aeon's own sources" >&2
    exit 1
fi

swift test --skip-build 2>&1 | tee "$log"
# Swift Testing's summary, e.g. "✔ Test run with 28 tests in 7 suites passed after 12.3 seconds."
swift_tests=$(grep -Eo 'Test run with [0-9]+ tests?' "$log" | grep -Eo '[0-9]+' | tail -1)

echo "== crash test: SIGKILL a writing process 30 times (seed 20261121)"
.build/debug/aeon-bench crashtest --iterations 30 --seed 20261121

echo "== power-loss test: 150 simulated power cuts at random points, and one after each sync point of a 30-operation run"
.build/debug/aeon-bench crashtest --power-loss --iterations 150 --seed 20261202
.build/debug/aeon-bench crashtest --power-loss --sweep 30 --seed 20261202

echo "== documentation: DocC over the public API, no warnings (tools/docs.sh)"
tools/docs.sh

echo "== ThreadSanitizer: the concurrency tests (tools/tsan.sh)"
tools/tsan.sh

echo "== fuzzing: every target for 10 s (libFuzzer + ASan), the kept crash inputs replayed first"
fuzz/run.sh --all 10

echo "== C kernel self-test (native)"
cc_out=$(mktemp -d)
clang -std=c11 -O2 -Wall -Wextra -Werror -ISources/CAeonKernels/include Sources/CAeonKernels/*.c \
    tools/kernel-selftest.c -lm -lpthread -o "$cc_out/selftest"
"$cc_out/selftest"
rm -rf "$cc_out"

if [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ]; then
    status=0
    tools/check-arm64.sh || status=$?
    [ "$status" = 0 ] || [ "$status" = 77 ] || exit "$status"
fi

# One plain closing line (the XCTest shim above prints "Executed 0 tests" for its empty half).
echo "summary: ${swift_tests:-0} passed, 0 failed"
