#!/usr/bin/env python3
"""The parameter overrides of one stage's deploy, one `Key=Value` per line.

A stage's settings live in samconfig.toml (`[<stage>.deploy.parameters].parameter_overrides`,
reviewed like code). What belongs to the organisation deploying it (its domain, Descope project,
collector, alarm topic) is not in the repository: each such template parameter may be given as an
environment variable named after it in upper snake case (`PublicBaseUrl` -> `PUBLIC_BASE_URL`),
which the pipeline fills from the GitHub environment's variables. An environment value wins over
samconfig's. Every template parameter without a default must end up set, or this fails naming them.

Usage: stage_params.py STAGE   (standard library only, run from anywhere)
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def template_parameters(template: str) -> dict[str, bool]:
    """Parameter name -> whether it has a default, from the template's `Parameters:` section."""
    section = re.search(r"^Parameters:\n(.*?)^\S", template, re.S | re.M)
    if section is None:
        raise SystemExit("error: template.yaml has no Parameters section")
    params: dict[str, bool] = {}
    for block in re.split(r"^  (?=[A-Za-z0-9]+:\s*$)", section.group(1), flags=re.M):
        name = re.match(r"([A-Za-z0-9]+):\s*$", block.splitlines()[0]) if block.strip() else None
        if name:
            params[name.group(1)] = bool(re.search(r"^    Default:", block, re.M))
    return params


def env_name(parameter: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", parameter).upper()


def stage_overrides(samconfig: dict, stage: str) -> dict[str, str]:
    try:
        entries = samconfig[stage]["deploy"]["parameters"]["parameter_overrides"]
    except KeyError:
        raise SystemExit(f"error: samconfig.toml has no [{stage}.deploy.parameters] parameter_overrides")
    if isinstance(entries, str):
        entries = entries.split()
    out = {}
    for entry in entries:
        key, sep, value = entry.partition("=")
        if not sep:
            raise SystemExit(f"error: samconfig.toml [{stage}]: `{entry}` is not Key=Value")
        out[key] = value
    return out


def resolve(stage: str, env: dict[str, str], root: Path = ROOT) -> dict[str, str]:
    params = template_parameters((root / "template.yaml").read_text())
    samconfig = tomllib.loads((root / "samconfig.toml").read_text())
    values = stage_overrides(samconfig, stage)
    unknown = sorted(set(values) - set(params))
    if unknown:
        raise SystemExit(f"error: samconfig.toml [{stage}] sets unknown parameters: {', '.join(unknown)}")
    for name in params:
        value = env.get(env_name(name), "").strip()
        if value:
            values[name] = value
    missing = sorted(n for n, has_default in params.items() if not has_default and not values.get(n))
    if missing:
        names = ", ".join(f"{n} (env {env_name(n)})" for n in missing)
        raise SystemExit(f"error: stage {stage}: required parameters not set: {names}")
    bad = sorted(n for n, v in values.items() if re.search(r"\s", v))
    if bad:
        raise SystemExit(f"error: stage {stage}: values may not contain whitespace: {', '.join(bad)}")
    return values


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    for key, value in resolve(argv[1], dict(os.environ)).items():
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
