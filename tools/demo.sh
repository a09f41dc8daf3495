#!/usr/bin/env bash
# The README's main job: set up, build aeonctl in release mode, and run the demo on the sample
# data bundled with it (no network, no arguments). Extra arguments go to `aeonctl demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
swift build -c release --product aeonctl
.build/release/aeonctl demo "$@"
