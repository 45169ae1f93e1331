#!/usr/bin/env bash
# End-to-end tests of the MCP endpoint with real clients: the Python MCP SDK 1.x and 2.x, the
# TypeScript MCP SDK, MCP Inspector's CLI, the official conformance suite on both protocol wires,
# the LangChain and CrewAI examples, the OAuth sign-in from a bare URL (Python and TypeScript SDK
# auth providers against the fakes' authorization server) and Claude Code's `claude mcp list`,
# against the real `mcp` binary under `cargo lambda watch`. Every tool result is validated against
# the tool's advertised outputSchema.
#
#   tests/e2e/run.sh [PYTEST ARGS...]
#
# 1. Installs what it needs into .tools/ (idempotent; each requirements file is reinstalled only
#    when it changed): .tools/venv-e2e-{sdk1,sdk2,crewai} and .tools/npm (Node 22, Inspector,
#    conformance, the TypeScript SDK, ajv, Claude Code, mcp-remote; pinned in tests/e2e/package.json).
# 2. Uses a running stack (WORKPLACE_MCP_URL set, or `make stack-up`/`make dev` already running),
#    else starts one with infra/scripts/stack.sh up and stops it afterwards.
# 3. Runs pytest; exits with its status.
set -euo pipefail
source "$(dirname "$0")/../../infra/scripts/lib.sh"
cd "$ROOT"
E2E="$ROOT/tests/e2e"

# venv_ensure NAME: .tools/venv-e2e-NAME with tests/e2e/requirements-NAME.txt, reinstalled on change.
venv_ensure() {
  local name="$1" venv="$TOOLS/venv-e2e-$1" req="$E2E/requirements-$1.txt"
  local stamp="$TOOLS/.stamp-e2e-requirements-$1.txt"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || die "python3 -m venv failed (install python3-venv)"
    "$venv/bin/pip" install --quiet --upgrade pip >/dev/null
  fi
  if [ ! -f "$stamp" ] || ! cmp -s "$req" "$stamp"; then
    log "installing requirements-$name.txt into .tools/venv-e2e-$name"
    "$venv/bin/pip" install --quiet -r "$req" || die "pip install -r $req failed"
    cp "$req" "$stamp"
  fi
}

# npm_ensure (infra/scripts/lib.sh): Node 22, the Inspector and the conformance suite in .tools/npm.

t0=$(date +%s)
pip_ensure "$ROOT/infra/requirements-dev.txt"      # cargo-lambda
for name in sdk2 sdk1 crewai; do venv_ensure "$name"; done
npm_ensure
log "tools ready in $(( $(date +%s) - t0 ))s"

started_stack=0
cleanup() {
  if [ "$started_stack" = 1 ]; then
    "$ROOT/infra/scripts/stack.sh" down || true
  fi
}
trap cleanup EXIT

use_stack_env() {
  set -a; source "$ROOT/.dev/stack.env"; set +a
  export WORKPLACE_JWT_SECRET_FILE="${WORKPLACE_JWT_SECRET_FILE:-$ROOT/.dev/jwt_secret_key}"
}

if [ -n "${WORKPLACE_MCP_URL:-}" ]; then
  log "using the endpoint in WORKPLACE_MCP_URL: $WORKPLACE_MCP_URL"
elif [ -f "$ROOT/.dev/stack.env" ] && (use_stack_env; curl -s -o /dev/null --max-time 5 "$WORKPLACE_BASE_URL/health"); then
  use_stack_env
  log "using the running stack at $WORKPLACE_MCP_URL"
else
  t2=$(date +%s)
  started_stack=1   # stack.sh down also cleans up after a start that failed half-way
  "$ROOT/infra/scripts/stack.sh" up || die "the local stack did not start (logs in .dev/logs/)"
  use_stack_env
  log "stack started in $(( $(date +%s) - t2 ))s"
fi

t1=$(date +%s)
set +e
"$TOOLS/venv-e2e-sdk2/bin/python" -m pytest "$E2E" -p no:cacheprovider -q -ra "$@"
rc=$?
set -e
log "end-to-end tests took $(( $(date +%s) - t1 ))s (exit $rc)"
exit "$rc"
