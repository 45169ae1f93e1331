#!/usr/bin/env bash
# Installs what the project needs beyond Rust, Python 3 and Node into .tools/ (idempotent).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
for req in "$ROOT"/infra/requirements-*.txt; do
  pip_ensure "$req"
done
