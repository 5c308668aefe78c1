#!/usr/bin/env bash
# Installs the Debian packages Switchyard needs to build, test and benchmark. The project is built
# with clang 19 (GCC 12 miscompiles coroutines: tests/toolchain/coroutine_temporaries.cpp);
# libclang-rt-19-dev holds the sanitizer runtimes of scripts/sanitize.sh; chromium runs the
# dashboard's browser tests (tests/ui).
# Idempotent: does nothing (and needs no network) when every package is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  clang-19 libclang-rt-19-dev llvm
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev ca-certificates libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libgtest-dev libgmock-dev libbenchmark-dev
  libmimalloc-dev
  nginx-light wrk curl linux-perf time
  chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm may come from a non-Debian build that conflicts with Debian's npm: only
# install Debian's when no node is present at all.
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
