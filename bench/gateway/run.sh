#!/usr/bin/env bash
# bench/gateway/run.sh [BUILD_DIR]: the gateway benchmark (see README.md here).
#
# Measures, side by side and back to back for each measurement:
#   (a) direct      switchyard-loadgen -> upstream
#   (b) switchyard  switchyard-loadgen -> switchyard serve -> upstream
#   (c) nginx       switchyard-loadgen -> nginx (plain reverse proxy) -> upstream
# The upstream of the saturation and fixed-rate runs costs almost nothing (UPSTREAM=fast: a
# static nginx answering a canned chat completion), so the proxies, not the upstream, are what
# saturates; the streaming runs use mock-openai, which stamps each event with the time it wrote
# it. Prints a table, the ratios, which process saturated, CPU and syscalls per request, and the
# peak RSS; the JSON goes to bench/gateway/results/last.json.
#
# Environment overrides (defaults in brackets):
#   DURATION [5] seconds measured per run, WARMUP [1] seconds before each
#   CONNECTIONS [32] saturate; RATE [1000] req/s and RATE_CONNECTIONS [16] for the fixed-rate run;
#   STREAM_RATE [50] streams/s, STREAM_CONNECTIONS [8], CHUNKS [20], CHUNK_DELAY_MS [2]
#   WORKERS ["1 2"] the saturation runs, once per switchyard --threads / nginx worker_processes;
#     the fixed-rate, syscall and stream runs use the first
#   UPSTREAM [fast] fast (static nginx) | mock (mock-openai) for the saturation and rate runs
#   SYSCALL_SECONDS [2] length of the syscall-counting run (perf stat); 0 skips it
#   PROFILE=1 also records each proxy with `perf record -g` during its one-worker saturation run:
#     results/perf-TARGET.data and the top of its report, results/perf-TARGET.txt
#   PROXY_CPU [0] / LOAD_CPU [1] cpu lists for taskset (one-worker proxy under test / loadgen +
#     upstreams); a proxy with more workers gets every cpu. PIN=0 turns pinning off
#   TARGETS ["direct switchyard nginx"]  a subset, e.g. while one of them is unavailable
#   MOCK, SWITCHYARD, LOADGEN, NGINX  binary paths (default: from BUILD_DIR, /usr/sbin/nginx)
#   SWITCHYARD_API_KEY  sent as "Authorization: Bearer ..." to switchyard only
#   KEEP_TMP=1 keeps the temp dir (configs and logs) for inspection
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/bench/lib.sh"
build="$(bench_build_dir "${1:-}")"

MOCK="${MOCK:-$build/tests/support/mock-openai}"
SWITCHYARD="${SWITCHYARD:-$build/src/cli/switchyard}"
LOADGEN="${LOADGEN:-$build/bench/gateway/switchyard-loadgen}"
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"

DURATION="${DURATION:-5}"
WARMUP="${WARMUP:-1}"
CONNECTIONS="${CONNECTIONS:-32}"
RATE="${RATE:-1000}"
RATE_CONNECTIONS="${RATE_CONNECTIONS:-16}"
STREAM_RATE="${STREAM_RATE:-50}"
STREAM_CONNECTIONS="${STREAM_CONNECTIONS:-8}"
CHUNKS="${CHUNKS:-20}"
CHUNK_DELAY_MS="${CHUNK_DELAY_MS:-2}"
WORKERS="${WORKERS:-1 2}"
UPSTREAM="${UPSTREAM:-fast}"
SYSCALL_SECONDS="${SYSCALL_SECONDS:-2}"
PROXY_CPU="${PROXY_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
PIN="${PIN:-1}"
TARGETS="${TARGETS:-direct switchyard nginx}"

wants() { [[ " $TARGETS " == *" $1 "* ]]; }

[[ -x "$LOADGEN" ]] || die "no load generator at $LOADGEN (build the switchyard-loadgen target)"
[[ -x "$MOCK" ]] || die "no mock upstream at $MOCK (build the mock-openai target)"
[[ -x "$NGINX" ]] || die "no nginx at $NGINX (apt-get install nginx-light)"
if wants switchyard; then [[ -x "$SWITCHYARD" ]] || die "no switchyard at $SWITCHYARD"; fi
[[ "$UPSTREAM" == fast || "$UPSTREAM" == mock ]] || die "UPSTREAM must be fast or mock"
read -r -a worker_counts <<<"$WORKERS"
((${#worker_counts[@]})) || die "WORKERS is empty"
first_workers="${worker_counts[0]}"

# --- pinning ------------------------------------------------------------------------------------
cpus="$(nproc 2>/dev/null || echo 1)"
pinned=0
[[ "$PIN" == 1 ]] && command -v taskset >/dev/null && ((cpus >= 2)) && pinned=1
pin_load=()
((pinned)) && pin_load=(taskset -c "$LOAD_CPU")
# The cpus of a proxy with $1 workers: PROXY_CPU for one, every cpu for more.
proxy_pin() {
  if ((pinned)) && [[ "$1" == 1 ]]; then echo "taskset -c $PROXY_CPU"; fi
}
if ((pinned)); then
  layout="one-worker proxy under test on cpu $PROXY_CPU, more workers on every cpu; loadgen + upstreams on cpu $LOAD_CPU"
else
  layout="unpinned ($cpus cpus; PIN=$PIN)"
fi
line_buffered=()
command -v stdbuf >/dev/null && line_buffered=(stdbuf -oL -eL)
time_cmd=()
[[ -x /usr/bin/time ]] && time_cmd=(/usr/bin/time)

# --- cleanup ------------------------------------------------------------------------------------
bench_workspace bench
chmod 755 "$tmp"  # nginx workers may run as nobody
trap 'exit 130' INT TERM

# VmHWM in kB of PID, or null.
peak_rss_kb() {
  local v
  v="$(awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || true)"
  echo "${v:-null}"
}
children_of() { pgrep -P "$1" || true; }
# user + system clock ticks of the given pids, summed
cpu_ticks() {
  local p total=0
  for p in "$@"; do
    [[ -n "$p" ]] && total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
clk_tck="$(getconf CLK_TCK)"

# Starts nginx from config $2 in directory $1 (pinned with the taskset words in $3), listening on
# port $4; its pid in $nginx_pid. (Not in a subshell: the pid must reach the cleanup's list.)
start_nginx() {
  local dir="$1" conf="$2" pin="$3" port="$4"
  # shellcheck disable=SC2086
  $pin "$NGINX" -e "$dir/error.log" -p "$dir" -c "$conf" -g 'daemon off;' >"$dir/stdout.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 150); do
    port_open "$port" && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/stdout.log" "$dir/error.log" >&2 2>/dev/null; die "nginx ($conf) exited"; }
    sleep 0.1
  done
  port_open "$port" || die "nginx ($conf) is not listening on $port"
  nginx_pid="$pid"
}
nginx_common() {  # dir
  cat <<EOF
error_log $1/error.log warn;
pid $1/nginx.pid;
events { worker_connections 4096; }
EOF
}
nginx_temp_paths() {  # dir
  cat <<EOF
  access_log off;
  client_body_temp_path $1/client_body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
EOF
}

# --- upstreams ----------------------------------------------------------------------------------
# mock-openai: the streaming runs' upstream (it stamps each event), and UPSTREAM=mock's.
"${pin_load[@]}" "${line_buffered[@]}" "$MOCK" --port 0 --threads 1 >"$tmp/mock.log" 2>&1 &
mock_pid=$!
pids+=("$mock_pid")
mock_port="$(wait_listening "$tmp/mock.log" "$mock_pid" mock-openai)"

# The fast upstream: one static nginx worker answering a canned chat completion (the size and
# shape of mock-openai's) to every POST, and a model list to GET /v1/models. It does no JSON
# work at all, so it stays well below its core while any proxy saturates.
if [[ "$UPSTREAM" == fast ]]; then
  fast_port="$(free_port)"
  fdir="$tmp/fast"
  mkdir -p "$fdir"
  chmod 755 "$fdir"
  canned='{"id":"chatcmpl-1","object":"chat.completion","created":1765000000,"model":"mock-chat","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the mock upstream."},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":5,"total_tokens":10}}'
  {
    echo "worker_processes 1;"
    nginx_common "$fdir"
    echo "http {"
    nginx_temp_paths "$fdir"
    cat <<EOF
  keepalive_requests 1000000;
  client_body_buffer_size 64k;
  server {
    listen 127.0.0.1:$fast_port;
    location = /v1/models {
      default_type application/json;
      return 200 '{"object":"list","data":[{"id":"mock-chat","object":"model","owned_by":"bench"}]}';
    }
    location / {
      default_type application/json;
      return 200 '$canned';
    }
  }
}
EOF
  } >"$fdir/nginx.conf"
  start_nginx "$fdir" "$fdir/nginx.conf" "${pin_load[*]}" "$fast_port"
  mapfile -t up_pids < <(children_of "$nginx_pid")  # its worker does the work
  up_port="$fast_port"
  up_name="static nginx (canned chat completion, 1 worker)"
else
  up_port="$mock_port"
  up_name="mock-openai (1 thread)"
  up_pids=("$mock_pid")
fi

# --- proxies ------------------------------------------------------------------------------------
# Each proxy serves two upstreams: "up" (saturation and rate runs) and "mock" (streams).
sy_pid=""
sy_port=""
ng_pid=""
ng_port=""
ng_stream_port=""
start_proxies() {  # workers
  local w="$1" pin
  pin="$(proxy_pin "$w")"
  if wants switchyard; then
    cat >"$tmp/switchyard.yaml" <<EOF
server:
  access_log: false
discovery: { local: false, cloud: false }
backends:
  - name: up
    type: openai
    url: http://127.0.0.1:$up_port/v1
  - name: mock
    type: openai
    url: http://127.0.0.1:$mock_port/v1
EOF
    # shellcheck disable=SC2086
    $pin "${line_buffered[@]}" "$SWITCHYARD" serve --config "$tmp/switchyard.yaml" \
      --listen 127.0.0.1:0 --threads "$w" >"$tmp/switchyard-$w.log" 2>&1 &
    sy_pid=$!
    pids+=("$sy_pid")
    sy_port="$(wait_listening "$tmp/switchyard-$w.log" "$sy_pid" switchyard)"
  fi
  if wants nginx; then
    ng_port="$(free_port)"
    ng_stream_port="$(free_port)"
    local ngdir="$tmp/nginx-$w"
    mkdir -p "$ngdir"
    chmod 755 "$ngdir"
    {
      echo "worker_processes $w;"
      nginx_common "$ngdir"
      echo "http {"
      nginx_temp_paths "$ngdir"
      cat <<EOF
  upstream up { server 127.0.0.1:$up_port; keepalive 64; keepalive_requests 1000000; }
  upstream mock { server 127.0.0.1:$mock_port; keepalive 64; keepalive_requests 1000000; }
  keepalive_requests 1000000;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_buffering off;
  server { listen 127.0.0.1:$ng_port; location / { proxy_pass http://up; } }
  server { listen 127.0.0.1:$ng_stream_port; location / { proxy_pass http://mock; } }
}
EOF
    } >"$ngdir/nginx.conf"
    start_nginx "$ngdir" "$ngdir/nginx.conf" "$pin" "$ng_port"
    ng_pid="$nginx_pid"
  fi
}
stop_proxies() {
  local p
  for p in $sy_pid $ng_pid; do kill "$p" 2>/dev/null || true; done
  for p in $sy_pid $ng_pid; do wait "$p" 2>/dev/null || true; done
  sy_pid="" ng_pid=""
}
proxy_pids() {  # target: the processes that do the proxy's work
  case "$1" in
    switchyard) echo "$sy_pid" ;;
    nginx) children_of "$ng_pid" ;;
  esac
}

url_of() {  # target kind(up|stream)
  local port
  case "$1/$2" in
    direct/up) port="$up_port" ;;
    direct/stream) port="$mock_port" ;;
    switchyard/*) port="$sy_port" ;;
    nginx/up) port="$ng_port" ;;
    nginx/stream) port="$ng_stream_port" ;;
  esac
  echo "http://127.0.0.1:$port/v1/chat/completions"
}
# switchyard routes by "backend/model" and rewrites the model to the upstream's name.
model_of() {  # target kind
  if [[ "$1" == switchyard ]]; then
    [[ "$2" == stream ]] && echo mock/mock-chat || echo up/mock-chat
  else
    echo mock-chat
  fi
}
headers_of() {
  if [[ "$1" == switchyard && -n "${SWITCHYARD_API_KEY:-}" ]]; then
    printf '%s\n' -H "Authorization: Bearer $SWITCHYARD_API_KEY"
  fi
}

# One request per target and upstream must answer 200.
smoke_check() {
  local t kind hdr
  for t in direct switchyard nginx; do
    wants "$t" || continue
    for kind in up stream; do
      mapfile -t hdr < <(headers_of "$t")
      if ! "$LOADGEN" --mode saturate --url "$(url_of "$t" "$kind")" --model "$(model_of "$t" "$kind")" "${hdr[@]}" \
           --connections 1 --duration 0.2 --warmup 0 --json >"$tmp/smoke.json" 2>"$tmp/smoke.err" ||
         ! grep -q '"errors":0,' "$tmp/smoke.json" || grep -q '"requests":0,' "$tmp/smoke.json"; then
        cat "$tmp/smoke.err" "$tmp/smoke.json" >&2
        [[ "$t" == switchyard ]] && tail -20 "$tmp"/switchyard-*.log >&2
        die "smoke request to $t ($(url_of "$t" "$kind")) failed"
      fi
    done
  done
}

# --- measurements -------------------------------------------------------------------------------
# run_one NAME MODE TARGET KIND extra-args...: the loadgen's JSON in $tmp/NAME-TARGET.json, its own
# CPU (user + system seconds) in $tmp/NAME-TARGET.loadgen-cpu.
run_one() {
  local name="$1" mode="$2" t="$3" kind="$4"
  shift 4
  local out="$tmp/$name-$t.json" err="$tmp/$name-$t.err" hdr
  mapfile -t hdr < <(headers_of "$t")
  # stdout: the JSON; stderr: the first few errors, then the readable summary line
  local timing=()
  ((${#time_cmd[@]})) && timing=("${time_cmd[@]}" -f '%U %S' -o "$tmp/$name-$t.loadgen-cpu")
  if "${pin_load[@]}" "${timing[@]}" "$LOADGEN" --mode "$mode" --url "$(url_of "$t" "$kind")" --model "$(model_of "$t" "$kind")" \
       "${hdr[@]}" --json "$@" >"$out" 2>"$err"; then
    printf '  %-10s %s\n' "$t" "$(tail -n 1 "$err")"
    head -n -1 "$err" | head -n 5 | sed 's/^/      /'
  else
    echo null >"$out"
    printf '  %-10s %s FAILED\n' "$t" "$mode"
    head -n 5 "$err" | sed 's/^/      /'
  fi
}
timed() { echo --duration "$DURATION" --warmup "$WARMUP"; }

# The CPU share (% of one core) of each process over a saturation run: which one saturated.
# Writes {"proxy":P,"upstream":U,"loadgen":L,"bottleneck":"..."} to $tmp/NAME-TARGET.cpu.json.
saturate_with_shares() {  # name target workers
  local name="$1" t="$2" w="$3" p0 u0 p1 u1 ppids
  mapfile -t ppids < <(proxy_pids "$t")
  p0="$(cpu_ticks "${ppids[@]}")"
  u0="$(cpu_ticks "${up_pids[@]}")"
  local perf_pid=""
  if [[ "${PROFILE:-0}" == 1 && "$t" != direct && "$w" == "$first_workers" ]] && command -v perf >/dev/null; then
    mkdir -p "$here/results"
    perf record -q -g -F 999 -p "$(IFS=,; echo "${ppids[*]}")" -o "$here/results/perf-$t.data" \
      -- sleep "$((DURATION + WARMUP))" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  # shellcheck disable=SC2046
  run_one "$name" saturate "$t" up --connections "$CONNECTIONS" $(timed)
  if [[ -n "$perf_pid" ]]; then
    wait "$perf_pid" 2>/dev/null || true
    perf report -i "$here/results/perf-$t.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
      grep -v '^#' | grep -E '^ +[0-9]' | sed -E 's/[ -]+$//' | head -40 >"$here/results/perf-$t.txt" || true
    printf '  %-10s profile: %s\n' "" "$here/results/perf-$t.txt"
  fi
  p1="$(cpu_ticks "${ppids[@]}")"
  u1="$(cpu_ticks "${up_pids[@]}")"
  python3 - "$tmp/$name-$t.loadgen-cpu" "$((p1 - p0))" "$((u1 - u0))" "$clk_tck" "$DURATION" "$WARMUP" "$t" \
    "$w" "$cpus" >"$tmp/$name-$t.cpu.json" <<'PY'
import json, os, sys
lg_file, proxy, up, tck, secs, target, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), float(sys.argv[5]) + float(sys.argv[6]), sys.argv[7], int(sys.argv[8])
cpus = int(sys.argv[9])
share = lambda ticks: round(100 * ticks / tck / secs)
lg = None
if os.path.exists(lg_file):
    try:
        u, s = open(lg_file).read().split()[-2:]
        lg = round(100 * (float(u) + float(s)) / secs)
    except ValueError:
        pass
out = {"proxy": share(proxy) if target != "direct" else None, "upstream": share(up), "loadgen": lg}
# the saturated process: at >= 90 % of the cores it may use
cands = [(out["proxy"] / (100 * workers) if out["proxy"] is not None else 0, target + f" ({workers} worker)"),
         (out["upstream"] / 100, "upstream"), ((lg or 0) / 100, "loadgen")]
best = max(cands)
total = sum(v or 0 for v in (out["proxy"], out["upstream"], lg))
if best[0] >= 0.9:
    out["bottleneck"] = best[1]
elif total >= 90 * cpus:
    out["bottleneck"] = f"the machine: all {cpus} cpus busy ({total} % in all)"
else:
    out["bottleneck"] = "none at 90 % of its cores"
print(json.dumps(out))
PY
  printf '  %-10s cpu: %s\n' "" "$(cat "$tmp/$name-$t.cpu.json")"
}

# Syscalls of the proxy per request at the fixed rate, by kind (perf's syscall tracepoints):
# $tmp/syscalls-TARGET.per-request.json = {"per_request": N, "by_call": {"read": n, ...}} or null.
count_syscalls() {  # target
  local t="$1" ppids pid_list
  mapfile -t ppids < <(proxy_pids "$t")
  pid_list="$(IFS=,; echo "${ppids[*]}")"
  if ! command -v perf >/dev/null || [[ -z "$pid_list" ]]; then echo null >"$tmp/syscalls-$t.per-request.json"; return; fi
  perf stat -x, -e 'syscalls:sys_enter_*' -p "$pid_list" -o "$tmp/syscalls-$t.csv" &
  local perf_pid=$!
  sleep 0.3
  run_one "syscalls" rate "$t" up --rate "$RATE" --connections "$RATE_CONNECTIONS" \
    --duration "$SYSCALL_SECONDS" --warmup 0 >/dev/null
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  python3 - "$tmp/syscalls-$t.csv" "$tmp/syscalls-$t.json" >"$tmp/syscalls-$t.per-request.json" <<'PY'
import json, sys
counts = {}
try:
    for line in open(sys.argv[1]):
        f = line.strip().split(",")
        if len(f) < 3 or not f[2].startswith("syscalls:sys_enter_") or not f[0].isdigit():
            continue
        if int(f[0]):
            counts[f[2][len("syscalls:sys_enter_"):]] = int(f[0])
except OSError:
    pass
try:
    requests = json.load(open(sys.argv[2]))["requests"]
except Exception:
    requests = 0
if not counts or not requests:
    print("null")
else:
    by = {k: round(v / requests, 2) for k, v in sorted(counts.items(), key=lambda kv: -kv[1]) if v / requests >= 0.01}
    print(json.dumps({"per_request": round(sum(counts.values()) / requests, 2), "requests": requests, "by_call": by}))
PY
}

echo "switchyard gateway benchmark: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), $cpus cpus"
echo "layout: $layout"
echo "upstream of the saturation and rate runs: $up_name; of the streams: mock-openai (1 thread)"
echo "proxies: switchyard (access_log false) and nginx (access_log off, keepalive 64, proxy_buffering off)," \
  "with ${WORKERS// /, then } worker(s); loadgen 1 thread, $CONNECTIONS connections at saturation"
echo "runs: ${DURATION}s measured after ${WARMUP}s warmup each; order per measurement: $TARGETS"

declare -A cpu_us_per_request=([switchyard]=null [nginx]=null)
declare -A cpu_us_per_chunk=([switchyard]=null [nginx]=null)
for w in "${worker_counts[@]}"; do
  start_proxies "$w"
  smoke_check
  echo
  echo "saturate, $w worker(s):"
  for t in direct switchyard nginx; do
    wants "$t" || continue
    [[ "$t" == direct && "$w" != "$first_workers" ]] && continue
    saturate_with_shares "saturate-$w" "$t" "$w"
    sleep 0.3
  done
  if [[ "$w" == "$first_workers" ]]; then
    echo "rate $RATE req/s:"
    for t in direct switchyard nginx; do
      wants "$t" || continue
      mapfile -t ppids < <(proxy_pids "$t")
      ticks0="$(cpu_ticks "${ppids[@]}")"
      # shellcheck disable=SC2046
      run_one rate rate "$t" up --rate "$RATE" --connections "$RATE_CONNECTIONS" $(timed)
      ticks1="$(cpu_ticks "${ppids[@]}")"
      [[ "$t" != direct ]] &&
        cpu_us_per_request[$t]=$(((ticks1 - ticks0) * 1000000 / clk_tck / (RATE * (DURATION + WARMUP))))
      sleep 0.3
    done
    if [[ "$SYSCALL_SECONDS" != 0 ]]; then
      echo "syscalls at $RATE req/s (perf stat, ${SYSCALL_SECONDS}s):"
      for t in switchyard nginx; do
        wants "$t" || continue
        count_syscalls "$t"
        printf '  %-10s %s\n' "$t" "$(cat "$tmp/syscalls-$t.per-request.json")"
      done
    fi
    echo "stream $STREAM_RATE streams/s x $CHUNKS chunks:"
    for t in direct switchyard nginx; do
      wants "$t" || continue
      mapfile -t ppids < <(proxy_pids "$t")
      ticks0="$(cpu_ticks "${ppids[@]}")"
      # shellcheck disable=SC2046
      run_one stream stream "$t" stream --rate "$STREAM_RATE" --connections "$STREAM_CONNECTIONS" \
        --chunks "$CHUNKS" --chunk-delay-ms "$CHUNK_DELAY_MS" $(timed)
      ticks1="$(cpu_ticks "${ppids[@]}")"
      if [[ "$t" != direct ]]; then
        chunks=$((STREAM_RATE * (DURATION + WARMUP) * (CHUNKS + 1)))
        cpu_us_per_chunk[$t]=$(((ticks1 - ticks0) * 1000000 / clk_tck / chunks))
      fi
      sleep 0.3
    done
  fi
  [[ -n "$sy_pid" && "$w" == "$first_workers" ]] && sy_rss="$(peak_rss_kb "$sy_pid")"
  if [[ -n "$ng_pid" && "$w" == "$first_workers" ]]; then
    ng_master_rss="$(peak_rss_kb "$ng_pid")"
    ng_worker_rss=0
    for p in $(children_of "$ng_pid"); do
      kb="$(peak_rss_kb "$p")"
      [[ "$kb" != null ]] && ng_worker_rss=$((ng_worker_rss + kb))
    done
  fi
  stop_proxies
done

# --- combine, report ----------------------------------------------------------------------------
result() { if [[ -s "$tmp/$1-$2.json" ]]; then cat "$tmp/$1-$2.json"; else echo null; fi; }
{
  echo "{"
  echo "\"bench\":\"gateway\",\"date\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"host\":\"$(uname -n)\",\"cpus\":$cpus,"
  echo "\"layout\":{\"description\":\"$layout\",\"pinned\":$([[ $pinned == 1 ]] && echo true || echo false),"
  echo "  \"proxy_cpu\":\"$PROXY_CPU\",\"load_cpu\":\"$LOAD_CPU\",\"workers\":[${WORKERS// /,}],"
  echo "  \"upstream\":\"$up_name\",\"loadgen_threads\":1},"
  echo "\"params\":{\"duration_s\":$DURATION,\"warmup_s\":$WARMUP,\"connections\":$CONNECTIONS,"
  echo "  \"rate\":$RATE,\"rate_connections\":$RATE_CONNECTIONS,\"stream_rate\":$STREAM_RATE,"
  echo "  \"stream_connections\":$STREAM_CONNECTIONS,\"chunks\":$CHUNKS,\"chunk_delay_ms\":$CHUNK_DELAY_MS},"
  echo "\"nginx\":{\"access_log\":\"off\",\"version\":\"$("$NGINX" -v 2>&1 | sed 's/.*nginx\///' || true)\"},"
  echo "\"switchyard\":{\"access_log\":false},"
  echo "\"results\":{"
  sep=""
  for name in saturate rate stream; do
    src="$name"
    [[ "$name" == saturate ]] && src="saturate-$first_workers"
    echo "$sep\"$name\":{"
    echo "\"direct\":$(result "$src" direct),\"switchyard\":$(result "$src" switchyard),\"nginx\":$(result "$src" nginx)}"
    sep=","
  done
  for w in "${worker_counts[@]}"; do
    echo ",\"saturate_${w}w\":{\"switchyard\":$(result "saturate-$w" switchyard),\"nginx\":$(result "saturate-$w" nginx)}"
  done
  echo "},"
  echo "\"cpu_share_at_saturation\":{"
  sep=""
  for w in "${worker_counts[@]}"; do
    echo "$sep\"${w}w\":{\"direct\":$(cat "$tmp/saturate-$w-direct.cpu.json" 2>/dev/null || echo null),"
    echo "  \"switchyard\":$(cat "$tmp/saturate-$w-switchyard.cpu.json" 2>/dev/null || echo null),"
    echo "  \"nginx\":$(cat "$tmp/saturate-$w-nginx.cpu.json" 2>/dev/null || echo null)}"
    sep=","
  done
  echo "},"
  echo "\"syscalls_at_rate\":{\"switchyard\":$(cat "$tmp/syscalls-switchyard.per-request.json" 2>/dev/null || echo null),"
  echo "  \"nginx\":$(cat "$tmp/syscalls-nginx.per-request.json" 2>/dev/null || echo null)},"
  echo "\"cpu_us_per_request_at_rate\":{\"switchyard\":${cpu_us_per_request[switchyard]},\"nginx\":${cpu_us_per_request[nginx]}},"
  echo "\"cpu_us_per_chunk_streaming\":{\"switchyard\":${cpu_us_per_chunk[switchyard]},\"nginx\":${cpu_us_per_chunk[nginx]}},"
  echo "\"peak_rss_kb\":{\"switchyard\":${sy_rss:-null},\"nginx_master\":${ng_master_rss:-null},\"nginx_worker\":${ng_worker_rss:-null},\"mock\":$(peak_rss_kb "$mock_pid")}"
  echo "}"
} >"$tmp/combined.json"

mkdir -p "$here/results"
"$LOADGEN" --mode report --input "$tmp/combined.json" --output "$here/results/last.json"
echo
echo "results: $here/results/last.json"
