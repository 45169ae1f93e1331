"""The Python MCP SDK against the real endpoint: 1.x (initialize handshake) and 2.x (2026-07-28)."""
import json
import os
import urllib.request

import pytest

from conftest import VENVS, assert_pages_add_up, assert_schema_valid, run_json
from mint_token import ALL_SCOPES

CLIENTS = {
    "sdk1": "tests/e2e/clients/sdk1_client.py",
    "sdk2": "tests/e2e/clients/sdk2_client.py",
}
# What each SDK negotiates with a dual-era server.
PROTOCOL = {"sdk1": "2025-11-25", "sdk2": "2026-07-28"}


def client(sdk: str, *args: str) -> dict:
    return run_json([str(VENVS[sdk]), CLIENTS[sdk], *args])


@pytest.mark.parametrize("sdk", ["sdk1", "sdk2"])
def test_lists_tools_and_calls_search_and_fetch(sdk, stack, token, searchable, output_schemas):
    out = client(sdk, "session", stack.mcp_url, token)
    assert out["ok"], out
    for name, tool in [("search", "workplace_search"), ("fetch", "fetch"), ("invalid", "workplace_search")]:
        assert_schema_valid(output_schemas, tool, out[name]["structured"])
    assert out["protocol_version"] == PROTOCOL[sdk]
    assert out["tools"] == ["workplace_search", "fetch", "search", "add_comment", "list_events"]
    assert out["output_schemas"] == [True, True, True, True, True]

    search = out["search"]["structured"]
    assert set(search) >= {"results", "total_count", "sources"}
    # The local stack turns every source on: documents, mail, the CRM and calendars.
    assert {s["source"] for s in search["sources"]} == {
        "google_drive", "notion", "sharepoint", "gmail", "outlook_mail", "salesforce",
        "google_calendar", "outlook_calendar"}
    assert out["search"]["text"] and out["search"]["text"][0]
    if searchable:
        assert search["results"], out
        assert not out["search"]["is_error"]
        assert out["search"]["text"][0].startswith("Found ")
        fetched = out["fetch"]
        assert not fetched["is_error"], fetched
        assert fetched["structured"]["id"] == search["results"][0]["id"]
        assert fetched["structured"]["text"]
    else:
        # A stack without upstream connectors: every source reports why, and fetch explains too.
        assert out["search"]["is_error"]
        assert all(s["status"] != "ok" and s.get("message") for s in search["sources"])
        assert out["fetch"]["is_error"] and out["fetch"]["text"][0].startswith("Could not fetch")

    if searchable:
        assert_pages_add_up(out["paging"], lambda page: assert_schema_valid(output_schemas, "workplace_search", page["structured"]))

    invalid = out["invalid"]
    assert invalid["is_error"]
    assert invalid["structured"]["error"] == {
        "code": "invalid_arguments", "field": "query", "message": invalid["structured"]["error"]["message"],
    }
    assert "query" in invalid["text"][0]


@pytest.mark.parametrize("sdk", ["sdk1", "sdk2"])
def test_a_bad_token_is_refused_with_401(sdk, stack):
    expired = stack.token(exp=1_000_000)
    for bad in ["not-a-jwt", expired]:
        out = client(sdk, "list", stack.mcp_url, bad)
        assert not out["ok"], out
        assert out["http_statuses"] and set(out["http_statuses"]) == {401}, out


@pytest.mark.parametrize("sdk", ["sdk1", "sdk2"])
def test_a_missing_scope_is_refused_with_403(sdk, stack, output_schemas):
    notion_only = stack.token(scope="workplace:read:notion")
    out = client(sdk, "search_sources", stack.mcp_url, notion_only, "google_drive")
    assert not out["ok"], out
    assert out["http_statuses"][-1] == 403, out
    # The same token lists tools and searches what it may search.
    out = client(sdk, "search_sources", stack.mcp_url, notion_only, "notion")
    assert out["ok"], out
    assert_schema_valid(output_schemas, "workplace_search", out["search"]["structured"])
    assert [s["source"] for s in out["search"]["structured"]["sources"]] == ["notion"]


WRITE = "workplace:write:comments"
# Both shared with everyone in the demo workspace (infra/fakes/corpus/demo.json).
COMMENTABLE = {
    "google_drive:1AcmeDrv007x7Hq2LmZ9pR4tW": "drive.comments",
    "notion:00000005-5d1c-4f7e-9a2b-ac0e00000005": "notion.comments",
}


def fake_requests(route: str) -> list[dict] | None:
    """The fakes' request log for `route`, when the stack's fakes are reachable (FAKES_URL)."""
    base = os.environ.get("FAKES_URL")
    if not base:
        return None
    with urllib.request.urlopen(f"{base}/_fake/requests", timeout=30) as response:
        return [r for r in json.load(response) if r["route"] == route]


@pytest.mark.parametrize("sdk", ["sdk1", "sdk2"])
def test_add_comment_comments_on_drive_and_notion_with_the_write_scope(sdk, stack, searchable, output_schemas):
    if not searchable:
        pytest.skip("the endpoint has no upstream connectors to comment through")
    token = stack.token(scope=f"{ALL_SCOPES} {WRITE}")
    for item, route in COMMENTABLE.items():
        text = f"e2e {sdk}: please review {item}"
        out = client(sdk, "comment", stack.mcp_url, token, item, text)
        assert out["ok"], out
        result = out["comment"]
        assert not result["is_error"], result
        assert_schema_valid(output_schemas, "add_comment", result["structured"])
        structured = result["structured"]
        assert structured["id"] == item
        assert structured["source"] == item.split(":")[0]
        assert structured["comment_id"] and structured["url"].startswith("http"), structured
        assert structured["comment_id"] in result["text"][0]
        seen = fake_requests(route)
        if seen is not None:
            posted = [r for r in seen if r["method"] == "POST" and text in (r.get("body") or "")]
            assert len(posted) == 1, seen


@pytest.mark.parametrize("sdk", ["sdk1", "sdk2"])
def test_add_comment_is_refused_without_the_write_scope(sdk, stack, output_schemas):
    item = "notion:00000005-5d1c-4f7e-9a2b-ac0e00000005"
    text = f"e2e {sdk}: refused without the write scope"
    for scope in [ALL_SCOPES, WRITE]:
        out = client(sdk, "comment", stack.mcp_url, stack.token(scope=scope), item, text)
        assert not out["ok"], out
        assert out["http_statuses"][-1] == 403, out
    seen = fake_requests("notion.comments")
    if seen is not None:
        assert not [r for r in seen if text in (r.get("body") or "")], seen
    # SharePoint answers a readable tool error, not an HTTP error.
    token = stack.token(scope=f"{ALL_SCOPES} {WRITE}")
    out = client(sdk, "comment", stack.mcp_url, token, "sharepoint:b!abc/01ACMESP0002Q3ZWBTUFOFD3GSPGO", "hi")
    assert out["ok"], out
    assert out["comment"]["is_error"]
    assert out["comment"]["structured"]["error"]["code"] == "not_supported"
    assert_schema_valid(output_schemas, "add_comment", out["comment"]["structured"])
