#!/usr/bin/env bash
# Cross-compiles the C kernels and tools/kernel-selftest.c for arm64 and runs the self-test
# under qemu-aarch64: the one way to exercise the NEON and dot-product levels on an x86 host.
# qemu's default CPU ("max") has the dot product and CRC32 extensions, so both arm64
# levels and the hardware CRC32C are tested.
#
# Needs: gcc-aarch64-linux-gnu, qemu-user (Debian packages); installs them when root.
# Exits 77 (skipped) when they are missing and cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null \
        && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-aarch64-linux-gnu qemu-user >/dev/null; then
        :
    else
        echo "check-arm64: skipped: install gcc-aarch64-linux-gnu and qemu-user to run it" >&2
        exit 77
    fi
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Compiled the way SwiftPM compiles (clang, no -m flags: baseline armv8-a), and once with
# GCC to keep the sources portable; linked by the cross GCC.
objs=()
for src in Sources/CAeonKernels/*.c tools/kernel-selftest.c; do
    obj="$out/$(basename "$src" .c).o"
    clang --target=aarch64-linux-gnu -isystem /usr/aarch64-linux-gnu/include -std=c11 -O2 \
        -Wall -Wextra -Werror -ISources/CAeonKernels/include -c "$src" -o "$obj"
    objs+=("$obj")
done
aarch64-linux-gnu-gcc "${objs[@]}" -lm -lpthread -o "$out/selftest"
aarch64-linux-gnu-gcc -std=c11 -O2 -Wall -Wextra -Werror -ISources/CAeonKernels/include \
    Sources/CAeonKernels/*.c tools/kernel-selftest.c -lm -lpthread -o "$out/selftest-gcc"
echo "== arm64 (qemu, cpu max)"
qemu-aarch64 -L /usr/aarch64-linux-gnu "$out/selftest"
echo "== arm64 (qemu, cpu cortex-a53: no dot product)"
qemu-aarch64 -cpu cortex-a53 -L /usr/aarch64-linux-gnu "$out/selftest"
echo "== arm64, GCC build (qemu, cpu max)"
qemu-aarch64 -L /usr/aarch64-linux-gnu "$out/selftest-gcc"
