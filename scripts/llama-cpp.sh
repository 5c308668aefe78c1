#!/usr/bin/env bash
# Obtains the pinned llama.cpp and builds llama-server and ggml-rpc-server into a per-machine cache
# outside the work tree, keyed by commit and build flags. Prints the directory that holds the
# binaries (bin/llama-server, bin/ggml-rpc-server) on its last line of stdout.
#
# Source: the git bundle shipped in the npm package node-llama-cpp@3.21.1
# (package/llama/gitRelease.bundle); its HEAD must be the pinned commit.
#
#   scripts/llama-cpp.sh                 # CPU build (default)
#   scripts/llama-cpp.sh --cuda 86;90    # CUDA build for the listed architectures
#   scripts/llama-cpp.sh --print-dir     # where the build would be, without building
#
# Environment: SWITCHYARD_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/switchyard),
#              SWITCHYARD_BUILD_JOBS (default nproc).
set -euo pipefail

readonly npm_package="node-llama-cpp@3.21.1"
readonly pinned_commit="80fb11ac73e66d89eae2c6a91d8a77428fa733ed"

cuda_archs=""
print_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --cuda) cuda_archs="${2:?--cuda needs an architecture list, e.g. '86;90' (not 'native')}"; shift 2 ;;
    --print-dir) print_only=1; shift ;;
    *) echo "llama-cpp.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ "$cuda_archs" = "native" ]; then
  echo "llama-cpp.sh: --cuda native fails on machines without a GPU; list architectures (e.g. '86;90')" >&2
  exit 2
fi

flags=(-DCMAKE_BUILD_TYPE=Release -DGGML_RPC=ON -DLLAMA_USE_PREBUILT_UI=OFF
       -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON
       -DLLAMA_BUILD_SERVER=ON -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF)
variant="cpu"
if [ -n "$cuda_archs" ]; then
  flags+=(-DGGML_CUDA=ON "-DCMAKE_CUDA_ARCHITECTURES=$cuda_archs")
  variant="cuda-${cuda_archs//;/-}"
fi

cache_root="${SWITCHYARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/switchyard}"
flags_key=$(printf '%s\n' "${flags[@]}" | sha256sum | cut -c1-12)
build_key="${pinned_commit:0:12}-${variant}-${flags_key}"
out_dir="$cache_root/llama.cpp/$build_key"

if [ "$print_only" = 1 ]; then echo "$out_dir"; exit 0; fi
if [ -x "$out_dir/bin/llama-server" ] && [ -x "$out_dir/bin/ggml-rpc-server" ] && [ -f "$out_dir/COMMIT" ]; then
  echo "$out_dir"
  exit 0
fi

log() { echo "llama-cpp.sh: $*" >&2; }
mkdir -p "$cache_root/llama.cpp"
exec 9>"$cache_root/llama.cpp/.lock"
flock 9   # one build at a time per machine; a second caller waits, then finds it done
if [ -x "$out_dir/bin/llama-server" ] && [ -f "$out_dir/COMMIT" ]; then echo "$out_dir"; exit 0; fi

work="$cache_root/llama.cpp/work-$build_key"
rm -rf "$work"
mkdir -p "$work"
bundle="$cache_root/llama.cpp/gitRelease-${pinned_commit:0:12}.bundle"
if [ ! -f "$bundle" ]; then
  log "fetching $npm_package from the npm registry"
  (cd "$work" && npm pack --silent "$npm_package" >/dev/null)
  tar -xzf "$work"/node-llama-cpp-*.tgz -C "$work" package/llama/gitRelease.bundle
  mv "$work/package/llama/gitRelease.bundle" "$bundle.tmp"
  mv "$bundle.tmp" "$bundle"
fi
head=$(git bundle list-heads "$bundle" | awk '{print $1}' | sort -u)
if ! grep -qx "$pinned_commit" <<<"$head"; then
  log "bundle heads ($head) do not include the pinned commit $pinned_commit; refusing to build"
  exit 1
fi
log "cloning pinned commit $pinned_commit"
git clone --quiet --no-checkout "$bundle" "$work/src"
git -C "$work/src" -c advice.detachedHead=false checkout --quiet "$pinned_commit"
[ "$(git -C "$work/src" rev-parse HEAD)" = "$pinned_commit" ] || { log "checkout is not $pinned_commit"; exit 1; }

jobs="${SWITCHYARD_BUILD_JOBS:-$(nproc)}"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
log "building $variant with $jobs jobs (a cold CPU build takes ~14 min on 2 cores)"
cmake -S "$work/src" -B "$work/build" "${generator[@]}" "${launcher[@]}" "${flags[@]}" >"$work/configure.log" 2>&1 \
  || { tail -30 "$work/configure.log" >&2; exit 1; }
cmake --build "$work/build" -j "$jobs" --target llama-server ggml-rpc-server >"$work/build.log" 2>&1 \
  || { tail -40 "$work/build.log" >&2; exit 1; }

staging="$out_dir.tmp"
rm -rf "$staging"
mkdir -p "$staging/bin" "$staging/models"
cp "$work/build/bin/llama-server" "$work/build/bin/ggml-rpc-server" "$staging/bin/"
# vocab-only GGUF files: real tokenizers for generated test models
cp "$work/src"/models/ggml-vocab-*.gguf "$staging/models/" 2>/dev/null || true
echo "$pinned_commit" >"$staging/COMMIT"
printf '%s\n' "${flags[@]}" >"$staging/FLAGS"
rm -rf "$out_dir"
mv "$staging" "$out_dir"
rm -rf "$work"
log "built into $out_dir"
echo "$out_dir"
