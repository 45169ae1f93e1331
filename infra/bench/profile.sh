#!/usr/bin/env bash
# `make profile`: where a warm three-source MCP search spends its instructions. Runs `make bench`'s
# harness on the `profiling` build (the release build with symbols) for the MCP scenarios with
# and without the limiter, under callgrind only, keeps both callgrind runs per scenario, and
# writes the per-part split (infra/bench/attribute.py) to .dev/bench/attribution-<scenario>.md.
# Not part of `make test`. Knobs: BENCH_ONLY (scenario keys), BENCH_COUNT (timed invocations
# before the callgrind runs, 20), and every `make bench` knob.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null \
  || die "valgrind (with callgrind_annotate) is needed for make profile"

export BENCH_PROFILE=profiling BENCH_RUST_CALLGRIND=1 BENCH_PYTHON_CALLGRIND=0 BENCH_CALLGRIND_KEEP=1
export BENCH_ONLY="${BENCH_ONLY:-^(mcp-3|mcp-3-norl)$}"
export BENCH_FUNCTIONS="${BENCH_FUNCTIONS:-mcp}"
export BENCH_COUNT="${BENCH_COUNT:-20}"
infra/bench/run.sh

shopt -s nullglob
for more in .dev/bench/callgrind/*.out; do
  # Each scenario left <key>-<W>.out and <key>-<W+N>.out; pair them by key.
  name="$(basename "$more" .out)"; key="${name%-*}"; total="${name##*-}"
  warm=(.dev/bench/callgrind/"$key"-[0-9]*.out)
  [ "${#warm[@]}" = 2 ] || continue
  first="$(basename "${warm[0]}" .out)"; second="$(basename "${warm[1]}" .out)"
  a="${first##*-}"; b="${second##*-}"
  [ "$total" = "$(( a > b ? a : b ))" ] || continue
  low=$(( a < b ? a : b ))
  out=".dev/bench/attribution-$key.md"
  python3 infra/bench/attribute.py ".dev/bench/callgrind/$key-$low.out" "$more" --calls $(( total - low )) >"$out"
  log "$key: $(head -1 "$out") (table in $out)"
done
