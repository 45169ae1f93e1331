"""Signing in from a bare URL with real clients, headless: the local authorization server in the
fakes plays Descope (metadata, dynamic registration, PKCE, consent, RS256 tokens for our resource),
and the server verifies its tokens through the JWKS path production uses.

- Python MCP SDK 1.x's OAuthClientProvider and the TypeScript SDK's auth provider each go from the
  URL alone to a `workplace_search`, approving the consent page as a chosen demo user, and see only
  that user's documents. The Python SDK does it twice: registering dynamically (DCR, for older
  clients) and with a Client ID Metadata Document it serves on 127.0.0.1 (CIMD).
- Claude Code's `claude mcp list` (no account needed) shows a header-configured server as connected
  and an unauthenticated one as needing authentication.
"""
import json
import os
import subprocess
from urllib.parse import quote

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
    # Not given a metadata document URL, the SDK registers dynamically even though the server also
    # offers CIMD: DCR keeps working for clients without one.
    assert out["client_id"] and not out["client_id"].startswith("http"), out
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


def test_python_sdk_signs_in_with_a_client_id_metadata_document(stack, searchable, output_schemas):
    out = run_json([str(VENVS["sdk1"]), "tests/e2e/clients/sdk1_oauth.py", stack.mcp_url, "U2carol", QUERY,
                    "--cimd"])
    assert out["ok"], out
    # The URL is the client id, nothing was registered (no secret), and the authorization server
    # fetched the document to learn the client's name and redirect URIs.
    assert out["client_id"] == out["metadata_url"], out
    assert not out["client_secret"], out
    assert out["metadata_fetches"] >= 1, out
    assert "client_id=" + quote(out["metadata_url"], safe="") in out["authorization_url"], out
    assert out["has_refresh_token"], out
    assert not out["is_error"], out
    assert_schema_valid(output_schemas, "workplace_search", out["structured"])
    if searchable:
        titles = [r["title"] for r in out["structured"]["results"]]
        assert titles, out
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


def approve_as(authorization_url: str, user_id: str) -> str:
    """Approves the consent page as `user_id`, as a person would; returns where the browser goes
    next (the client's callback with the code)."""
    import urllib.parse
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    parts = urllib.parse.urlsplit(authorization_url)
    query = urllib.parse.parse_qs(parts.query)
    requested = (query.get("scope") or [""])[0]
    form = [(k, v) for k, values in query.items() if k != "scope" for v in values]
    form += [("requested_scope", requested)] + [("scope", s) for s in requested.split()]
    form += [("user_id", user_id), ("decision", "approve")]
    opener = urllib.request.build_opener(NoRedirect)
    action = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    try:
        opener.open(urllib.request.Request(action, data=urllib.parse.urlencode(form).encode()), timeout=30)
    except urllib.error.HTTPError as answer:  # the 302 back to the client
        return answer.headers["Location"]
    raise AssertionError("the consent page did not redirect back")


def test_mcp_remote_signs_in_headless_and_searches(stack, searchable, output_schemas, tmp_path):
    """mcp-remote (Claude Desktop's stdio bridge) from the bare URL: it registers and, finding no
    browser, prints the authorization URL; the test approves it as Alice and opens the callback, as a
    person pasting the URL into a browser would; then it bridges stdio MCP to the server."""
    import queue
    import re
    import socket
    import threading
    import time
    import urllib.error
    import urllib.request

    from conftest import ROOT

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(node_env(), HOME=str(tmp_path), DISPLAY="")
    binary = NPM_DIR / "node_modules" / ".bin" / "mcp-remote"
    proc = subprocess.Popen([str(binary), stack.mcp_url, str(port), "--host", "127.0.0.1"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=str(ROOT))
    lines: queue.Queue = queue.Queue()
    log: list[str] = []

    def pump(stream, tag):
        for line in stream:
            lines.put((tag, line))

    threading.Thread(target=pump, args=(proc.stdout, "out"), daemon=True).start()
    threading.Thread(target=pump, args=(proc.stderr, "err"), daemon=True).start()
    answers: dict = {}
    try:
        messages = [
            {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "e2e-desktop", "version": "1"}}},
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
             "params": {"name": "workplace_search", "arguments": {"query": QUERY}}},
        ]
        for m in messages:
            proc.stdin.write(json.dumps(m) + "\n")
            proc.stdin.flush()
        while 2 not in answers:
            try:
                tag, line = lines.get(timeout=120)
            except queue.Empty:
                break
            log.append(line)
            found = re.search(r"(http://\S+/authorize\?\S+)", line) if tag == "err" else None
            if found:
                callback = approve_as(found.group(1), "U2alice")
                # mcp-remote prints the URL before its callback server listens: wait for it.
                for _ in range(240):
                    try:
                        urllib.request.urlopen(callback, timeout=60).read()
                        break
                    except urllib.error.URLError:
                        time.sleep(0.5)
            if tag == "out":
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if "id" in message:
                    answers[message["id"]] = message
    finally:
        proc.kill()
    assert 2 in answers, "no tools/call answer; mcp-remote said:\n" + "".join(log)[-3000:]
    result = answers[2]["result"]
    assert_schema_valid(output_schemas, "workplace_search", result.get("structuredContent"))
    assert not result.get("isError"), result
    if searchable:
        titles = [r["title"] for r in result["structuredContent"]["results"]]
        assert "FY2027 Q1 Quarterly Budget" in titles, titles
