#!/usr/bin/env bash
# The local AWS emulator (moto) for DynamoDB and Secrets Manager, on 127.0.0.1.
#
#   emulator.sh start [PORT]      start moto_server (default port 9010) and wait until it answers
#   emulator.sh setup PORT TABLE SECRET_ID SECRET_FILE [SECRET_ID SECRET_FILE]...
#                                 create the table (TTL on) and the secrets through the AWS APIs
#   emulator.sh stop              stop it
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PIDFILE="$ROOT/.dev/pids/emulator.pid"
LOGFILE="$ROOT/.dev/logs/emulator.log"

stop() {
  if [ -f "$PIDFILE" ]; then
    local pid; pid="$(cat "$PIDFILE")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
  fi
}

case "${1:-}" in
  start)
    port="${2:-9010}"
    pip_ensure "$ROOT/infra/requirements-emulator.txt"
    mkdir -p "$(dirname "$PIDFILE")" "$(dirname "$LOGFILE")"
    stop
    # moto behind a request-serializing wrapper: conditional writes are atomic, as in DynamoDB.
    setsid "$VENV/bin/python" "$ROOT/infra/emulator/serve.py" 127.0.0.1 "$port" >"$LOGFILE" 2>&1 < /dev/null &
    echo $! >"$PIDFILE"
    wait_http "http://127.0.0.1:$port/moto-api/" 30 || { tail -20 "$LOGFILE" >&2; die "moto_server did not start"; }
    log "AWS emulator on http://127.0.0.1:$port"
    ;;
  setup)
    { [ $# -ge 5 ] && [ $(( ($# - 3) % 2 )) -eq 0 ]; } \
      || die "usage: $0 setup PORT TABLE SECRET_ID SECRET_FILE [SECRET_ID SECRET_FILE]..."
    port="$2" table="$3"; shift 3
    secrets=()
    while [ $# -gt 0 ]; do secrets+=(--secret-id "$1" --secret-file "$2"); shift 2; done
    # CACHE_TABLE and TENANTS_TABLE, when set, name the shared cache's and the tenants' tables to
    # create beside the rate-limit table.
    "$VENV/bin/python" "$ROOT/infra/emulator/setup.py" --endpoint "http://127.0.0.1:$port" \
      --table "$table" ${CACHE_TABLE:+--cache-table "$CACHE_TABLE"} \
      ${TENANTS_TABLE:+--tenants-table "$TENANTS_TABLE"} "${secrets[@]}"
    ;;
  stop) stop ;;
  *) echo "usage: $0 start [PORT] | setup PORT TABLE SECRET_ID SECRET_FILE [SECRET_ID SECRET_FILE]... | stop" >&2; exit 2 ;;
esac
