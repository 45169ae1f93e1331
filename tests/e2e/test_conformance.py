"""The official conformance suite, every server scenario, on both protocol wires.

The suite cannot send a bearer token, so it talks to the endpoint through `auth_proxy.AuthProxy`.
Checks that cannot apply to this server (it has no fixture tools, prompts or resources) are listed,
each with its reason, in conformance-expected-failures.yml; anything else failing, or a listed
check passing, fails the test.
"""
import subprocess

import pytest

from conftest import E2E, NPM_DIR, node_env


@pytest.mark.parametrize("wire", ["2025-11-25", "2026-07-28"])
def test_conformance_suite(wire, proxy, tmp_path):
    cmd = [
        "npx", "--no-install", "@modelcontextprotocol/conformance", "server",
        "--url", proxy.url, "--suite", "all", "--spec-version", wire,
        "--expected-failures", str(E2E / "conformance-expected-failures.yml"),
        "-o", str(tmp_path / "results"),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=NPM_DIR, env=node_env())
    summary = done.stdout[done.stdout.find("=== SUMMARY ==="):]
    assert done.returncode == 0, f"{summary}\n{done.stderr[-3000:]}"
    assert "Baseline check passed" in done.stdout
    # The scenarios that fully apply must really have run and passed on this wire.
    must_pass = {
        "2025-11-25": ["server-initialize", "ping", "tools-list", "dns-rebinding-protection"],
        "2026-07-28": ["tools-list", "http-header-validation", "dns-rebinding-protection",
                       "sep-2164-resource-not-found"],
    }[wire]
    for scenario in must_pass:
        line = next((l for l in summary.splitlines() if f" {scenario}:" in l), "")
        assert line.lstrip().startswith("✓") and " 0 failed" in line, f"{scenario}: {line!r}\n{summary}"
