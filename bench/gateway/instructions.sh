#!/usr/bin/env bash
# bench/gateway/instructions.sh SWITCHYARD_BINARY [SWITCHYARD_BINARY...]: instructions executed
# per request by switchyard on each client path (the same four as translated.sh), counted by
# valgrind (callgrind's Ir). On a VM without hardware counters and with noisy neighbours, req/s
# moves ±30 % between runs of the same binary; instruction counts move a few percent — the way to
# compare two builds (e.g. before and after a change: pass both binaries). Each binary is run
# under valgrind alone, its counters zeroed after a warm-up, then DURATION [4] s of load from
# 4 connections; Ir of the whole process (all threads) / requests answered.
# Needs valgrind; valgrind cannot read clang 19's DWARF 5, so a copy without debug info is run.
# TOP=N also prints, per path, the N project functions (sy::) that cost the most instructions per
# request, inclusive of what they call: where to cut next.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/bench/lib.sh"
source "$here/client_paths.sh"
(($# >= 1)) || die "usage: instructions.sh SWITCHYARD_BINARY [SWITCHYARD_BINARY...]"
command -v valgrind >/dev/null && command -v callgrind_control >/dev/null || die "needs valgrind"
build="$(bench_build_dir "${BUILD:-}")"
MOCK="${MOCK:-$build/tests/support/mock-openai}"
LOADGEN="${LOADGEN:-$build/bench/gateway/switchyard-loadgen}"
DURATION="${DURATION:-4}"
for b in "$MOCK" "$LOADGEN"; do [[ -x "$b" ]] || die "missing $b (build it first)"; done

bench_workspace instructions

"$MOCK" --port 0 >"$tmp/mock.log" 2>&1 &
pids+=($!)
mock_port="$(wait_listening "$tmp/mock.log" "${pids[-1]}" mock-openai)"
write_switchyard_config "$tmp/switchyard.yaml" "$mock_port"


load() {  # client seconds -> loadgen's JSON
  "$LOADGEN" --mode saturate --url "http://127.0.0.1:$1${path[$2]}" --body "${body[$2]}" --connections 4 \
    --duration "$3" --warmup 0 --json 2>/dev/null
}

printf '%-40s %-10s %10s %12s\n' binary client requests Ir/request
n=0
for binary in "$@"; do
  [[ -x "$binary" ]] || die "missing $binary"
  n=$((n + 1))
  copy="$tmp/switchyard-$n"
  strip -g -o "$copy" "$binary"
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$n.%p" "$copy" serve --config "$tmp/switchyard.yaml" \
    --listen 127.0.0.1:0 --threads 1 >"$tmp/switchyard-$n.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  port="$(wait_listening "$tmp/switchyard-$n.log" "$pid" switchyard)"
  for client in "${client_paths[@]}"; do
    load "$port" "$client" 1 >/dev/null  # warm-up: connections, caches, lazy state
    # callgrind takes commands only while the process runs: an idle gateway (blocked in epoll)
    # answers the zeroing when the load starts, and the dump when a request wakes it
    callgrind_control -z "$pid" >/dev/null &
    zeroing=$!
    sleep 0.2
    out="$(load "$port" "$client" "$DURATION")"
    wait "$zeroing"
    callgrind_control -d "$pid" >/dev/null &
    dumping=$!
    sleep 0.2
    curl -s -o /dev/null "http://127.0.0.1:$port/health" || true  # one tiny request, counted too
    wait "$dumping"
    dump="$(ls -t "$tmp"/cg."$n"."$pid"* | head -1)"
    ir="$(grep -E '^(summary|totals):' "$dump" | head -1 | awk '{print $2}')"
    python3 - "$binary" "$client" "$out" "$ir" "$DURATION" <<'PY'
import json, sys
binary, client, r, ir, seconds = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
n = r["rps"] * seconds
print(f'{binary[-40:]:<40} {client:<10} {n:>10.0f} {ir / n:>12.0f}')
PY
    if ((${TOP:-0} > 0)); then  # where the instructions go: inclusive per request, largest first
      callgrind_annotate --inclusive=yes "$dump" 2>/dev/null |
        python3 -c '
import re, sys
n, top = float(sys.argv[1]), int(sys.argv[2])
rows = []
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) .*?\?\?\?:(.*) \[", line)
    if m and "sy::" in m.group(2):
        rows.append((int(m.group(1).replace(",", "")) / n, re.sub(r"\(.*", "", m.group(2).replace("(anonymous namespace)", "{anon}"))[:100]))
for ir, name in rows[:top]:
    print(f"    {ir:>8.0f}  {name}")
' "$(python3 -c "import json,sys; r=json.loads(sys.argv[1]); print(r['rps']*float(sys.argv[2]))" "$out" "$DURATION")" "$TOP"
    fi
  done
  kill "$pid" 2>/dev/null || true
done
