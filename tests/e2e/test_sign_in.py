"""Signing in from a bare URL with real clients, headless: the local authorization server in the
fakes plays Descope (metadata, dynamic registration, PKCE, consent, RS256 tokens for our resource),
and the server verifies its tokens through the JWKS path production uses.

- Python MCP SDK 1.x's OAuthClientProvider and the TypeScript SDK's auth provider each go from the
  URL alone to a `workplace_search`, approving the consent page as a chosen demo user, and see only
  that user's documents.
- Claude Code's `claude mcp list` (no account needed) shows a header-configured server as connected
  and an unauthenticated one as needing authentication.
"""
import json
import os
import subprocess

import pytest

from conftest import NPM_DIR, VENVS, assert_schema_valid, demo_acl, node_env, run_json
from test_typescript_sdk import install_script, ts

QUERY = "quarterly budget"


def visible_to(user: str, titles: list[str]) -> bool:
    acl = demo_acl()
    groups = set(acl["users"][user])
    return all(set(acl["titles"][t]) & groups for t in titles if t in acl["titles"])


def test_python_sdk_signs_in_as_the_chosen_user_and_sees_only_their_documents(stack, searchable, output_schemas):
    out = run_json([str(VENVS["sdk1"]), "tests/e2e/clients/sdk1_oauth.py", stack.mcp_url, "U2carol", QUERY])
    assert out["ok"], out
    assert out["client_registered"] and out["has_refresh_token"], out
    assert "code_challenge_method=S256" in out["authorization_url"]
    assert "resource=" in out["authorization_url"]
    assert not out["is_error"], out
    assert_schema_valid(output_schemas, "workplace_search", out["structured"])
    if searchable:
        titles = [r["title"] for r in out["structured"]["results"]]
        assert titles, out
        # Carol (hr) must not see the finance/leadership budgets that Alice sees below.
        assert "FY2027 Q1 Quarterly Budget" not in titles
        assert visible_to("U2carol", titles), titles


def test_typescript_sdk_signs_in_as_the_chosen_user_and_sees_only_their_documents(stack, searchable, output_schemas):
    install_script()
    out = ts("oauth", stack.mcp_url, "U2alice", QUERY)
    assert out["ok"], out
    assert out["first_connect_unauthorized"], out
    assert "code_challenge_method=S256" in out["authorization_url"]
    search = out["search"]
    assert not search["threw"] and search["schema_valid"], search
    assert_schema_valid(output_schemas, "workplace_search", search["structured"])
    assert not search["is_error"], search
    if searchable:
        titles = [r["title"] for r in search["structured"]["results"]]
        assert "FY2027 Q1 Quarterly Budget" in titles, titles
        assert visible_to("U2alice", titles), titles


def claude(home, *args: str) -> subprocess.CompletedProcess:
    env = dict(
        node_env(), HOME=str(home), CLAUDE_CONFIG_DIR=str(home / ".claude"),
        DISABLE_AUTOUPDATER="1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1", DISABLE_TELEMETRY="1",
    )
    env.pop("ANTHROPIC_API_KEY", None)
    binary = NPM_DIR / "node_modules" / ".bin" / "claude"
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=180, env=env,
                          cwd=str(home))


def test_claude_code_lists_the_token_server_connected_and_the_bare_one_needing_sign_in(stack, token, tmp_path):
    added = claude(tmp_path, "mcp", "add", "--transport", "http", "workplace-token", stack.mcp_url,
                   "--header", f"Authorization: Bearer {token}")
    assert added.returncode == 0, added.stderr + added.stdout
    added = claude(tmp_path, "mcp", "add", "--transport", "http", "workplace-signin", stack.mcp_url)
    assert added.returncode == 0, added.stderr + added.stdout
    listed = claude(tmp_path, "mcp", "list")
    text = listed.stdout + listed.stderr
    lines = {line.split(":", 1)[0].strip(): line for line in text.splitlines() if ":" in line}
    assert "Connected" in lines.get("workplace-token", ""), text
    assert "authenticat" in lines.get("workplace-signin", "").lower(), text
    assert token not in text
