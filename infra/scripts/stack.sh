#!/usr/bin/env bash
# The local stack: the AWS emulator, the upstream fakes with the demo workspace, and every function
# under `cargo lambda watch` on 127.0.0.1 with the production paths.
#
#   infra/scripts/stack.sh up      start everything in the background, wait until it answers
#   infra/scripts/stack.sh down    stop everything this script started
#   infra/scripts/stack.sh status  what is running
#
# The fakes include a local authorization server like a Descope MCP Server (issuer
# $FAKES_URL/v1/apps/agentic/P2demo/MSdemo, DESCOPE_ISSUER below), so the resource metadata points
# clients at a sign-in that works, and its RS256 tokens are verified through the JWKS path.
# Writes .dev/token (a dev token with every scope), .dev/stack.env (the URLs, for tests and shells)
# and logs under .dev/logs/. Ports: WATCH_PORT (9000), EMULATOR_PORT (9010), FAKES_PORT (9020),
# FAKES_DOWNLOAD_PORT (9021). STACK_RATE_LIMIT_USER_RPS/_BURST (100/200) set the per-user limit
# (`make load` lowers it to see requests refused). STACK_TENANTS=1 (`make dev`'s default) serves two
# demo organisations from a tenants table (docs/tenants.md): Acme (the demo users, .dev/token) and
# Globex (its own users and workspace, .dev/token-globex), each written with `workplace-admin`
# and reread every STACK_TENANTS_TTL_SECONDS (5).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

WATCH_PORT="${WATCH_PORT:-9000}"
EMULATOR_PORT="${EMULATOR_PORT:-9010}"
FAKES_PORT="${FAKES_PORT:-9020}"
FAKES_DOWNLOAD_PORT="${FAKES_DOWNLOAD_PORT:-9021}"
DEV="$ROOT/.dev"
PIDS="$DEV/pids"
LOGS="$DEV/logs"
BASE_URL="http://127.0.0.1:$WATCH_PORT"
FAKES_URL="http://127.0.0.1:$FAKES_PORT"
SECRET_ID="workplace-mcp/dev"
SERVICE_TOKEN_SECRET_ID="workplace-mcp/dev-service-token"
# Service tokens are opt-in: the dev stack allows them for the demo users only (infra/fakes/corpus).
# U2gina and U2hugo are Globex's (STACK_TENANTS=1); U2stranger belongs to no tenant.
SERVICE_TOKEN_SUBJECTS="dev-user,U2alice,U2bob,U2carol,e2e-limited,U2gina,U2hugo,U2stranger"
TABLE="workplace-mcp-rate-limits"
CACHE_TABLE="workplace-mcp-cache"
TENANTS="${STACK_TENANTS:-0}"
TENANTS_TABLE="workplace-mcp-tenants"
ISSUER="$FAKES_URL/v1/apps/agentic/P2demo/MSdemo"
FUNCTIONS=(health list-tools workplace-search mcp)

# start NAME COMMAND...: runs COMMAND in its own process group, logging to .dev/logs/NAME.log.
start() {
  local name="$1"; shift
  setsid "$@" >"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! >"$PIDS/$name.pid"
}

# stop NAME: stops NAME's whole process group, if it is running.
stop() {
  local pidfile="$PIDS/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ensure_dev_key() {
  mkdir -p "$DEV" "$PIDS" "$LOGS"
  chmod 700 "$DEV"
  if [ ! -s "$DEV/jwt_secret_key" ]; then
    log "generating a dev signing key in .dev/jwt_secret_key"
    python3 -c 'import secrets; print(secrets.token_urlsafe(48))' >"$DEV/jwt_secret_key"
    chmod 600 "$DEV/jwt_secret_key"
  fi
}

write_env() {
  cat >"$DEV/watch.env" <<ENV
MCP_RESOURCE_URL=$BASE_URL/mcp
MCP_ALLOWED_HOSTS=127.0.0.1:$WATCH_PORT,localhost:$WATCH_PORT
SERVICE_TOKEN_ISSUER=workplace-mcp
SERVICE_TOKEN_SECRET_ID=$SERVICE_TOKEN_SECRET_ID
SERVICE_TOKEN_SUBJECTS=$SERVICE_TOKEN_SUBJECTS
SERVICE_TOKEN_MAX_LIFETIME_SECONDS=43200
DESCOPE_PROJECT_ID=P2demo
DESCOPE_ISSUER=$ISSUER
DESCOPE_JWKS_URL=$FAKES_URL/P2demo/.well-known/jwks.json
DESCOPE_BASE_URL=$FAKES_URL
DESCOPE_CONNECT_URL=$FAKES_URL/connect
GOOGLE_API_BASE_URL=$FAKES_URL
# Drive through the Drive MCP server the fakes also serve: STACK_GOOGLE_DRIVE_TRANSPORT=mcp make dev.
GOOGLE_DRIVE_TRANSPORT=${STACK_GOOGLE_DRIVE_TRANSPORT:-rest}
GOOGLE_DRIVE_MCP_URL=$FAKES_URL/drivemcp/mcp/v1
NOTION_API_BASE_URL=$FAKES_URL
GRAPH_BASE_URL=$FAKES_URL
GMAIL_MODE=descope_outbound
GMAIL_MCP_URL=$FAKES_URL/gmailmcp/mcp/v1
OUTLOOK_MAIL_MODE=descope_outbound
MICROSOFT_LOGIN_BASE_URL=$FAKES_URL
SALESFORCE_INSTANCE_URL=$FAKES_URL
SALESFORCE_MODE=descope_outbound
# The calendars are opt-in in production; the local stack turns them on (the fakes serve both).
GOOGLE_CALENDAR_MODE=descope_outbound
GOOGLE_CALENDAR_MCP_URL=$FAKES_URL/calendarmcp/mcp/v1
OUTLOOK_CALENDAR_MODE=descope_outbound
# Keyword searches of the calendars look around the demo meetings' weeks (December 2026), so the
# demo and the end-to-end tests find them whatever today's date.
CALENDAR_SEARCH_AROUND=2026-12-12T00:00:00Z
SECRETS_ID=$SECRET_ID
RATE_LIMIT_TABLE=$TABLE
# The cache shared by every function and container (README, "Shared cache").
CACHE_TABLE=$CACHE_TABLE
# Every authenticated request is charged (initialize and tools/list too), and the conformance
# suite and the e2e clients all run as the dev user: the local stack allows a larger burst than
# the production default (10/s, burst 20) so a test run is never throttled by its own set-up.
RATE_LIMIT_USER_RPS=${STACK_RATE_LIMIT_USER_RPS:-100}
RATE_LIMIT_USER_BURST=${STACK_RATE_LIMIT_USER_BURST:-200}
RUST_LOG=info
AWS_REGION=us-east-1
AWS_ACCESS_KEY_ID=test
AWS_SECRET_ACCESS_KEY=test
AWS_ENDPOINT_URL=http://127.0.0.1:$EMULATOR_PORT
ENV
  if [ "$TENANTS" = 1 ]; then
    cat >>"$DEV/watch.env" <<ENV
# Two demo organisations (docs/tenants.md), reread every few seconds so a change shows at once.
TENANTS_TABLE=$TENANTS_TABLE
TENANTS_TTL_SECONDS=${STACK_TENANTS_TTL_SECONDS:-5}
ENV
  fi
  cat >"$DEV/stack.env" <<ENV
WORKPLACE_BASE_URL=$BASE_URL
WORKPLACE_MCP_URL=$BASE_URL/mcp
FAKES_URL=$FAKES_URL
AWS_ENDPOINT_URL=http://127.0.0.1:$EMULATOR_PORT
WORKPLACE_TOKEN_FILE=$DEV/token
WORKPLACE_ISSUER=$ISSUER
WORKPLACE_TENANTS=$TENANTS
ENV
  if [ "$TENANTS" = 1 ]; then
    cat >>"$DEV/stack.env" <<ENV
TENANTS_TABLE=$TENANTS_TABLE
TENANTS_TTL_SECONDS=${STACK_TENANTS_TTL_SECONDS:-5}
WORKPLACE_GLOBEX_TOKEN_FILE=$DEV/token-globex
ENV
  fi
}

# The two demo organisations' documents and (empty) secrets: both sign in through the local
# Descope project; Acme is its service-token demo users and every OIDC user without an active
# tenant, Globex its own users and the Descope tenant T2globex, with fewer sources and its own
# per-user limit.
write_tenants() {
  mkdir -p "$DEV/tenants"
  python3 - "$DEV/tenants" "$ISSUER" <<'PY'
import json, sys
out, issuer = sys.argv[1:]
tenants = {
    "acme": {
        "id": "acme",
        "name": "Acme Corp (demo)",
        "identity": {
            "issuer": issuer,
            "service_subjects": ["dev-user", "U2alice", "U2bob", "U2carol", "e2e-limited"],
        },
        "secret": "workplace-mcp/tenants/acme",
    },
    "globex": {
        "id": "globex",
        "name": "Globex Corporation (demo)",
        "identity": {
            "issuer": issuer,
            "descope_tenant": "T2globex",
            "service_subjects": ["U2gina", "U2hugo"],
        },
        "secret": "workplace-mcp/tenants/globex",
        "sources": {
            "GOOGLE_WORKSPACE_DOMAINS": "globex.example",
            "GMAIL_MODE": "disabled",
            "OUTLOOK_MAIL_MODE": "disabled",
            "GOOGLE_CALENDAR_MODE": "disabled",
            "OUTLOOK_CALENDAR_MODE": "disabled",
            "SALESFORCE_MODE": "disabled",
        },
        "limits": {"user_rps": 25, "user_burst": 50},
    },
}
for name, doc in tenants.items():
    with open(f"{out}/{name}.json", "w") as f:
        json.dump(doc, f, indent=2)
with open(f"{out}/secret.json", "w") as f:
    json.dump({}, f)
PY
}

# Writes the demo tenants with the admin CLI, as an administrator would.
put_tenants() {
  local name
  for name in acme globex; do
    AWS_ENDPOINT_URL="http://127.0.0.1:$EMULATOR_PORT" AWS_REGION=us-east-1 \
      AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
      "$ROOT/target/debug/workplace-admin" tenant --table "$TENANTS_TABLE" put "$DEV/tenants/$name.json" \
      >>"$LOGS/emulator-setup.log" 2>&1 || { cat "$LOGS/emulator-setup.log" >&2; die "writing tenant $name failed"; }
  done
}

# The secrets for the emulator: the project secret (the credentials the fakes accept) and, apart
# from it as in a deployment, the service-token secret holding the dev signing key.
write_secret() {
  python3 - "$DEV/jwt_secret_key" "$DEV/upstream-credentials.json" "$DEV/secret.json" \
    "$DEV/service-token-secret.json" <<'PY'
import base64, json, secrets, sys
key_file, upstream_file, out, service_out = sys.argv[1:]
secret = json.load(open(upstream_file))
secret["cequence_api_key"] = "dev-cequence-key"
# Page cursors signed alike by every function and container (README, `cursor_key`).
secret["cursor_key"] = secrets.token_urlsafe(32)
# The shared cache names items under a key derived from query_hash_key and seals them with the
# first of cache_keys (README, "Shared cache").
secret["query_hash_key"] = secrets.token_urlsafe(32)
secret["cache_keys"] = [base64.b64encode(secrets.token_bytes(32)).decode()]
with open(out, "w") as f:
    json.dump(secret, f)
with open(service_out, "w") as f:
    json.dump({"jwt_secret_key": open(key_file).read().strip()}, f)
PY
  chmod 600 "$DEV/secret.json" "$DEV/service-token-secret.json"
}

mint_token() {
  python3 infra/scripts/mint_token.py --secret-file "$DEV/jwt_secret_key" \
    --audience "$BASE_URL/mcp" --ttl 43200 >"$DEV/token"
  chmod 600 "$DEV/token"
  if [ "$TENANTS" = 1 ]; then
    python3 infra/scripts/mint_token.py --secret-file "$DEV/jwt_secret_key" \
      --audience "$BASE_URL/mcp" --ttl 43200 --subject U2gina --email gina@globex.example \
      >"$DEV/token-globex"
    chmod 600 "$DEV/token-globex"
  fi
}

up() {
  ensure_dev_key
  for port in "$WATCH_PORT" "$FAKES_PORT" "$FAKES_DOWNLOAD_PORT" "$EMULATOR_PORT"; do
    port_free "$port" || die "port $port is in use (a running 'make dev'? stop it, or set WATCH_PORT/FAKES_PORT)"
  done
  pip_ensure "$ROOT/infra/requirements-dev.txt"
  write_env

  log "building the functions and the fakes"
  cargo build --quiet -p upstream-fakes -p workplace-admin $(printf -- '-p %s ' "${FUNCTIONS[@]}")

  log "starting the upstream fakes on 127.0.0.1:$FAKES_PORT"
  rm -f "$DEV/upstream-credentials.json"
  # --resource: the local authorization server issues tokens for this MCP URL only (aud = resource).
  start fakes "$ROOT/target/debug/upstream-fakes" --port "$FAKES_PORT" --download-port "$FAKES_DOWNLOAD_PORT" \
    --write-credentials "$DEV/upstream-credentials.json" --resource "$BASE_URL/mcp"
  wait_http "$FAKES_URL/_fake/requests" 30 || { tail -20 "$LOGS/fakes.log" >&2; die "the fakes did not start"; }
  for _ in $(seq 50); do [ -s "$DEV/upstream-credentials.json" ] && break; sleep 0.1; done
  [ -s "$DEV/upstream-credentials.json" ] || die "the fakes did not write their credentials"
  write_secret

  log "starting the AWS emulator on 127.0.0.1:$EMULATOR_PORT and creating the table and the secret"
  "$ROOT/infra/scripts/emulator.sh" start "$EMULATOR_PORT" || die "the emulator did not start"
  local tenant_args=()
  if [ "$TENANTS" = 1 ]; then
    write_tenants
    tenant_args=(workplace-mcp/tenants/acme "$DEV/tenants/secret.json" workplace-mcp/tenants/globex "$DEV/tenants/secret.json")
  fi
  CACHE_TABLE="$CACHE_TABLE" TENANTS_TABLE="$([ "$TENANTS" = 1 ] && echo "$TENANTS_TABLE")" \
    "$ROOT/infra/scripts/emulator.sh" setup "$EMULATOR_PORT" "$TABLE" "$SECRET_ID" "$DEV/secret.json" \
    "$SERVICE_TOKEN_SECRET_ID" "$DEV/service-token-secret.json" "${tenant_args[@]}" \
    >"$LOGS/emulator-setup.log" 2>&1 || { cat "$LOGS/emulator-setup.log" >&2; die "creating the table and secret failed"; }
  if [ "$TENANTS" = 1 ]; then
    log "writing the demo tenants acme and globex with workplace-admin"
    put_tenants
  fi

  log "starting cargo lambda watch on 127.0.0.1:$WATCH_PORT"
  local ignore=()
  [ "${STACK_WATCH_CHANGES:-0}" = 1 ] || ignore=(--ignore-changes)
  start watch cargo lambda watch -A 127.0.0.1 -P "$WATCH_PORT" "${ignore[@]}" --env-file "$DEV/watch.env"
  wait_http "$BASE_URL/health" 120 || { tail -30 "$LOGS/watch.log" >&2; die "cargo lambda watch did not start"; }
  # The first request to each function starts it; do that now so the first real call is fast.
  for _ in $(seq 60); do
    curl -sf "$BASE_URL/health" >/dev/null && break
    sleep 1
  done
  curl -sf "$BASE_URL/health" >/dev/null || { tail -30 "$LOGS/watch.log" >&2; die "/health does not answer"; }

  mint_token
  log "stack is up: $BASE_URL (token in .dev/token, logs in .dev/logs/)"
}

down() {
  stop watch
  stop fakes
  [ -x "$ROOT/infra/scripts/emulator.sh" ] && "$ROOT/infra/scripts/emulator.sh" stop >/dev/null 2>&1 || true
  log "stack is down"
}

status() {
  for name in watch fakes; do
    if [ -f "$PIDS/$name.pid" ] && kill -0 "$(cat "$PIDS/$name.pid")" 2>/dev/null; then
      echo "$name: running (pid $(cat "$PIDS/$name.pid"))"
    else
      echo "$name: stopped"
    fi
  done
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
