#!/usr/bin/env bash
# bench/hub/run.sh [BUILD_DIR]: hub download throughput and remote-inspect cost, on loopback.
#
# Serves one SIZE_MIB GGUF (a tiny model's header and tensors, then random bytes) from the mock
# hub and measures, back to back for each of RUNS rounds:
#   curl         curl fetching the resolve URL into a file (one connection, no verification)
#   curl+sha256  the same, then sha256sum of the file (what a verified download must do)
#   curl+sync    the same, then fdatasync of the file (`sync -d`: what a durable download must
#                do; the disk's floor for the pull, which syncs before its rename)
#   pull         switchyard pull owner/repo:FILE (Hub API listing, JOBS parallel ranged
#                connections, sha256 verification, atomic rename, store registration)
# and prints MiB/s for each (median of RUNS) and the ratios pull/curl, pull/(curl+sha256) and
# pull/(curl+sync);
# the goal is pull/curl >= 0.9. Then a remote `switchyard inspect` of the same file: bytes
# fetched and HTTP requests.
#
# Environment: SIZE_MIB [512], RUNS [3], JOBS [4], KEEP_TMP=1 keeps the temp dir.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/bench/lib.sh"
build="$(bench_build_dir "${1:-}")"

SWITCHYARD="${SWITCHYARD:-$build/src/cli/switchyard}"
MOCK_HUB="${MOCK_HUB:-$build/tests/support/mock-hub}"
MAKE_MODEL="${MAKE_MODEL:-$build/tests/support/make-test-model}"
SIZE_MIB="${SIZE_MIB:-512}"
RUNS="${RUNS:-3}"
JOBS="${JOBS:-4}"
for b in "$SWITCHYARD" "$MOCK_HUB" "$MAKE_MODEL"; do
  [[ -x "$b" ]] || { echo "missing $b: build switchyard mock-hub make-test-model in $build" >&2; exit 1; }
done
command -v curl >/dev/null || { echo "curl is required" >&2; exit 1; }

tmp="$(mktemp -d /tmp/sy-bench-hub.XXXXXX)"
hub_pid=""
cleanup() {
  [[ -n "$hub_pid" ]] && kill "$hub_pid" 2>/dev/null || true
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

file="big-Q4_K_M.gguf"
mkdir -p "$tmp/hub/owner/repo"
"$MAKE_MODEL" "$tmp/hub/owner/repo/$file" >/dev/null
have=$(stat -c %s "$tmp/hub/owner/repo/$file")
want=$((SIZE_MIB << 20))
if ((want > have)); then head -c $((want - have)) /dev/urandom >>"$tmp/hub/owner/repo/$file"; fi
size=$(stat -c %s "$tmp/hub/owner/repo/$file")
cat "$tmp/hub/owner/repo/$file" >/dev/null  # page cache: both clients read from memory

"$MOCK_HUB" --dir "$tmp/hub" >"$tmp/hub.log" 2>&1 &
hub_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$tmp/hub.log" && break; sleep 0.05; done
endpoint="http://$(sed -n 's/^listening on \(.*\)$/\1/p' "$tmp/hub.log" | head -1)"
url="$endpoint/owner/repo/resolve/main/$file"
export HF_ENDPOINT="$endpoint"
unset HF_TOKEN

now() { date +%s.%N; }
mibps() { python3 -c "import sys; print(f'{$size / 1048576 / ($2 - $1):.1f}')" "$@"; }
# a first API listing computes the mock's sha256 (cached after): not part of any measurement
curl -s -o /dev/null "$endpoint/api/models/owner/repo?blobs=true"

declare -a c_rates v_rates s_rates p_rates
for i in $(seq "$RUNS"); do
  t0=$(now)
  curl -s -o "$tmp/curl.out" "$url"
  t1=$(now)
  sync -d "$tmp/curl.out"
  t2=$(now)
  sha256sum "$tmp/curl.out" >/dev/null
  t3=$(now)
  rm -f "$tmp/curl.out"
  c_rates+=("$(mibps "$t0" "$t1")")
  s_rates+=("$(mibps "$t0" "$t2")")
  v_rates+=("$(mibps "$t0" "$(python3 -c "print($t1 + $t3 - $t2)")")")

  home="$tmp/home-$i"
  t0=$(now)
  SWITCHYARD_HOME="$home" "$SWITCHYARD" pull "owner/repo:$file" --jobs "$JOBS" >"$tmp/pull-$i.log" 2>&1 ||
    { cat "$tmp/pull-$i.log"; exit 1; }
  t1=$(now)
  p_rates+=("$(mibps "$t0" "$t1")")
  cmp -s "$home/models/owner/repo/$file" "$tmp/hub/owner/repo/$file" || { echo "pull $i: file differs" >&2; exit 1; }
  rm -rf "$home"
  echo "run $i: curl ${c_rates[-1]} MiB/s, curl+sha256 ${v_rates[-1]} MiB/s, curl+sync ${s_rates[-1]} MiB/s," \
    "pull ${p_rates[-1]} MiB/s"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
c=$(median "${c_rates[@]}"); v=$(median "${v_rates[@]}"); s=$(median "${s_rates[@]}"); p=$(median "${p_rates[@]}")
echo
echo "download of $size bytes ($SIZE_MIB MiB) from the mock hub on loopback, median of $RUNS:"
printf '  %-34s %10s MiB/s\n' "curl" "$c" "curl + sha256sum" "$v" "curl + fdatasync" "$s" \
  "switchyard pull (jobs $JOBS, verified)" "$p"
python3 -c "print(f'  ratio pull/curl            {$p / $c:.2f}   (goal >= 0.9)'); print(f'  ratio pull/(curl+sha256)   {$p / $v:.2f}'); print(f'  ratio pull/(curl+sync)     {$p / $s:.2f}')"

echo
json=$("$SWITCHYARD" inspect "owner/repo/$file" --json)
python3 - "$json" <<'PY'
import json, sys
f = json.loads(sys.argv[1])["fetch"]
print(f"remote inspect of owner/repo/{'big-Q4_K_M.gguf'}: {f['bytes']} of {f['file_size']} bytes "
      f"({100 * f['bytes'] / f['file_size']:.3f}%) in {f['requests']} HTTP requests")
PY
