#!/usr/bin/env bash
# Sets everything up (see setup.sh) and runs the whole test suite: unit tests, integration
# tests of the real binary against mock upstreams, and the official-SDK compatibility tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build_dir="${SWITCHYARD_BUILD_DIR:-build}"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" "$@"
