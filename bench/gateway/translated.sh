#!/usr/bin/env bash
# bench/gateway/translated.sh [BUILD_DIR]: what translating between client APIs costs. One
# switchyard in front of mock-openai; the same chat answered through each inbound API, back to
# back in one run:
#   openai      POST /v1/chat/completions (relayed: the model name is the only rewrite)
#   anthropic   POST /v1/messages         (Anthropic -> OpenAI -> Anthropic)
#   responses   POST /v1/responses        (Responses -> OpenAI -> Responses)
#   ollama      POST /api/chat            (Ollama -> OpenAI -> Ollama, stream: false)
# Saturating load (CONNECTIONS [16], DURATION [3] s, WARMUP [1] s); switchyard on PROXY_CPU [0],
# loadgen and the mock on LOAD_CPU [1] (PIN=0: unpinned). Prints req/s and latency per path.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/bench/lib.sh"
source "$here/client_paths.sh"
build="$(bench_build_dir "${1:-}")"

MOCK="${MOCK:-$build/tests/support/mock-openai}"
SWITCHYARD="${SWITCHYARD:-$build/src/cli/switchyard}"
LOADGEN="${LOADGEN:-$build/bench/gateway/switchyard-loadgen}"
DURATION="${DURATION:-3}"
WARMUP="${WARMUP:-1}"
CONNECTIONS="${CONNECTIONS:-16}"
PROXY_CPU="${PROXY_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
PIN="${PIN:-1}"
for b in "$MOCK" "$SWITCHYARD" "$LOADGEN"; do [[ -x "$b" ]] || die "missing $b (build it first)"; done

pin_proxy=()
pin_load=()
if [[ "$PIN" == 1 ]] && command -v taskset >/dev/null && (($(nproc) >= 2)); then
  pin_proxy=(taskset -c "$PROXY_CPU")
  pin_load=(taskset -c "$LOAD_CPU")
fi

bench_workspace translated

"${pin_load[@]}" "$MOCK" --port 0 >"$tmp/mock.log" 2>&1 &
pids+=($!)
mock_port="$(wait_listening "$tmp/mock.log" "${pids[-1]}" mock-openai)"
write_switchyard_config "$tmp/switchyard.yaml" "$mock_port"
"${pin_proxy[@]}" "$SWITCHYARD" serve --config "$tmp/switchyard.yaml" --listen 127.0.0.1:0 --threads 1 \
  >"$tmp/switchyard.log" 2>&1 &
pids+=($!)
sy_port="$(wait_listening "$tmp/switchyard.log" "${pids[-1]}" switchyard)"


echo "switchyard translated paths: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), $(nproc) cpus," \
  "switchyard --threads 1, $CONNECTIONS connections, ${DURATION}s per path"
# Which process saturated: switchyard's CPU (user + system) over the load, as a share of its one
# core and per request; at ~100 % it is the bottleneck, below that the load side (loadgen, mock) is.
sy_pid="${pids[-1]}"
clk_tck="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
printf '%-10s %-22s %10s %10s %10s %8s %7s %12s\n' client path req/s p50_us p99_us errors sy_cpu sy_us/req
for client in "${client_paths[@]}"; do
  ticks0="$(cpu_ticks "$sy_pid")"
  out="$("${pin_load[@]}" "$LOADGEN" --mode saturate --url "http://127.0.0.1:$sy_port${path[$client]}" \
    --body "${body[$client]}" --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP" --json \
    2>"$tmp/loadgen.err")" || { cat "$tmp/loadgen.err" >&2; die "loadgen failed on $client"; }
  ticks1="$(cpu_ticks "$sy_pid")"
  python3 - "$client" "${path[$client]}" "$out" "$((ticks1 - ticks0))" "$clk_tck" "$DURATION" "$WARMUP" <<'PY'
import json, sys
client, path, r = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
ticks, tck, seconds = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]) + float(sys.argv[7])
cpu_s = ticks / tck
l = r["latency_us"]
# (the warm-up runs at about the measured rate: its requests are counted with it)
per_request = cpu_s * 1e6 / (r["rps"] * seconds) if r["rps"] else 0
print(f'{client:<10} {path:<22} {r["rps"]:>10.0f} {l["p50"]:>10.0f} {l["p99"]:>10.0f} {r["errors"]:>8}'
      f' {100 * cpu_s / seconds:>6.0f}% {per_request:>12.1f}')
PY
done
