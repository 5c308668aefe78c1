#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and builds Switchyard: Debian packages, the npm packages of
# the compatibility tests (from package-lock.json), the pinned llama.cpp (machine cache), and
# the project itself (build/). Idempotent; the second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

if [ -f package-lock.json ] && { [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  echo "setup: installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
fi

# ccache: share hits between clones of the repo (CI builds a fresh clone in another folder)
# and cache translation units that use the precompiled header
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"

build_dir="${SWITCHYARD_BUILD_DIR:-build}"
# clang 19, never GCC 12: GCC 12 destroys temporaries of co_await expressions twice (see
# tests/toolchain/coroutine_temporaries.cpp), and CMake refuses it. A build folder configured
# with another compiler is configured anew.
compiler="${SWITCHYARD_CXX:-$(command -v clang++-19)}"
if [ -f "$build_dir/CMakeCache.txt" ] && ! grep -qx "CMAKE_CXX_COMPILER:[A-Z]*=$compiler" "$build_dir/CMakeCache.txt"; then
  echo "setup: $build_dir was configured with another compiler; configuring it anew with $compiler"
  rm -rf "$build_dir/CMakeCache.txt" "$build_dir/CMakeFiles"
fi
if [ ! -f "$build_dir/build.ninja" ] || [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${SWITCHYARD_BUILD_TYPE:-RelWithDebInfo}" \
    -DCMAKE_CXX_COMPILER="$compiler" ${SWITCHYARD_CMAKE_ARGS:-}
fi
# one job per core; llama.cpp (first time only) builds inside this step. SWITCHYARD_BUILD_TARGETS:
# only these (scripts/sanitize.sh builds the binary, its helpers and some tests)
# shellcheck disable=SC2086
cmake --build "$build_dir" -j "$(nproc)" ${SWITCHYARD_BUILD_TARGETS:+--target $SWITCHYARD_BUILD_TARGETS}
