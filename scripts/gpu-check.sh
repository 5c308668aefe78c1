#!/usr/bin/env bash
# One-shot GPU check for a lent device machine (the `device` tool): builds the pinned llama.cpp
# with CUDA for one architecture and runs a model with every layer offloaded.
#
# Prepare here (the device reaches no network, so bring the llama.cpp bundle and a model):
#   mkdir -p .cache && cp ~/.cache/switchyard/llama.cpp/gitRelease-*.bundle .cache/
#   cp /path/to/small-model.gguf .cache/model.gguf      # e.g. a fixture a test generated
# then run it there with carry [".cache"]:  bash scripts/gpu-check.sh [CUDA_ARCH]   (default 90)
set -u
arch="${1:-90}"
out="${OUT:-/tmp}"
echo "== device"; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
for t in nvcc cmake ninja git g++ curl flock; do printf '%s: %s\n' "$t" "$(command -v "$t" || echo MISSING)"; done
export SWITCHYARD_CACHE=$PWD/.cache/sy SWITCHYARD_BUILD_JOBS=$(nproc)
mkdir -p "$SWITCHYARD_CACHE/llama.cpp" && cp .cache/gitRelease-*.bundle "$SWITCHYARD_CACHE/llama.cpp/"
start=$(date +%s)
timeout 450 bash scripts/llama-cpp.sh --cuda "$arch" >"$out/build.out" 2>"$out/build.err"
rc=$?
echo "== CUDA build rc=$rc after $(($(date +%s) - start))s"
tail -3 "$out/build.err"
[ $rc -eq 0 ] || exit 1
dir=$(tail -1 "$out/build.out")
"$dir/bin/llama-server" -m .cache/model.gguf -ngl 99 -c 256 -np 1 -lv 4 --port 18181 --host 127.0.0.1 \
  --no-webui >"$out/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do curl -sf localhost:18181/health >/dev/null && break; sleep 0.5; done
curl -s localhost:18181/v1/chat/completions -H 'content-type: application/json' \
  -d '{"messages":[{"role":"user","content":"hi"}],"max_tokens":8}' | head -c 400
echo
kill $pid
wait $pid 2>/dev/null
grep -iE "offload|CUDA0|model buffer|KV buffer|compute buffer|tokens per second" "$out/server.log" | head -20
