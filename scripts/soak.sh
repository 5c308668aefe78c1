#!/usr/bin/env bash
# The soak for before a release: the load-and-churn test of tests/soak/soak.mjs for a long time
# (default 30 minutes), on the normal build or a sanitizer build.
#
#   bash scripts/soak.sh [SECONDS] [build-dir]      # e.g. bash scripts/soak.sh 1800 build-asan
#
# Prints the figures (requests, outcomes by API, churn counts, RSS and fds at start, end and
# peak) and fails when the gateway died, an unexpected error reached a client, or RSS/fds grew.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-1800}"
build_dir="${2:-build}"
[ -x "$build_dir/src/cli/switchyard" ] || bash scripts/setup.sh
case "$build_dir" in
  *asan*) export SWITCHYARD_SANITIZER=asan ;;
  *tsan*) export SWITCHYARD_SANITIZER=tsan ;;
esac
export SWITCHYARD_BIN="$build_dir/src/cli/switchyard" MOCK_BIN="$build_dir/tests/support/mock-openai" \
  MAKE_MODEL_BIN="$build_dir/tests/support/make-test-model" SWITCHYARD_DISCOVERY=off SOAK_SECONDS="$seconds"
exec node --test tests/soak/soak.test.mjs
