#!/usr/bin/env bash
# Fuzzes each parser of workplace-extract for a bounded time (FUZZ_SECONDS each, default 60),
# seeded with the demo files of infra/fakes/corpus/files. Needs cargo-fuzz (installed into
# .tools/cargo on first use) and a nightly toolchain for the sanitizer flags; without one, the
# stable toolchain is used with RUSTC_BOOTSTRAP=1, which unlocks the same unstable flags.
# Crashes are saved under shared/extract/fuzz/artifacts/<target>/ and fail the run.
set -euo pipefail
source "$(dirname "$0")/../../../infra/scripts/lib.sh"
FUZZ="$ROOT/shared/extract/fuzz"
FILES="$ROOT/infra/fakes/corpus/files"
SECONDS_EACH="${FUZZ_SECONDS:-60}"
TARGETS="${FUZZ_TARGETS:-docx xlsx pptx pdf csv}"

export PATH="$TOOLS/cargo/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null; then
  log "installing cargo-fuzz into .tools/cargo"
  cargo install cargo-fuzz --locked --root "$TOOLS/cargo" >/dev/null
fi
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly)
else
  log "no nightly toolchain: using stable with RUSTC_BOOTSTRAP=1"
  export RUSTC_BOOTSTRAP=1
  toolchain=()
fi

seed() {
  local target="$1" dir="$FUZZ/corpus/$1"
  mkdir -p "$dir"
  case "$target" in
    csv) python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(next(x["text"] for x in d["documents"] if x["title"]=="Quarterly budget tracker FY2027"), end="")' \
           "$FILES/../demo.json" > "$dir/tracker.csv" ;;
    *) cp "$FILES"/*."$target" "$dir/" ;;
  esac
}

cd "$FUZZ"
for target in $TARGETS; do
  seed "$target"
  log "fuzzing $target for ${SECONDS_EACH}s"
  log_file="$FUZZ/artifacts/$target.log"
  mkdir -p "$FUZZ/artifacts"
  status=0
  cargo "${toolchain[@]}" fuzz run "$target" "corpus/$target" -- \
    -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
    >"$log_file" 2>&1 || status=$?
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log_file" || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$log_file" >&2
    die "fuzz target $target failed (exit $status); inputs in shared/extract/fuzz/artifacts/$target/"
  fi
done
log "fuzzing done: no crashes"
