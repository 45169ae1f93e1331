"""MCP Inspector's CLI (pinned in tests/e2e/package.json) against the real endpoint."""
import json
import subprocess

from conftest import NPM_DIR, assert_schema_valid, node_env


def inspector(url: str, token: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        "npx", "--no-install", "@modelcontextprotocol/inspector", "--cli", url,
        "--transport", "http", "--header", f"Authorization: Bearer {token}",
        "--stored-auth-only", *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=NPM_DIR, env=node_env())


def output(done: subprocess.CompletedProcess) -> dict:
    """The CLI's JSON answer (stdout)."""
    return last_json(done.stdout, done)


def error(done: subprocess.CompletedProcess) -> dict:
    """The CLI's JSON error (stderr, after npm's warnings)."""
    return last_json(done.stderr, done)["error"]


def last_json(stream: str, done: subprocess.CompletedProcess) -> dict:
    start = 0 if stream.startswith("{") else stream.find("\n{") + 1
    if not stream.startswith("{") and start == 0:
        raise AssertionError(f"no JSON (exit {done.returncode})\n{done.stdout}\n{done.stderr}")
    return json.loads(stream[start:])


def test_tools_list(stack, token):
    done = inspector(stack.mcp_url, token, "--method", "tools/list")
    assert done.returncode == 0, done.stderr
    tools = output(done)["tools"]
    assert [t["name"] for t in tools] == ["workplace_search", "fetch", "search", "add_comment", "list_events"]
    # Every tool only reads, but add_comment, the one write (not idempotent, not destructive).
    assert all(t["annotations"]["readOnlyHint"] for t in tools if t["name"] != "add_comment")
    write = next(t for t in tools if t["name"] == "add_comment")["annotations"]
    assert (write["readOnlyHint"], write["destructiveHint"], write["idempotentHint"], write["openWorldHint"]) == (
        False, False, False, True)


def test_tools_call_workplace_search(stack, token, searchable, output_schemas):
    done = inspector(
        stack.mcp_url, token, "--method", "tools/call",
        "--tool-name", "workplace_search", "--tool-arg", "query=quarterly budget", "--tool-arg", "max_results=3",
    )
    if not searchable:
        # Without upstream connectors every search is an isError result, which the CLI reports
        # as its own error (exit 5) after a successful round trip.
        assert done.returncode == 5 and error(done)["code"] == "tool_is_error", done.stderr
        return
    assert done.returncode == 0, done.stderr
    result = output(done)
    assert result["content"][0]["type"] == "text"
    assert result["content"][0]["text"].startswith("Found ")
    assert {"results", "total_count", "sources"} <= set(result["structuredContent"])
    assert_schema_valid(output_schemas, "workplace_search", result["structuredContent"])


def test_a_bad_token_fails_fast(stack):
    done = inspector(stack.mcp_url, "not-a-jwt", "--method", "tools/list")
    assert done.returncode != 0
    refused = error(done)
    assert refused["code"] == "auth_required"
    # The CLI shows the server's 401 body: the reason the token was refused.
    assert "the bearer token is malformed" in refused["message"]
