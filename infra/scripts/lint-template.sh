#!/usr/bin/env bash
# Checks template.yaml offline with cfn-lint and `sam validate --lint`, installed into their own
# environment (.tools/venv-sam) because the SAM CLI pins its own boto3.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
SAM_VENV="$TOOLS/venv-sam"
REQ="$ROOT/infra/template/requirements.txt"
STAMP="$TOOLS/.stamp-template-requirements.txt"
if [ ! -x "$SAM_VENV/bin/python" ]; then
  python3 -m venv "$SAM_VENV" || die "python3 -m venv failed"
fi
if [ ! -f "$STAMP" ] || ! cmp -s "$REQ" "$STAMP"; then
  log "installing the SAM CLI and cfn-lint into .tools/venv-sam"
  "$SAM_VENV/bin/pip" install --quiet -r "$REQ" || die "pip install -r $REQ failed"
  cp "$REQ" "$STAMP"
fi
export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
log "cfn-lint template.yaml"
"$SAM_VENV/bin/cfn-lint" template.yaml
log "sam validate --lint"
"$SAM_VENV/bin/sam" validate --lint --template-file template.yaml
