#!/usr/bin/env bash
# bench/failover/run.sh [BUILD_DIR]: the failover benchmark (see README.md here).
#
# Three mock-openai upstreams a, b, c behind `switchyard serve`, one round_robin route "chat" over
# a/mock-chat, b/mock-chat, c/mock-chat. Steady load at a fixed rate for DURATION seconds; at
# KILL_AT s backend b is SIGKILLed, at RESTART_AT s it is restarted on the same port. Reports the
# failed requests (goal 0 for non-streaming), latency before / right after the kill / after, the
# time to eject b and the time to readmit it. Once without and once with streaming; a fresh set
# of processes for each. The JSON goes to bench/failover/results/last.json.
#
# Environment overrides (defaults in brackets):
#   MODES ["nonstream stream"]  RATE [200] req/s (non-streaming), STREAM_RATE [50] streams/s
#   DURATION [20] s, KILL_AT [5] s, RESTART_AT [12] s, POLL_MS [100] (GET /api/router period)
#   DELAY_MS [20]: the mock waits this long before each non-streaming answer, so that a few
#     requests are in flight on b when it dies (0: answers at once, only refused connects are seen)
#   CHUNKS [10], CHUNK_DELAY_MS [20]: each stream lasts about CHUNKS * CHUNK_DELAY_MS
#   FAULT [kill]: kill = SIGKILL b and start it again on its port; stop = SIGSTOP b and SIGCONT
#     it (a hung host: connects succeed, nothing answers)
#   THREADS [1] switchyard --threads; MOCK_THREADS [1]; NICE [10] niceness of everything started
#   BREAKER ["{ consecutive_failures: 3, open_base: 2s, open_max: 10s }"]   router.breaker
#   HEALTH ["{ interval: 1s, timeout: 500ms, unhealthy_after: 1, healthy_after: 1 }"]  router.health
#   STRATEGY [round_robin]; ROUTER_EXTRA / ROUTE_EXTRA: more YAML lines under router: / the route
#   MOCK, SWITCHYARD, NODE  binary paths (default: from BUILD_DIR, node on PATH)
#   KEEP_TMP=1 keeps the temp dir (configs, logs, per-request CSVs)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/bench/lib.sh"
build="$(bench_build_dir "${1:-}")"

MOCK="${MOCK:-$build/tests/support/mock-openai}"
SWITCHYARD="${SWITCHYARD:-$build/src/cli/switchyard}"
NODE="${NODE:-$(command -v node || true)}"

MODES="${MODES:-nonstream stream}"
RATE="${RATE:-200}"
STREAM_RATE="${STREAM_RATE:-50}"
DURATION="${DURATION:-20}"
KILL_AT="${KILL_AT:-5}"
RESTART_AT="${RESTART_AT:-12}"
POLL_MS="${POLL_MS:-100}"
CHUNKS="${CHUNKS:-10}"
DELAY_MS="${DELAY_MS:-20}"
FAULT="${FAULT:-kill}"
CHUNK_DELAY_MS="${CHUNK_DELAY_MS:-20}"
THREADS="${THREADS:-1}"
MOCK_THREADS="${MOCK_THREADS:-1}"
NICE="${NICE:-10}"
BREAKER="${BREAKER:-"{ consecutive_failures: 3, open_base: 2s, open_max: 10s }"}"
HEALTH="${HEALTH:-"{ interval: 1s, timeout: 500ms, unhealthy_after: 1, healthy_after: 1 }"}"
STRATEGY="${STRATEGY:-round_robin}"
ROUTER_EXTRA="${ROUTER_EXTRA:-}"
ROUTE_EXTRA="${ROUTE_EXTRA:-}"

[[ -x "$MOCK" ]] || die "no mock upstream at $MOCK (build the mock-openai target)"
[[ -x "$SWITCHYARD" ]] || die "no switchyard at $SWITCHYARD (build the switchyard target)"
[[ -n "$NODE" && -x "$NODE" ]] || die "no node on PATH (Node.js 20 runs the load driver)"

line_buffered=()
command -v stdbuf >/dev/null && line_buffered=(stdbuf -oL -eL)
niced=(nice -n "$NICE")

# --- cleanup ------------------------------------------------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/switchyard-failover.XXXXXX")"
pids=()
stop_all() {  # every process this script (or the driver, for the restarted backend) started
  local pid
  for f in "$tmp"/*/restart.pid; do [[ -f "$f" ]] && pids+=("$(cat "$f")") && rm -f "$f"; done
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
    kill -9 "$pid" 2>/dev/null || true
  done
  pids=()
}
cleanup() {
  stop_all
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then echo "run.sh: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- one run ------------------------------------------------------------------------------------
run_mode() {  # nonstream | stream
  local mode="$1" dir="$tmp/$1"
  mkdir -p "$dir/home"
  declare -A port pid
  local n
  for n in a b c; do
    "${niced[@]}" "${line_buffered[@]}" "$MOCK" --port 0 --threads "$MOCK_THREADS" >"$dir/mock-$n.log" 2>&1 &
    pid[$n]=$!
    pids+=("${pid[$n]}")
    disown "${pid[$n]}"  # b is SIGKILLed on purpose: no "Killed" job report from bash
    port[$n]="$(wait_listening "$dir/mock-$n.log" "${pid[$n]}" "mock-openai $n")"
  done

  cat >"$dir/switchyard.yaml" <<EOF
server: { listen: 127.0.0.1:0, access_log: false }
backends:
  - { name: a, type: openai, url: http://127.0.0.1:${port[a]}/v1, list_models: false }
  - { name: b, type: openai, url: http://127.0.0.1:${port[b]}/v1, list_models: false }
  - { name: c, type: openai, url: http://127.0.0.1:${port[c]}/v1, list_models: false }
router:
  breaker: $BREAKER
  health: $HEALTH
${ROUTER_EXTRA:+$(sed 's/^/  /' <<<"$ROUTER_EXTRA")}
routes:
  - model: chat
    strategy: $STRATEGY
    targets: [a/mock-chat, b/mock-chat, c/mock-chat]
${ROUTE_EXTRA:+$(sed 's/^/    /' <<<"$ROUTE_EXTRA")}
EOF
  SWITCHYARD_HOME="$dir/home" "${niced[@]}" "${line_buffered[@]}" "$SWITCHYARD" serve \
    --config "$dir/switchyard.yaml" --threads "$THREADS" >"$dir/switchyard.log" 2>&1 &
  local sy_pid=$!
  pids+=("$sy_pid")
  local sy_port
  sy_port="$(wait_listening "$dir/switchyard.log" "$sy_pid" switchyard)"

  # smoke: the route answers, once per target
  local i code
  for i in 1 2 3; do
    code="$(curl -s -o "$dir/smoke.out" -w '%{http_code}' -H 'content-type: application/json' \
      -d '{"model":"chat","messages":[{"role":"user","content":"hi"}]}' \
      "http://127.0.0.1:$sy_port/v1/chat/completions" || true)"
    if [[ "$code" != 200 ]]; then
      cat "$dir/smoke.out" >&2 || true
      tail -20 "$dir/switchyard.log" >&2
      die "smoke request to the chat route answered '$code'"
    fi
  done
  sleep 1.2  # a health check round for every backend

  local rate="$RATE" extra=(--delay-ms "$DELAY_MS")
  if [[ "$mode" == stream ]]; then
    rate="$STREAM_RATE"
    extra=(--stream --chunks "$CHUNKS" --chunk-delay-ms "$CHUNK_DELAY_MS")
  fi
  echo "== $mode: $rate req/s for ${DURATION}s; $FAULT b at ${KILL_AT}s, restart at ${RESTART_AT}s"
  "${niced[@]}" "$NODE" "$here/driver.mjs" --url "http://127.0.0.1:$sy_port" --model chat \
    --rate "$rate" --duration "$DURATION" "${extra[@]}" \
    --victim b --victim-target b/mock-chat --kill-pid "${pid[b]}" --kill-at "$KILL_AT" --fault "$FAULT" \
    --restart-at "$RESTART_AT" --restart-pidfile "$dir/restart.pid" --restart-log "$dir/mock-b-restarted.log" \
    --restart-cmd "${niced[*]} ${line_buffered[*]} $MOCK --port ${port[b]} --threads $MOCK_THREADS" \
    --poll-ms "$POLL_MS" --switchyard-log "$dir/switchyard.log" --records "$dir/requests.csv" \
    >"$dir/result.json" || die "the load driver failed ($mode)"
  kill -0 "$sy_pid" 2>/dev/null || { tail -30 "$dir/switchyard.log" >&2; die "switchyard exited during the $mode run"; }
  stop_all
  mkdir -p "$here/results"
  cp "$dir/requests.csv" "$here/results/requests-$mode.csv"
}

cpus="$(nproc 2>/dev/null || echo 1)"
echo "switchyard failover benchmark: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), $cpus cpus"
echo "route chat: $STRATEGY over a, b, c (mock-openai); breaker $BREAKER; health $HEALTH"
echo "switchyard --threads $THREADS; everything under nice -n $NICE"
for mode in $MODES; do run_mode "$mode"; done

# --- combine, report ----------------------------------------------------------------------------
{
  echo "{\"bench\":\"failover\",\"date\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"host\":\"$(uname -n)\",\"cpus\":$cpus,"
  echo "\"params\":{\"rate\":$RATE,\"stream_rate\":$STREAM_RATE,\"duration_s\":$DURATION,\"kill_at_s\":$KILL_AT,"
  echo "  \"restart_at_s\":$RESTART_AT,\"poll_ms\":$POLL_MS,\"chunks\":$CHUNKS,\"chunk_delay_ms\":$CHUNK_DELAY_MS,\"delay_ms\":$DELAY_MS,\"fault\":\"$FAULT\","
  echo "  \"switchyard_threads\":$THREADS,\"mock_threads\":$MOCK_THREADS,\"strategy\":\"$STRATEGY\"},"
  printf '"config":%s,\n' "$("$NODE" -e 'process.stdout.write(JSON.stringify(require("fs").readFileSync(process.argv[1],"utf8")))' \
    "$tmp/$(set -- $MODES; echo "$1")/switchyard.yaml")"
  echo "\"runs\":{"
  sep=""
  for mode in $MODES; do echo "$sep\"$mode\":$(cat "$tmp/$mode/result.json")"; sep=","; done
  echo "}}"
} >"$tmp/combined.json"
mkdir -p "$here/results"
"$NODE" "$here/report.mjs" "$tmp/combined.json" "$here/results/last.json"
echo
echo "results: $here/results/last.json (per-request CSVs: $here/results/requests-*.csv)"
