#!/usr/bin/env bash
# Gates beyond fmt and clippy: documentation builds without warnings, every dependency is used,
# and the dependency graph passes cargo-deny's license, ban and source checks (offline, after a
# `cargo fetch` of every platform's crates).
# The two cargo tools are installed once into .tools/cargo at pinned versions.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

CARGO_TOOLS="$TOOLS/cargo"
# cargo_tool_ensure NAME VERSION: `cargo install --locked` into .tools/cargo unless present.
cargo_tool_ensure() {
  local name="$1" version="$2"
  if ! "$CARGO_TOOLS/bin/$name" --version 2>/dev/null | grep -q "$version"; then
    log "installing $name $version into .tools/cargo"
    cargo install --quiet --locked --root "$CARGO_TOOLS" "$name" --version "$version" \
      || die "cargo install $name failed"
  fi
}
cargo_tool_ensure cargo-machete 0.9.2
cargo_tool_ensure cargo-deny 0.20.2

log "cargo doc (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
log "cargo machete (no unused dependencies)"
"$CARGO_TOOLS/bin/cargo-machete"
# cargo-deny runs `cargo metadata`, which needs every crate of Cargo.lock for every platform
# (the Windows and Android ones too), not only what a Linux build downloads: fetch them first, or
# `--offline` fails on a machine whose cargo home holds only what the build needed.
log "cargo fetch (every platform's crates, for cargo-deny's metadata)"
cargo fetch --locked --quiet
log "cargo deny (licenses, bans, sources; offline)"
"$CARGO_TOOLS/bin/cargo-deny" --offline check licenses bans sources
