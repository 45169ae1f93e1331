#!/usr/bin/env bash
# Schemathesis against the running local stack, from docs/openapi.yaml, with every check
# (server errors, status codes, content types, headers, response schemas, negative data, ...).
# Bounded by SCHEMATHESIS_MAX_EXAMPLES (default 100 per operation; about 20 s). Its data (the Hypothesis
# database, reports) goes to a temporary directory: a file written into the checkout would make
# `cargo lambda watch` restart the functions mid-run. Reads .dev/stack.env and .dev/token.
set -euo pipefail
source "$(dirname "$0")/../../infra/scripts/lib.sh"
cd "$ROOT"

ST_VENV="$TOOLS/schemathesis"
req="$ROOT/tests/security/requirements-schemathesis.txt"
stamp="$TOOLS/.stamp-requirements-schemathesis.txt"
if [ ! -x "$ST_VENV/bin/schemathesis" ] || ! cmp -s "$req" "$stamp"; then
  log "installing schemathesis into .tools/schemathesis"
  mkdir -p "$TOOLS"
  python3 -m venv "$ST_VENV" || die "python3 -m venv failed (install python3-venv)"
  "$ST_VENV/bin/pip" install --quiet -r "$req" || die "pip install -r $req failed"
  cp "$req" "$stamp"
fi

base_url="$(sed -n 's/^WORKPLACE_BASE_URL=//p' .dev/stack.env)"
[ -n "$base_url" ] || die ".dev/stack.env names no WORKPLACE_BASE_URL (is the stack up?)"
token="$(cat .dev/token)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

log "schemathesis: docs/openapi.yaml against $base_url"
# The token goes in through an environment variable (the schemathesis config file expands it), so
# it never appears on a command line other processes can read.
cat >"$work/schemathesis.toml" <<'TOML'
headers = { Authorization = "Bearer ${WORKPLACE_TOKEN}" }
TOML
(
  cd "$work"
  # PYTHONDONTWRITEBYTECODE: importing the hooks must not write __pycache__ into the checkout.
  WORKPLACE_TOKEN="$token" PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$ROOT/tests/security" \
    SCHEMATHESIS_HOOKS=schemathesis_hooks "$ST_VENV/bin/schemathesis" --config-file "$work/schemathesis.toml" run \
    "$ROOT/docs/openapi.yaml" \
    --url "$base_url" \
    --checks all \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-100}" \
    --seed "${SCHEMATHESIS_SEED:-20261130}" \
    --workers 1 \
    --generation-database none \
    --request-timeout 60 \
    --report junit --report-dir "$work/report"
)
