#!/usr/bin/env bash
# One-shot GPU check for a lent device machine (the `device` tool): builds the pinned llama.cpp
# with CUDA for one architecture, then lets Switchyard load a model through its supervisor with
# `gpu_layers: auto` (placement reads free VRAM from nvidia-smi and picks -ngl), and answers a
# chat request through the gateway.
#
# Prepare here (the device reaches no network, so bring the llama.cpp bundle, a model, and the
# gateway binary with the shared libraries Debian gives it):
#   mkdir -p .cache/lib && cp ~/.cache/switchyard/llama.cpp/gitRelease-*.bundle .cache/
#   build/tests/support/make-test-model .cache/model.gguf --name "gpu check"
#   strip -o .cache/switchyard build/src/cli/switchyard
#   for l in libsqlite3.so.0 libboost_json.so.1.81.0 libboost_url.so.1.81.0 libboost_container.so.1.81.0 \
#            libyaml-cpp.so.0.7 libspdlog.so.1.10 libfmt.so.9; do cp -L /usr/lib/x86_64-linux-gnu/$l .cache/lib/; done
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

echo "== switchyard: local model with gpu_layers auto"
home=$(mktemp -d)
cat >"$home/config.yaml" <<YAML
models: { paths: [$PWD/.cache/model.gguf] }
engine: { llama_server: $dir/bin/llama-server, gpu_layers: auto, context_size: 1024, extra_args: [-lv, "4"] }
YAML
SWITCHYARD_HOME=$home LD_LIBRARY_PATH=$PWD/.cache/lib .cache/switchyard serve --config "$home/config.yaml" \
  --listen 127.0.0.1:18321 >"$out/gateway.log" 2>&1 &
gw=$!
for _ in $(seq 1 50); do curl -sf localhost:18321/health >/dev/null && break; sleep 0.2; done
model=$(curl -s localhost:18321/api/models | grep -o '"id":"local/[^"]*"' | head -1 | cut -d'"' -f4)
echo "model: $model"
curl -s localhost:18321/v1/chat/completions -H 'content-type: application/json' \
  -d "{\"model\":\"$model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":32}" | head -c 400
echo
curl -s localhost:18321/api/engines
echo
grep -E "loading|ready on port" "$out/gateway.log"
grep -hiE "offloaded|CUDA0 model buffer|tokens per second" "$home"/logs/*.log | head -8
kill $gw
wait $gw 2>/dev/null

echo "== llama-server directly, -ngl 99"
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
