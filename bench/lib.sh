# Shared by the bench/*/run.sh scripts: source it after `set -euo pipefail` and after setting
# `root` (the repository). Defines die/log (prefixed "run.sh:"), bench_build_dir, port helpers
# and wait_listening.

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "run.sh: $*" >&2; }

# The build directory from the script's first argument (default "build"), relative to the
# current directory or else to the repository.
bench_build_dir() {
  local build="${1:-build}"
  if [[ "$build" != /* && ! -d "$build" && -d "$root/$build" ]]; then build="$root/$build"; fi
  echo "$build"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A port nothing listens on, below the kernel's ephemeral range (32768-60999 by default): a port
# that a client connection holds cannot be bound either, and a probe cannot see that.
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((10000 + RANDOM % 22000))
    port_open "$p" || { echo "$p"; return 0; }
  done
  die "no free port found"
}

# The port from the first "listening on" line of LOG, waiting up to 15 s for PID to print it.
wait_listening() {
  local log="$1" pid="$2" name="$3" port=""
  for _ in $(seq 1500); do
    port="$(grep -oE 'listening on (http://)?127\.0\.0\.1:[0-9]+' "$log" 2>/dev/null | head -1 |
            grep -oE '127\.0\.0\.1:[0-9]+' | cut -d: -f2 || true)"
    [[ -n "$port" ]] && { echo "$port"; return 0; }
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "$name exited before listening"; }
    sleep 0.01
  done
  cat "$log" >&2
  die "$name did not print 'listening on 127.0.0.1:PORT' within 15 s"
}

# A scratch directory for one run: sets $tmp and an empty $pids (add each background process:
# `pids+=($!)`); at exit the processes are stopped and waited for and the directory removed
# (KEEP_TMP=1 keeps it). `name` goes into the directory's name. The gateways a run starts keep
# their state (usage ledger, manifest, logs) in $tmp/home, never in the user's own home.
bench_workspace() {
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/switchyard-$1.XXXXXX")"
  export SWITCHYARD_HOME="$tmp/home"
  mkdir -p "$SWITCHYARD_HOME"
  pids=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
