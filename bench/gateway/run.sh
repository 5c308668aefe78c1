#!/usr/bin/env bash
# bench/gateway/run.sh [BUILD_DIR]: the gateway benchmark (see README.md here).
#
# Measures, side by side and back to back for each measurement:
#   (a) direct      switchyard-loadgen -> mock-openai
#   (b) switchyard  switchyard-loadgen -> switchyard serve -> mock-openai
#   (c) nginx       switchyard-loadgen -> nginx (plain reverse proxy) -> mock-openai
# and prints a table, the ratios, and switchyard's peak RSS; the JSON goes to
# bench/gateway/results/last.json.
#
# Environment overrides (defaults in brackets):
#   DURATION [5] seconds measured per run, WARMUP [1] seconds before each
#   CONNECTIONS [64] saturate; RATE [1000] req/s and RATE_CONNECTIONS [16] for the fixed-rate run;
#   STREAM_RATE [50] streams/s, STREAM_CONNECTIONS [8], CHUNKS [20], CHUNK_DELAY_MS [2]
#   THREADS [1] switchyard --threads and nginx worker_processes; MOCK_THREADS [1]
#   PROXY_CPU [0] / LOAD_CPU [1] cpu lists for taskset (proxy under test / loadgen + mock);
#     PIN=0 turns pinning off
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
CONNECTIONS="${CONNECTIONS:-64}"
RATE="${RATE:-1000}"
RATE_CONNECTIONS="${RATE_CONNECTIONS:-16}"
STREAM_RATE="${STREAM_RATE:-50}"
STREAM_CONNECTIONS="${STREAM_CONNECTIONS:-8}"
CHUNKS="${CHUNKS:-20}"
CHUNK_DELAY_MS="${CHUNK_DELAY_MS:-2}"
THREADS="${THREADS:-1}"
MOCK_THREADS="${MOCK_THREADS:-1}"
PROXY_CPU="${PROXY_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
PIN="${PIN:-1}"
TARGETS="${TARGETS:-direct switchyard nginx}"


wants() { [[ " $TARGETS " == *" $1 "* ]]; }

[[ -x "$LOADGEN" ]] || die "no load generator at $LOADGEN (build the switchyard-loadgen target)"
[[ -x "$MOCK" ]] || die "no mock upstream at $MOCK (build the mock-openai target)"
if wants switchyard; then [[ -x "$SWITCHYARD" ]] || die "no switchyard at $SWITCHYARD"; fi
if wants nginx; then [[ -x "$NGINX" ]] || die "no nginx at $NGINX (apt-get install nginx-light)"; fi

# --- pinning ------------------------------------------------------------------------------------
cpus="$(nproc 2>/dev/null || echo 1)"
pin_proxy=()
pin_load=()
if [[ "$PIN" == 1 ]] && command -v taskset >/dev/null && ((cpus >= 2)); then
  pin_proxy=(taskset -c "$PROXY_CPU")
  pin_load=(taskset -c "$LOAD_CPU")
  layout="proxy under test (switchyard | nginx) on cpu $PROXY_CPU; loadgen + mock-openai on cpu $LOAD_CPU"
else
  layout="unpinned ($cpus cpus; PIN=$PIN)"
fi
line_buffered=()
command -v stdbuf >/dev/null && line_buffered=(stdbuf -oL -eL)

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

# --- mock upstream ------------------------------------------------------------------------------
"${pin_load[@]}" "${line_buffered[@]}" "$MOCK" --port 0 --threads "$MOCK_THREADS" >"$tmp/mock.log" 2>&1 &
mock_pid=$!
pids+=("$mock_pid")
mock_port="$(wait_listening "$tmp/mock.log" "$mock_pid" mock-openai)"

# --- switchyard ---------------------------------------------------------------------------------
sy_port=""
sy_pid=""
if wants switchyard; then
  cat >"$tmp/switchyard.yaml" <<EOF
server:
  access_log: false
backends:
  - name: mock
    type: openai
    url: http://127.0.0.1:$mock_port/v1
EOF
  "${pin_proxy[@]}" "${line_buffered[@]}" "$SWITCHYARD" serve --config "$tmp/switchyard.yaml" \
    --listen 127.0.0.1:0 --threads "$THREADS" >"$tmp/switchyard.log" 2>&1 &
  sy_pid=$!
  pids+=("$sy_pid")
  sy_port="$(wait_listening "$tmp/switchyard.log" "$sy_pid" switchyard)"
fi

# --- nginx --------------------------------------------------------------------------------------
ng_port=""
ng_pid=""
if wants nginx; then
  ng_port="$(free_port)"
  ngdir="$tmp/nginx"
  mkdir -p "$ngdir"
  chmod 755 "$ngdir"
  cat >"$ngdir/nginx.conf" <<EOF
worker_processes $THREADS;
error_log $ngdir/error.log warn;
pid $ngdir/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $ngdir/client_body;
  proxy_temp_path $ngdir/proxy;
  fastcgi_temp_path $ngdir/fastcgi;
  uwsgi_temp_path $ngdir/uwsgi;
  scgi_temp_path $ngdir/scgi;
  upstream mock {
    server 127.0.0.1:$mock_port;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$ng_port;
    keepalive_requests 1000000;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
EOF
  "${pin_proxy[@]}" "$NGINX" -e "$ngdir/error.log" -p "$ngdir" -c "$ngdir/nginx.conf" \
    -g 'daemon off;' >"$tmp/nginx.log" 2>&1 &
  ng_pid=$!
  pids+=("$ng_pid")
  for _ in $(seq 150); do
    port_open "$ng_port" && break
    kill -0 "$ng_pid" 2>/dev/null || { cat "$tmp/nginx.log" "$ngdir/error.log" >&2 2>/dev/null; die "nginx exited"; }
    sleep 0.1
  done
  port_open "$ng_port" || die "nginx is not listening on $ng_port"
fi

url_of() {
  case "$1" in
    direct) echo "http://127.0.0.1:$mock_port/v1/chat/completions" ;;
    switchyard) echo "http://127.0.0.1:$sy_port/v1/chat/completions" ;;
    nginx) echo "http://127.0.0.1:$ng_port/v1/chat/completions" ;;
  esac
}
# switchyard routes by "backend/model" and rewrites the model to the upstream's name.
model_of() { [[ "$1" == switchyard ]] && echo mock/mock-chat || echo mock-chat; }
headers_of() {
  if [[ "$1" == switchyard && -n "${SWITCHYARD_API_KEY:-}" ]]; then
    printf '%s\n' -H "Authorization: Bearer $SWITCHYARD_API_KEY"
  fi
}

# --- smoke check: one request per target must answer 200 ----------------------------------------
for t in direct switchyard nginx; do
  wants "$t" || continue
  mapfile -t hdr < <(headers_of "$t")
  if ! "$LOADGEN" --mode saturate --url "$(url_of "$t")" --model "$(model_of "$t")" "${hdr[@]}" \
       --connections 1 --duration 0.2 --warmup 0 --json >"$tmp/smoke.json" 2>"$tmp/smoke.err" ||
     ! grep -q '"errors":0,' "$tmp/smoke.json" || grep -q '"requests":0,' "$tmp/smoke.json"; then
    cat "$tmp/smoke.err" "$tmp/smoke.json" >&2
    [[ "$t" == switchyard ]] && tail -20 "$tmp/switchyard.log" >&2
    die "smoke request to $t ($(url_of "$t")) failed"
  fi
done

echo "switchyard gateway benchmark: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), $cpus cpus"
echo "layout: $layout"
echo "        switchyard --threads $THREADS (access_log false); nginx worker_processes $THREADS" \
     "(access_log off, keepalive 64, proxy_buffering off); mock-openai --threads $MOCK_THREADS;" \
     "loadgen 1 thread"
echo "runs: ${DURATION}s measured after ${WARMUP}s warmup each; order per measurement: $TARGETS"
echo

# --- measurements -------------------------------------------------------------------------------
run_one() {  # mode target extra-args...
  local mode="$1" t="$2"
  shift 2
  local out="$tmp/$mode-$t.json" err="$tmp/$mode-$t.err"
  mapfile -t hdr < <(headers_of "$t")
  # stdout: the JSON; stderr: the first few errors, then the readable summary line
  if "${pin_load[@]}" "$LOADGEN" --mode "$mode" --url "$(url_of "$t")" --model "$(model_of "$t")" \
       "${hdr[@]}" --duration "$DURATION" --warmup "$WARMUP" --json "$@" >"$out" 2>"$err"; then
    printf '  %-10s %s\n' "$t" "$(tail -n 1 "$err")"
    head -n -1 "$err" | head -n 5 | sed 's/^/      /'
  else
    echo null >"$out"
    printf '  %-10s %s FAILED\n' "$t" "$mode"
    head -n 5 "$err" | sed 's/^/      /'
  fi
}

# CPU time (user + system, in clock ticks) of the processes that serve target $1: the proxy's
# cost per request at the fixed rate is a steadier figure than throughput on a shared machine.
proxy_cpu_ticks() {
  local pids=() p total=0
  case "$1" in
    switchyard) pids=("$sy_pid") ;;
    nginx) mapfile -t pids < <(pgrep -P "$ng_pid") ;;
    *) echo 0; return ;;
  esac
  for p in "${pids[@]}"; do
    [[ -n "$p" ]] && total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
clk_tck="$(getconf CLK_TCK)"
declare -A cpu_us_per_request=([switchyard]=null [nginx]=null)

for mode in saturate rate stream; do
  for t in direct switchyard nginx; do
    wants "$t" || continue
    case "$mode" in
      saturate) run_one saturate "$t" --connections "$CONNECTIONS" ;;
      rate)
        ticks0="$(proxy_cpu_ticks "$t")"
        run_one rate "$t" --rate "$RATE" --connections "$RATE_CONNECTIONS"
        ticks1="$(proxy_cpu_ticks "$t")"
        if [[ "$t" != direct ]]; then
          cpu_us_per_request[$t]=$(( (ticks1 - ticks0) * 1000000 / clk_tck / (RATE * (DURATION + WARMUP)) ))
        fi ;;
      stream) run_one stream "$t" --rate "$STREAM_RATE" --connections "$STREAM_CONNECTIONS" \
                --chunks "$CHUNKS" --chunk-delay-ms "$CHUNK_DELAY_MS" ;;
    esac
    sleep 0.3
  done
done

# --- peak memory --------------------------------------------------------------------------------
sy_rss=null
[[ -n "$sy_pid" ]] && sy_rss="$(peak_rss_kb "$sy_pid")"
ng_master_rss=null
ng_worker_rss=null
if [[ -n "$ng_pid" ]]; then
  ng_master_rss="$(peak_rss_kb "$ng_pid")"
  sum=0
  found=0
  for status in /proc/[0-9]*/status; do
    if awk -v p="$ng_pid" '/^PPid:/ {exit !($2 == p)}' "$status" 2>/dev/null; then
      kb="$(awk '/^VmHWM:/ {print $2}' "$status" 2>/dev/null || true)"
      [[ -n "$kb" ]] && { sum=$((sum + kb)); found=1; }
    fi
  done
  ((found)) && ng_worker_rss="$sum"
fi
mock_rss="$(peak_rss_kb "$mock_pid")"

# --- combine, report ----------------------------------------------------------------------------
result() { if [[ -s "$tmp/$1-$2.json" ]]; then cat "$tmp/$1-$2.json"; else echo null; fi; }
{
  echo "{"
  echo "\"bench\":\"gateway\",\"date\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"host\":\"$(uname -n)\",\"cpus\":$cpus,"
  echo "\"layout\":{\"description\":\"$layout\",\"pinned\":$([[ ${#pin_proxy[@]} -gt 0 ]] && echo true || echo false),"
  echo "  \"proxy_cpu\":\"$PROXY_CPU\",\"load_cpu\":\"$LOAD_CPU\",\"switchyard_threads\":$THREADS,"
  echo "  \"nginx_workers\":$THREADS,\"mock_threads\":$MOCK_THREADS,\"loadgen_threads\":1},"
  echo "\"params\":{\"duration_s\":$DURATION,\"warmup_s\":$WARMUP,\"connections\":$CONNECTIONS,"
  echo "  \"rate\":$RATE,\"rate_connections\":$RATE_CONNECTIONS,\"stream_rate\":$STREAM_RATE,"
  echo "  \"stream_connections\":$STREAM_CONNECTIONS,\"chunks\":$CHUNKS,\"chunk_delay_ms\":$CHUNK_DELAY_MS},"
  echo "\"nginx\":{\"access_log\":\"off\",\"version\":\"$("$NGINX" -v 2>&1 | sed 's/.*nginx\///' || true)\"},"
  echo "\"switchyard\":{\"access_log\":false},"
  echo "\"results\":{"
  sep=""
  for mode in saturate rate stream; do
    echo "$sep\"$mode\":{"
    echo "\"direct\":$(result "$mode" direct),"
    echo "\"switchyard\":$(result "$mode" switchyard),"
    echo "\"nginx\":$(result "$mode" nginx)}"
    sep=","
  done
  echo "},"
  echo "\"cpu_us_per_request_at_rate\":{\"switchyard\":${cpu_us_per_request[switchyard]},\"nginx\":${cpu_us_per_request[nginx]}},"
  echo "\"peak_rss_kb\":{\"switchyard\":$sy_rss,\"nginx_master\":$ng_master_rss,\"nginx_worker\":$ng_worker_rss,\"mock\":$mock_rss}"
  echo "}"
} >"$tmp/combined.json"

mkdir -p "$here/results"
"$LOADGEN" --mode report --input "$tmp/combined.json" --output "$here/results/last.json"
echo "proxy CPU per request at $RATE req/s (user+sys of the proxy processes over the run):" \
  "switchyard ${cpu_us_per_request[switchyard]} us, nginx ${cpu_us_per_request[nginx]} us"
echo
echo "results: $here/results/last.json"
