#!/usr/bin/env bash
# The cross-tenant suite: starts the local stack with its two demo organisations (STACK_TENANTS=1)
# unless one is already up, runs tests/tenants/test_cross_tenant.py against it, stops what it
# started. A running stack without tenants is not used: the suite needs both organisations.
set -euo pipefail
source "$(dirname "$0")/../../infra/scripts/lib.sh"
cd "$ROOT"
started=0
if curl -sf "http://127.0.0.1:${WATCH_PORT:-9000}/health" >/dev/null 2>&1; then
  grep -q '^WORKPLACE_TENANTS=1' .dev/stack.env 2>/dev/null \
    || die "a stack without tenants is running on port ${WATCH_PORT:-9000}: stop it (make stack-down) or start it with STACK_TENANTS=1"
else
  STACK_TENANTS=1 infra/scripts/stack.sh up
  started=1
fi
cleanup() { if [ "$started" = 1 ]; then infra/scripts/stack.sh down; fi; }
trap cleanup EXIT
set -a; source .dev/stack.env; set +a
python3 tests/tenants/test_cross_tenant.py
