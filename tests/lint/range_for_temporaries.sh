#!/usr/bin/env bash
# Refuses a range-for over the dereferenced result of a call, e.g.
#   for (const auto& m : *local_->models())
# In C++20 the temporary that the call returns (a shared_ptr snapshot) dies before the loop
# body runs, so the loop reads freed memory as soon as another thread swaps the snapshot
# (TSan caught exactly this in local_backend's model list). Name the snapshot instead:
#   for (auto snapshot = local_->models(); const auto& m : *snapshot)
set -euo pipefail
root="${1:-$(dirname "$0")/../..}"
hits=$(grep -rnP --include='*.cpp' --include='*.h' '^\s*for \([^;]*[^:]: \*[\w:>.\-]+\([^()]*\)\s*\)' "$root/src" || true)
if [[ -n "$hits" ]]; then
  echo "range-for over a dereferenced temporary (name it first):"
  echo "$hits"
  exit 1
fi
echo "no range-for over a dereferenced temporary in $root/src"
