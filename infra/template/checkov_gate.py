"""Reads checkov's JSON report of the transformed template and fails unless it is clean.

Clean means: checkov ran checks (a report of nothing passes nothing), none failed, and every check
it skipped was skipped by a suppression in template.yaml that says why (checkov reports the
comment). Usage: python checkov_gate.py REPORT_JSON
"""

from __future__ import annotations

import json
import sys

#: The shortest reason accepted for a suppression: a sentence, not a placeholder.
MIN_REASON = 60


def main(path: str) -> int:
    with open(path, encoding="utf-8") as handle:
        report = json.load(handle)
    if isinstance(report, list):  # one entry per framework
        report = next(r for r in report if r.get("check_type") == "cloudformation")
    results = report["results"]
    summary = report["summary"]
    problems = []
    if summary["passed"] == 0:
        problems.append("checkov passed no check: did it read the template?")
    for check in results.get("failed_checks", []):
        problems.append(f"FAILED {check['check_id']} on {check['resource']}: {check['check_name']}")
    for check in results.get("skipped_checks", []):
        reason = (check.get("check_result") or {}).get("suppress_comment") or ""
        if len(reason.strip()) < MIN_REASON:
            problems.append(f"SKIPPED {check['check_id']} on {check['resource']} without a reason")
    print(
        f"checkov: {summary['passed']} passed, {summary['failed']} failed, "
        f"{summary['skipped']} suppressed with a reason"
    )
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
