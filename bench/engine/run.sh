#!/usr/bin/env bash
# bench/engine/run.sh [BUILD_DIR]: the local-engine benchmark (see README.md here).
#
# The same llama-server, the same model file and the same arguments, measured two ways in one run:
#   (a) direct      client.mjs -> llama-server (started here with the gateway's exact arguments)
#   (b) switchyard  client.mjs -> switchyard serve -> llama-server (the gateway's own child)
# Streaming chat completions at concurrency 1 and 4: TTFT, prompt tokens/s, generation tokens/s
# per request and aggregate, medians over ROUNDS rounds that alternate the order (ABBA), and the
# ratio switchyard/direct for each. Then cold start to first token: a fresh llama-server launched
# directly (launch -> /health 200 -> request -> first token) vs a fresh gateway's first request
# for the unloaded model (request -> first token, which includes the gateway starting the engine).
# The table goes to stdout and the JSON to $OUT; without OUT, table to stderr and JSON to stdout.
#
# Environment overrides (defaults in brackets):
#   LAYERS [4] EMBD [128]   shape of the random-weight bench model (make-test-model, F32)
#   CTX [2048] PARALLEL [4] THREADS [1] BATCH [512]   engine settings, both targets
#   MAX_TOKENS [128] PROMPT_REPEAT [16] (~290 prompt tokens; prompt + max_tokens must fit CTX/PARALLEL)
#   ROUNDS [4] REQUESTS_C1 [6] REQUESTS_C4 [8]   requests per target per round at concurrency 1 / 4
#   COLD_RUNS [3] COLD_POLL_MS [10]   cold-start runs per target; the direct client's /health poll
#   LLAMA_CPU [0] LOAD_CPU [1]   taskset cpu lists: llama-server (both) / client + switchyard; PIN=0 off
#   SWITCHYARD, LLAMA_SERVER, MAKE_MODEL, NODE   binary paths (default: BUILD_DIR, scripts/llama-cpp.sh)
#   KEEP_TMP=1 keeps the temp dir (model, configs, logs, raw per-request JSON)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/bench/lib.sh"
build="$(bench_build_dir "${1:-}")"

SWITCHYARD="${SWITCHYARD:-$build/src/cli/switchyard}"
MAKE_MODEL="${MAKE_MODEL:-$build/tests/support/make-test-model}"
LLAMA_SERVER="${LLAMA_SERVER:-$(bash "$root/scripts/llama-cpp.sh" --print-dir)/bin/llama-server}"
NODE="${NODE:-$(command -v node || true)}"

LAYERS="${LAYERS:-4}"
EMBD="${EMBD:-128}"
CTX="${CTX:-2048}"
PARALLEL="${PARALLEL:-4}"
THREADS="${THREADS:-1}"
BATCH="${BATCH:-512}"
MAX_TOKENS="${MAX_TOKENS:-128}"
PROMPT_REPEAT="${PROMPT_REPEAT:-16}"
ROUNDS="${ROUNDS:-4}"
REQUESTS_C1="${REQUESTS_C1:-6}"
REQUESTS_C4="${REQUESTS_C4:-8}"
COLD_RUNS="${COLD_RUNS:-3}"
COLD_POLL_MS="${COLD_POLL_MS:-10}"
LLAMA_CPU="${LLAMA_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
PIN="${PIN:-1}"
KEY="bench-engine-key"


[[ -x "$SWITCHYARD" ]] || die "no switchyard at $SWITCHYARD"
[[ -x "$MAKE_MODEL" ]] || die "no make-test-model at $MAKE_MODEL (build the make-test-model target)"
[[ -x "$LLAMA_SERVER" ]] || die "no llama-server at $LLAMA_SERVER (run scripts/llama-cpp.sh)"
[[ -n "$NODE" ]] || die "no node (Node.js 20+) on PATH"

# --- pinning ------------------------------------------------------------------------------------
cpus="$(nproc 2>/dev/null || echo 1)"
pin_llama=()
pin_load=()
if [[ "$PIN" == 1 ]] && command -v taskset >/dev/null && ((cpus >= 2)); then
  pin_llama=(taskset -c "$LLAMA_CPU")
  pin_load=(taskset -c "$LOAD_CPU")
  layout="llama-server (direct, and the gateway's child once started) on cpu $LLAMA_CPU;"
  layout+=" client + switchyard on cpu $LOAD_CPU; cold start: both llama-servers and the fresh gateway on cpu $LLAMA_CPU"
else
  layout="unpinned ($cpus cpus; PIN=$PIN)"
fi
line_buffered=()
command -v stdbuf >/dev/null && line_buffered=(stdbuf -oL -eL)

# --- cleanup: only the processes this script started ---------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/switchyard-bench-engine.XXXXXX")"
pids=()         # our direct children (llama-server, switchyard)
engine_pids=()  # the gateway's llama-server children (grandchildren: stopped by switchyard, checked here)
: >"$tmp/cold-pids"
stop_pid() {  # pid: SIGTERM, up to 5 s, then SIGKILL
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  for pid in "${engine_pids[@]}" $(cat "$tmp/cold-pids" 2>/dev/null); do
    # only if it is still the llama-server we started (pids are reused)
    if [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == *llama-server ]]; then stop_pid "$pid"; fi
  done
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# --- the model ----------------------------------------------------------------------------------
mkdir -p "$tmp/models"
model_file="$tmp/models/bench-chat.gguf"
"$MAKE_MODEL" "$model_file" --name bench-chat --layers "$LAYERS" --embd "$EMBD" >"$tmp/make-model.log" 2>&1 ||
  { cat "$tmp/make-model.log" >&2; die "make-test-model failed"; }
alias_name="bench-chat:f32"          # what the catalog calls it (general.name:quantization)
sy_model="local/$alias_name"
model_desc="make-test-model --layers $LAYERS --embd $EMBD (llama, F32, 32k tokenizer, random weights),"
model_desc+=" $(( $(stat -c %s "$model_file") / 1048576 )) MiB"

# The gateway's arguments (src/engine/engine_settings.cpp), port and path filled in per instance.
engine_args() {  # port
  local a=(-m "$model_file" --host 127.0.0.1 --port "$1" --alias "$alias_name" -c "$CTX" -np "$PARALLEL"
           -t "$THREADS" -fa auto -ctk f16 -ctv f16 -b "$BATCH" --no-warmup --no-webui
           --cors-origins localhost --no-cors-credentials)
  printf '%s\n' "${a[@]}"
}

write_config() {  # file home
  cat >"$1" <<EOF
server:
  access_log: false
models:
  paths: [$tmp/models]
engine:
  llama_server: $LLAMA_SERVER
  context_size: $CTX
  parallel: $PARALLEL
  threads: $THREADS
  batch_size: $BATCH
  warmup: false
  idle_unload: 0
EOF
}

client() { "${pin_load[@]}" "$NODE" "$here/client.mjs" "$@"; }
common=(--max-tokens "$MAX_TOKENS" --prompt-repeat "$PROMPT_REPEAT")

# --- (a) direct llama-server --------------------------------------------------------------------
direct_port="$(free_port)"
mapfile -t dargs < <(engine_args "$direct_port")
LLAMA_API_KEY="$KEY" "${pin_llama[@]}" "$LLAMA_SERVER" "${dargs[@]}" >"$tmp/direct.log" 2>&1 &
direct_pid=$!
pids+=("$direct_pid")

# --- (b) switchyard -----------------------------------------------------------------------------
mkdir -p "$tmp/home"
write_config "$tmp/switchyard.yaml"
SWITCHYARD_HOME="$tmp/home" "${pin_load[@]}" "${line_buffered[@]}" "$SWITCHYARD" serve \
  --config "$tmp/switchyard.yaml" --listen 127.0.0.1:0 --threads 1 >"$tmp/switchyard.log" 2>&1 &
sy_pid=$!
pids+=("$sy_pid")
sy_port="$(wait_listening "$tmp/switchyard.log" "$sy_pid" switchyard)"

for _ in $(seq 600); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$direct_port/health" || true)" == 200 ]] && break
  kill -0 "$direct_pid" 2>/dev/null || { cat "$tmp/direct.log" >&2; die "llama-server exited"; }
  sleep 0.1
done

direct_url="http://127.0.0.1:$direct_port/v1/chat/completions"
sy_url="http://127.0.0.1:$sy_port/v1/chat/completions"

# warm-up: one request each (not counted); for switchyard this starts the engine
client load --url "$direct_url" --model "$alias_name" --key "$KEY" --concurrency 1 --requests 1 "${common[@]}" \
  >"$tmp/warm-direct.json" || { cat "$tmp/direct.log" >&2; die "warm-up request to llama-server failed"; }
client load --url "$sy_url" --model "$sy_model" --concurrency 1 --requests 1 "${common[@]}" \
  >"$tmp/warm-switchyard.json" || { tail -20 "$tmp/switchyard.log" >&2; die "warm-up request to switchyard failed"; }
engine_pid="$(curl -s "http://127.0.0.1:$sy_port/api/engines" | "$NODE" -e \
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const e=JSON.parse(s).engines.find(e=>e.state==="ready");console.log(e?e.pid:"")})')"
[[ -n "$engine_pid" ]] || die "switchyard shows no ready engine after the warm-up request"
engine_pids+=("$engine_pid")
# the gateway's child inherited the gateway's cpu; move every thread of it to the direct one's
((${#pin_llama[@]})) && taskset -a -p -c "$LLAMA_CPU" "$engine_pid" >/dev/null

# the two llama-servers must differ only in --port
norm() { tr '\0' ' ' <"/proc/$1/cmdline" | sed -E 's/--port [0-9]+/--port PORT/; s/^[^ ]+ //'; }
direct_cmd="$(norm "$direct_pid")"
engine_cmd="$(norm "$engine_pid")"
# the direct one may run under taskset's exec: /proc/PID/cmdline is llama-server's own after exec
if [[ "$direct_cmd" != "$engine_cmd" ]]; then
  log "direct:     $direct_cmd"
  log "switchyard: $engine_cmd"
  die "llama-server arguments differ between direct and the gateway's engine (engine_settings changed?)"
fi

loadavg="$(cut -d' ' -f1-3 /proc/loadavg)"
log "model $model_desc; direct llama-server pid $direct_pid port $direct_port;" \
    "switchyard pid $sy_pid port $sy_port, engine pid $engine_pid; load avg $loadavg"

# --- steady state: alternating rounds -----------------------------------------------------------
clk_tck="$(getconf CLK_TCK)"
cpu_ms() { awk -v t="$clk_tck" '{print int(($14 + $15) * 1000 / t)}' "/proc/$1/stat" 2>/dev/null || echo 0; }
sy_cpu0="$(cpu_ms "$sy_pid")"; de_cpu0="$(cpu_ms "$direct_pid")"; se_cpu0="$(cpu_ms "$engine_pid")"
for ((r = 1; r <= ROUNDS; ++r)); do
  if ((r % 2)); then order="direct switchyard"; else order="switchyard direct"; fi
  for t in $order; do
    for c in 1 4; do
      n="$REQUESTS_C1"; ((c == 4)) && n="$REQUESTS_C4"
      if [[ "$t" == direct ]]; then args=(--url "$direct_url" --model "$alias_name" --key "$KEY")
      else args=(--url "$sy_url" --model "$sy_model"); fi
      client load "${args[@]}" --concurrency "$c" --requests "$n" "${common[@]}" \
        >"$tmp/load-$t-c$c-r$r.json" 2>"$tmp/load-$t-c$c-r$r.err" || { cat "$tmp/load-$t-c$c-r$r.err" >&2; log "round $r $t c=$c had failures"; }
      log "round $r $t c=$c: $("$NODE" -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));
        const m=a=>{a=a.filter(x=>x!=null).sort((x,y)=>x-y);return a.length?a[a.length>>1]:NaN};const ok=j.records.filter(r=>r.ok);
        console.log(`${j.ok}/${j.requests} ok, ttft ${m(ok.map(r=>r.ttft_ms)).toFixed(1)} ms, gen ${m(ok.map(r=>r.gen_tps)).toFixed(1)} tok/s/req, agg ${j.agg_gen_tps.toFixed(1)} tok/s`)' "$tmp/load-$t-c$c-r$r.json" 2>/dev/null || echo '?')"
    done
  done
done

sy_cpu=$(( $(cpu_ms "$sy_pid") - sy_cpu0 )); de_cpu=$(( $(cpu_ms "$direct_pid") - de_cpu0 ))
se_cpu=$(( $(cpu_ms "$engine_pid") - se_cpu0 ))
# requests (warm-ups included) and completion tokens that went through switchyard while measuring
read -r sy_reqs sy_toks < <("$NODE" -e 'const fs=require("fs");let n=0,k=0;
  for (const f of fs.readdirSync(process.argv[1])) if (/^load-switchyard-.*\.json$/.test(f)) {
    const j=JSON.parse(fs.readFileSync(process.argv[1]+"/"+f,"utf8")); n+=j.requests+j.concurrency;
    k+=j.records.reduce((s,r)=>s+(r.completion_tokens??0),0)+4*j.concurrency; }
  console.log(n,k)' "$tmp")

# the steady-state servers go before the cold runs
stop_pid "$sy_pid"
stop_pid "$direct_pid"
for _ in $(seq 50); do kill -0 "$engine_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$engine_pid" 2>/dev/null && log "warning: the gateway's engine $engine_pid outlived switchyard"

# --- cold start ---------------------------------------------------------------------------------
for ((i = 1; i <= COLD_RUNS; ++i)); do
  if ((i % 2)); then order="direct switchyard"; else order="switchyard direct"; fi
  for t in $order; do
    if [[ "$t" == direct ]]; then
      p="$(free_port)"
      mapfile -t cargs < <(engine_args "$p")
      tflag=()
      ((${#pin_llama[@]})) && tflag=(--taskset "$LLAMA_CPU")
      client cold-direct --bin "$LLAMA_SERVER" --port "$p" --key "$KEY" --model "$alias_name" \
        --poll-ms "$COLD_POLL_MS" --pidfile "$tmp/cold-pids" --log "$tmp/cold-direct-$i.log" "${tflag[@]}" \
        --prompt-repeat "$PROMPT_REPEAT" -- "${cargs[@]}" >"$tmp/cold-direct-$i.json" ||
        { cat "$tmp/cold-direct-$i.log" >&2; die "cold start of llama-server failed"; }
    else
      home="$tmp/cold-home-$i"
      mkdir -p "$home"
      write_config "$tmp/cold-$i.yaml"
      # on the llama cpu, so that the engine it starts inherits the same cpu as the direct one
      SWITCHYARD_HOME="$home" "${pin_llama[@]}" "${line_buffered[@]}" "$SWITCHYARD" serve \
        --config "$tmp/cold-$i.yaml" --listen 127.0.0.1:0 --threads 1 >"$tmp/cold-switchyard-$i.log" 2>&1 &
      cpid=$!
      pids+=("$cpid")
      cport="$(wait_listening "$tmp/cold-switchyard-$i.log" "$cpid" switchyard)"
      client cold-request --url "http://127.0.0.1:$cport/v1/chat/completions" --model "$sy_model" \
        --engines-url "http://127.0.0.1:$cport/api/engines" --prompt-repeat "$PROMPT_REPEAT" \
        >"$tmp/cold-switchyard-$i.json" || { tail -20 "$tmp/cold-switchyard-$i.log" >&2; die "cold request to switchyard failed"; }
      epid="$("$NODE" -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).engine_pid ?? "")' \
        "$tmp/cold-switchyard-$i.json")"
      [[ -n "$epid" ]] && echo "$epid" >>"$tmp/cold-pids"
      stop_pid "$cpid"
      for _ in $(seq 50); do [[ -z "$epid" ]] || ! kill -0 "$epid" 2>/dev/null && break; sleep 0.1; done
    fi
    log "cold $t $i: $(cat "$tmp/cold-$t-$i.json")"
  done
done

# --- report -------------------------------------------------------------------------------------
engine_desc="llama-server $(tr '\0' ' ' <<<"$(engine_args PORT | tr '\n' ' ')" | sed "s#$tmp#TMP#g")+ LLAMA_API_KEY"
cat >"$tmp/meta.json" <<EOF
{"date":"$(date -u +%Y-%m-%dT%H:%M:%SZ)","host":"$(uname -n)","cpus":$cpus,"loadavg":"$loadavg",
 "layout":"$layout","pinned":$([[ ${#pin_llama[@]} -gt 0 ]] && echo true || echo false),
 "model_desc":"$model_desc","engine_args":"$engine_desc",
 "params":{"layers":$LAYERS,"embd":$EMBD,"ctx":$CTX,"parallel":$PARALLEL,"threads":$THREADS,"batch":$BATCH,
   "prompt_repeat":$PROMPT_REPEAT,"requests_c1":$REQUESTS_C1,"requests_c4":$REQUESTS_C4,"cold_runs":$COLD_RUNS},
 "max_tokens":$MAX_TOKENS,"rounds":$ROUNDS,"order":"ABBA (odd rounds direct first, even rounds switchyard first)",
 "cold_poll_ms":$COLD_POLL_MS,
 "cpu":{"switchyard_ms":$sy_cpu,"switchyard_requests":$sy_reqs,"switchyard_tokens":$sy_toks,
   "direct_engine_ms":$de_cpu,"sy_engine_ms":$se_cpu}}
EOF
if [[ -n "${OUT:-}" ]]; then
  "$NODE" "$here/client.mjs" report --dir "$tmp" --out "$OUT"
  echo "results: $OUT"
else
  "$NODE" "$here/client.mjs" report --dir "$tmp"
fi
