#!/usr/bin/env bash
# `make bench`: builds the release functions, starts the upstream fakes and the AWS emulator on
# their own ports, and runs infra/bench/bench.py, which drives every function binary and the
# Python reference through a Lambda Runtime API emulator and writes the table to
# .dev/bench/results.md (and .json). Figures are printed, never asserted; not part of `make test`.
#
# Ports (all on 127.0.0.1, chosen apart from `make dev`'s): EMULATOR_PORT (9110), BENCH_DDB_PROXY_PORT
# (9111, the counting proxy in front of the emulator that the functions talk to), FAKES_PORT
# (9120), FAKES_DOWNLOAD_PORT (9121), BENCH_RUNTIME_PORT (9130, the Runtime API). WATCH_PORT
# (9100) only names the resource URL the functions are configured with; nothing listens on it.
# Knobs: BENCH_COUNT (200 measured invocations per instant scenario), BENCH_SLOW_COUNT (15 at
# 200 ms), BENCH_CALLGRIND=0 (skip the instruction counts), BENCH_PYTHON_CALLGRIND=0, BENCH_ONLY
# (a regex of scenario keys, e.g. 'mcp-3$'), BENCH_FRESH_COUNT (10 fresh containers),
# BENCH_PROFILE (the cargo profile built and run: release; `make profile` uses `profiling`, the
# release build with symbols), BENCH_CALLGRIND_KEEP=1 (keep the callgrind outputs in
# .dev/bench/callgrind/ for infra/bench/attribute.py), BENCH_FUNCTIONS (the function binaries
# built: all four; a BENCH_ONLY run needs only its own).
# The shared cache is configured as the stack configures it: the CACHE_TABLE table (key `pk`, TTL
# attribute `expires`) and `cache_keys` in the main secret.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"

WATCH_PORT="${WATCH_PORT:-9100}"
EMULATOR_PORT="${EMULATOR_PORT:-9110}"
FAKES_PORT="${FAKES_PORT:-9120}"
FAKES_DOWNLOAD_PORT="${FAKES_DOWNLOAD_PORT:-9121}"
BENCH_RUNTIME_PORT="${BENCH_RUNTIME_PORT:-9130}"
BENCH_DDB_PROXY_PORT="${BENCH_DDB_PROXY_PORT:-9111}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$ROOT/.dev/bench"
BASE_URL="http://127.0.0.1:$WATCH_PORT"
FAKES_URL="http://127.0.0.1:$FAKES_PORT"
TABLE="workplace-mcp-rate-limits"
CACHE_TABLE="workplace-mcp-cache"
SECRET_ID="workplace-mcp/bench"
SERVICE_TOKEN_SECRET_ID="workplace-mcp/bench-service-token"
read -r -a FUNCTIONS <<<"${BENCH_FUNCTIONS:-health list-tools workplace-search mcp}"
t0=$(date +%s)

for port in "$EMULATOR_PORT" "$BENCH_DDB_PROXY_PORT" "$FAKES_PORT" "$FAKES_DOWNLOAD_PORT" "$BENCH_RUNTIME_PORT"; do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && die "port $port is in use (set EMULATOR_PORT, BENCH_DDB_PROXY_PORT, FAKES_PORT, FAKES_DOWNLOAD_PORT, BENCH_RUNTIME_PORT)"
done

# Tools: moto for the emulator; the reference's own venv (mcp, httpx, awslambdaric, mangum).
pip_ensure "$ROOT/infra/requirements-emulator.txt"
BENCH_VENV="$TOOLS/venv-bench"
req="$ROOT/infra/bench/requirements-bench.txt" stamp="$TOOLS/.stamp-bench-requirements-bench.txt"
if [ ! -x "$BENCH_VENV/bin/python" ]; then
  python3 -m venv "$BENCH_VENV" || die "python3 -m venv failed (install python3-venv)"
  "$BENCH_VENV/bin/pip" install --quiet --upgrade pip >/dev/null
fi
if [ ! -f "$stamp" ] || ! cmp -s "$req" "$stamp"; then
  log "installing requirements-bench.txt into .tools/venv-bench"
  "$BENCH_VENV/bin/pip" install --quiet -r "$req" || die "pip install -r $req failed"
  cp "$req" "$stamp"
fi
if [ "${BENCH_CALLGRIND:-1}" = 1 ] && ! command -v valgrind >/dev/null; then
  log "valgrind not found: no instruction counts (install valgrind for them)"
  export BENCH_CALLGRIND=0
fi

PROFILE="${BENCH_PROFILE:-release}"
log "building the functions and the fakes ($PROFILE profile)"
cargo build --profile "$PROFILE" --locked $(printf -- '-p %s ' "${FUNCTIONS[@]}") -p upstream-fakes
log "built in $(( $(date +%s) - t0 ))s"

rm -rf "$OUT"; mkdir -p "$OUT/logs"; chmod 700 "$OUT"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

python3 -c 'import secrets; print(secrets.token_urlsafe(48))' >"$OUT/jwt_secret_key"
setsid "$TARGET/$PROFILE/upstream-fakes" --port "$FAKES_PORT" --download-port "$FAKES_DOWNLOAD_PORT" \
  --write-credentials "$OUT/upstream-credentials.json" --resource "$BASE_URL/mcp" \
  >"$OUT/logs/fakes.log" 2>&1 </dev/null &
pids+=($!)
setsid "$VENV/bin/python" "$ROOT/infra/emulator/serve.py" 127.0.0.1 "$EMULATOR_PORT" \
  >"$OUT/logs/emulator.log" 2>&1 </dev/null &
pids+=($!)
wait_http "$FAKES_URL/_fake/requests" 30 || die "the fakes did not start (see $OUT/logs/fakes.log)"
wait_http "http://127.0.0.1:$EMULATOR_PORT/moto-api/" 30 || die "the emulator did not start (see $OUT/logs/emulator.log)"
for _ in $(seq 50); do [ -s "$OUT/upstream-credentials.json" ] && break; sleep 0.1; done

# The secrets as infra/scripts/stack.sh writes them, and the environments of both implementations.
"$VENV/bin/python" - "$OUT" "$BASE_URL" "$FAKES_URL" "$BENCH_DDB_PROXY_PORT" "$TABLE" "$SECRET_ID" "$SERVICE_TOKEN_SECRET_ID" "$CACHE_TABLE" <<'PY'
import base64, json, secrets, sys
out, base, fakes, proxy_port, table, secret_id, token_secret_id, cache_table = sys.argv[1:]
secret = json.load(open(f"{out}/upstream-credentials.json"))
secret["cequence_api_key"] = "dev-cequence-key"
# The shared cache's keys: the first encrypts, all decrypt.
secret["cache_keys"] = [base64.b64encode(secrets.token_bytes(32)).decode()]
# The cache names its items under a key derived from query_hash_key (README, "Shared cache").
secret["query_hash_key"] = secrets.token_urlsafe(32)
json.dump(secret, open(f"{out}/secret.json", "w"))
json.dump({"jwt_secret_key": open(f"{out}/jwt_secret_key").read().strip()}, open(f"{out}/service-token-secret.json", "w"))
host = base.split("//", 1)[1]
aws = {"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
       "AWS_ENDPOINT_URL": f"http://127.0.0.1:{proxy_port}"}  # the counting proxy
# What stack.sh writes to .dev/watch.env, with limits high enough that the bench is never refused.
function_env = {
    "MCP_RESOURCE_URL": f"{base}/mcp", "MCP_ALLOWED_HOSTS": f"{host},localhost:{host.split(':')[1]}",
    "SERVICE_TOKEN_ISSUER": "workplace-mcp", "SERVICE_TOKEN_SECRET_ID": token_secret_id,
    "SERVICE_TOKEN_SUBJECTS": "dev-user", "SERVICE_TOKEN_MAX_LIFETIME_SECONDS": "43200",
    "DESCOPE_PROJECT_ID": "P2demo", "DESCOPE_ISSUER": f"{fakes}/v1/apps/agentic/P2demo/MSdemo",
    "DESCOPE_JWKS_URL": f"{fakes}/P2demo/.well-known/jwks.json", "DESCOPE_BASE_URL": fakes,
    "DESCOPE_CONNECT_URL": f"{fakes}/connect", "GOOGLE_API_BASE_URL": fakes, "NOTION_API_BASE_URL": fakes,
    "GRAPH_BASE_URL": fakes, "MICROSOFT_LOGIN_BASE_URL": fakes, "SECRETS_ID": secret_id,
    "RATE_LIMIT_TABLE": table, "RATE_LIMIT_USER_RPS": "100000", "RATE_LIMIT_USER_BURST": "1000000",
    "RATE_LIMIT_CLIENT_RPS": "100000", "RATE_LIMIT_CLIENT_BURST": "1000000",
    "RATE_LIMIT_GLOBAL_RPS": "100000", "RATE_LIMIT_GLOBAL_BURST": "1000000",
    "CACHE_TABLE": cache_table, "CACHE_TOKENS": "on", "CACHE_TEXT": "on",
    "RUST_LOG": "info", **aws,
}
reference_env = {"REFERENCE_UPSTREAM_URL": fakes, "DESCOPE_PROJECT_ID": "P2demo",
                 "REFERENCE_DESCOPE_MANAGEMENT_KEY": secret["descope_management_key"], **aws}
json.dump(function_env, open(f"{out}/function-env.json", "w"))
json.dump(reference_env, open(f"{out}/reference-env.json", "w"))
PY
chmod 600 "$OUT"/*.json
"$VENV/bin/python" "$ROOT/infra/emulator/setup.py" --endpoint "http://127.0.0.1:$EMULATOR_PORT" --table "$TABLE" \
  --secret-id "$SECRET_ID" --secret-file "$OUT/secret.json" \
  --secret-id "$SERVICE_TOKEN_SECRET_ID" --secret-file "$OUT/service-token-secret.json" \
  >"$OUT/logs/emulator-setup.log" 2>&1 || { cat "$OUT/logs/emulator-setup.log" >&2; die "creating the table and secrets failed"; }
# The shared cache's table, as the template declares it: key `pk` (S), TTL on `expires`.
"$VENV/bin/python" - "http://127.0.0.1:$EMULATOR_PORT" "$CACHE_TABLE" >>"$OUT/logs/emulator-setup.log" 2>&1 <<'PY' || die "creating the cache table failed"
import sys, boto3
endpoint, table = sys.argv[1:]
ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test")
ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
PY
python3 infra/scripts/mint_token.py --secret-file "$OUT/jwt_secret_key" --audience "$BASE_URL/mcp" --ttl 43200 >"$OUT/token"

log "running the scenarios (logs in .dev/bench/logs/)"
BENCH_ROOT="$ROOT" BENCH_OUT="$OUT" FAKES_URL="$FAKES_URL" BENCH_RUNTIME_PORT="$BENCH_RUNTIME_PORT" \
BENCH_TARGET_DIR="$TARGET" BENCH_PROFILE="$PROFILE" BENCH_EMULATOR_PORT="$EMULATOR_PORT" BENCH_DDB_PROXY_PORT="$BENCH_DDB_PROXY_PORT" \
BENCH_LIMIT_TABLE="$TABLE" BENCH_CACHE_TABLE="$CACHE_TABLE" \
BENCH_TOKEN="$(cat "$OUT/token")" BENCH_HOST="127.0.0.1:$WATCH_PORT" \
BENCH_FUNCTION_ENV="$(cat "$OUT/function-env.json")" BENCH_REFERENCE_ENV="$(cat "$OUT/reference-env.json")" \
  python3 "$ROOT/infra/bench/bench.py"
log "bench done in $(( $(date +%s) - t0 ))s; table in .dev/bench/results.md"
