#!/usr/bin/env bash
# The Cequence extension under an emulated Extensions + Telemetry API, with a controllable OTLP sink.
set -euo pipefail
source "$(dirname "$0")/../../infra/scripts/lib.sh"
cd "$ROOT"
pip_ensure "$ROOT/infra/requirements-emulator.txt"
pip_ensure "$ROOT/infra/requirements-test.txt"
cargo build --quiet -p cequence-extension
cd tests/extension
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider test_extension.py
