#!/usr/bin/env bash
# Sets everything up (see setup.sh) and starts the gateway on http://127.0.0.1:8321.
# Arguments go to `switchyard serve` (e.g. --config FILE, --listen HOST:PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec "${SWITCHYARD_BUILD_DIR:-build}/src/cli/switchyard" serve "$@"
