#!/usr/bin/env bash
# Builds Switchyard and its tests under a sanitizer and runs the tests that exercise lifetimes
# and concurrency, with zero reports allowed (any report fails the test that provoked it).
#
#   bash scripts/sanitize.sh asan [ctest args...]   # ASan + UBSan: build-asan/
#   bash scripts/sanitize.sh tsan [ctest args...]   # TSan:         build-tsan/
#
# asan runs the integration, fault, reload, engine, local-model, soak, SDK and dashboard (browser)
# tests; tsan runs
# the unit tests (router, breakers, limiters), the engine supervisor, the gateway integration
# tests and the soak test. Extra arguments go to ctest (e.g. -R soak). Suppressions, each with
# its reason, live in scripts/sanitizers/.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:?usage: scripts/sanitize.sh asan|tsan [ctest args...]}"
shift
# what each mode builds: the binary, the helpers the tests start, and the test executables of
# its labels (not the benchmarks, fuzz replays or other tests: CI builds this twice more)
helpers="switchyard mock-openai make-test-model launcher-probe toolchain_coroutine_temporaries"
case "$mode" in
  asan) sanitize=address labels='integration|fault|reload|engine|local|soak|compat|ui|toolchain'
        targets="$helpers mock-hub integration_tests fault_tests reload_tests engine_tests local_model_tests" ;;
  tsan) sanitize=thread labels='unit|engine|integration|soak|toolchain'
        targets="$helpers unit_tests engine_tests integration_tests" ;;
  *) echo "sanitize.sh: unknown mode '$mode' (asan or tsan)" >&2; exit 2 ;;
esac

# setup.sh does the rest (packages, npm, ccache, the clang configure) into build-$mode
build_dir="build-$mode"
SWITCHYARD_BUILD_DIR="$build_dir" SWITCHYARD_BUILD_TARGETS="$targets" \
  SWITCHYARD_CMAKE_ARGS="-DSWITCHYARD_SANITIZE=$sanitize -DSWITCHYARD_BENCH=OFF" bash scripts/setup.sh

supp="$PWD/scripts/sanitizers"
# Every report of every process (the gateway started by a test as much as the test itself) is
# written under $reports and counted at the end: a report fails the run even where the process
# that had it was a child whose exit status no test reads.
reports="$PWD/$build_dir/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
common="halt_on_error=1:exitcode=86:log_path=$reports/report"
export ASAN_OPTIONS="$common:detect_leaks=1:detect_stack_use_after_return=1:strict_init_order=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="$common:print_stacktrace=1:suppressions=$supp/ubsan.supp:${UBSAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:${LSAN_OPTIONS:-}"
export TSAN_OPTIONS="$common:second_deadlock_stack=1:suppressions=$supp/tsan.supp:${TSAN_OPTIONS:-}"
export ASAN_SYMBOLIZER_PATH="${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer-19 || command -v llvm-symbolizer || true)}"
export TSAN_SYMBOLIZER_PATH="$ASAN_SYMBOLIZER_PATH"
# Sanitized processes run slower: tests that start them read this to scale their waits.
export SWITCHYARD_SANITIZER="$mode"
echo "sanitize.sh: running labels '$labels' under $mode"
status=0
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" -L "$labels" --timeout 600 "$@" || status=$?

found=$(find "$reports" -type f | sort)
if [ -n "$found" ]; then
  count=$(echo "$found" | wc -l)
  echo "sanitize.sh: $mode: $count report(s):"
  for f in $found; do echo "==== $f"; head -n 80 "$f"; done
  exit 1
fi
echo "sanitize.sh: $mode: 0 reports"
exit "$status"
