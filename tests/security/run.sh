#!/usr/bin/env bash
# The JWT attack corpus and schemathesis (docs/openapi.yaml) over HTTP against the local stack
# (started here unless one is up).
set -euo pipefail
source "$(dirname "$0")/../../infra/scripts/lib.sh"
cd "$ROOT"
started=0
if ! curl -sf "http://127.0.0.1:${WATCH_PORT:-9000}/health" >/dev/null 2>&1; then
  infra/scripts/stack.sh up
  started=1
fi
# An if, not `[ ] &&`: under set -e a false test in the EXIT trap would fail a passing run.
cleanup() { if [ "$started" = 1 ]; then infra/scripts/stack.sh down; fi; }
trap cleanup EXIT
python3 tests/security/jwt_over_http.py
tests/security/schemathesis.sh
