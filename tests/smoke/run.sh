#!/usr/bin/env bash
# Starts the local stack (unless one is already up), runs the smoke tests against it, stops what it started.
set -euo pipefail
source "$(dirname "$0")/../../infra/scripts/lib.sh"
cd "$ROOT"
started=0
if ! curl -sf "http://127.0.0.1:${WATCH_PORT:-9000}/health" >/dev/null 2>&1; then
  infra/scripts/stack.sh up
  started=1
fi
cleanup() { [ "$started" = 1 ] && infra/scripts/stack.sh down; }
trap cleanup EXIT
set -a; source .dev/stack.env; set +a
python3 tests/smoke/test_local_stack.py
