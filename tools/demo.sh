#!/usr/bin/env bash
# The README's main job: set up, build in release mode, and run the demo.
# For now (until the store lands) the demo is the SIMD level of this CPU and the kernel benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
swift build -c release --product aeonctl
.build/release/aeonctl simd
echo
.build/release/aeonctl bench kernels "$@"
