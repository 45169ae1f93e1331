#!/usr/bin/env bash
# Runs the coverage-guided fuzz targets of fuzz/ (cargo fuzz, libFuzzer): bearer, arguments,
# envelope, fetch_id, notion_blocks, telemetry. Each target starts from its committed seeds
# (fuzz/seeds/<target>/, written by fuzz/seeds/generate.py) and grows a working corpus in the
# git-ignored fuzz/corpus/<target>/; a crash, a failed invariant, a leak or a timeout fails the run
# and leaves the input in fuzz/artifacts/<target>/.
#
#   fuzz/run.sh            long runs (`make fuzz`): FUZZ_SECONDS each, default 300
#   fuzz/run.sh --smoke    short runs (`make security`): FUZZ_SMOKE_SECONDS each, default 10
#   FUZZ_TARGETS="bearer fetch_id" fuzz/run.sh   only these targets
#
# cargo-fuzz is installed into .tools/cargo on first use. Sanitizer instrumentation needs
# nightly flags: the stable toolchain is used with RUSTC_BOOTSTRAP=1, as CI has no other. The code fuzzed forbids `unsafe`, so AddressSanitizer is off (`-s none`):
# it would find nothing Rust does not already check, and it doubles build and run time; debug
# assertions (overflow checks) stay on.
set -euo pipefail
source "$(dirname "$0")/../infra/scripts/lib.sh"
FUZZ="$ROOT/fuzz"
CARGO_FUZZ_VERSION=0.13.2
ALL_TARGETS="bearer arguments envelope fetch_id notion_blocks telemetry"
TARGETS="${FUZZ_TARGETS:-$ALL_TARGETS}"
if [ "${1:-}" = "--smoke" ]; then
  SECONDS_EACH="${FUZZ_SMOKE_SECONDS:-10}"
else
  SECONDS_EACH="${FUZZ_SECONDS:-300}"
fi

export PATH="$TOOLS/cargo/bin:$PATH"
if ! cargo-fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  log "installing cargo-fuzz $CARGO_FUZZ_VERSION into .tools/cargo"
  cargo install --quiet --locked --root "$TOOLS/cargo" cargo-fuzz --version "$CARGO_FUZZ_VERSION" \
    || die "cargo install cargo-fuzz failed"
fi
# The machine's one (stable) toolchain, as on CI: libFuzzer's instrumentation flags need
# RUSTC_BOOTSTRAP=1, set only for these builds.
export RUSTC_BOOTSTRAP=1
toolchain=()
# The same flags for build and run, so `run` never rebuilds.
flags=(--sanitizer none)

cd "$FUZZ"
log "building the fuzz targets (release, coverage instrumentation, debug assertions)"
build_start=$SECONDS
cargo "${toolchain[@]}" fuzz build "${flags[@]}" >"$FUZZ/build.log" 2>&1 \
  || { tail -n 40 "$FUZZ/build.log" >&2; die "cargo fuzz build failed (log: fuzz/build.log)"; }
log "built in $((SECONDS - build_start))s"

mkdir -p "$FUZZ/artifacts"
for target in $TARGETS; do
  [ -d "$FUZZ/seeds/$target" ] || die "no seeds for $target: run python3 fuzz/seeds/generate.py"
  mkdir -p "$FUZZ/corpus/$target"
  log "fuzzing $target for ${SECONDS_EACH}s"
  log_file="$FUZZ/artifacts/$target.log"
  status=0
  # The working corpus comes first: libFuzzer adds new inputs to the first folder only, so the
  # committed seeds are read but never written.
  cargo "${toolchain[@]}" fuzz run "${flags[@]}" "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -max_len=16384 \
    -print_final_stats=1 >"$log_file" 2>&1 || status=$?
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log_file" || true
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log_file" >&2
    die "fuzz target $target failed (exit $status); the input is in fuzz/artifacts/$target/"
  fi
done
log "fuzzing done: no crashes in $TARGETS"
