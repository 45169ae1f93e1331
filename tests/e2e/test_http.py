"""The endpoint's HTTP contract through the real binary and router: what a client meets before
any MCP library gets involved (discovery of the authorization server, methods, origins)."""
import json
import re
import urllib.error
import urllib.request

from conftest import post

INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}}


def test_401_points_at_protected_resource_metadata_that_names_this_resource(stack):
    status, headers, body = post(stack.mcp_url, INITIALIZE)
    assert status == 401
    assert body["error"]["code"] == "unauthorized"
    challenge = headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="workplace-mcp", resource_metadata="')
    prm_url = re.search(r'resource_metadata="([^"]+)"', challenge).group(1)
    with urllib.request.urlopen(prm_url, timeout=30) as response:
        prm = json.load(response)
    assert prm["resource"] == stack.mcp_url
    assert "workplace:read:notion" in prm["scopes_supported"]


def test_initialize_is_stateless(stack, token):
    status, headers, body = post(stack.mcp_url, INITIALIZE, token)
    assert status == 200
    assert "Mcp-Session-Id" not in headers
    assert body["result"]["serverInfo"]["name"] == "workplace-mcp"
    assert "Notion matches page titles only" in body["result"]["instructions"]


def test_get_and_delete_are_405(stack, token):
    for method in ("GET", "DELETE"):
        request = urllib.request.Request(stack.mcp_url, method=method)
        request.add_header("Accept", "text/event-stream")
        request.add_header("Authorization", f"Bearer {token}")
        try:
            urllib.request.urlopen(request, timeout=30)
            raise AssertionError(f"{method} was accepted")
        except urllib.error.HTTPError as err:
            assert err.code == 405, method
            assert err.headers["Allow"] == "POST"


def test_foreign_origins_and_hosts_are_403(stack, token):
    status, _, body = post(stack.mcp_url, INITIALIZE, token, {"Origin": "https://evil.example"})
    assert status == 403
    assert body["error"]["code"] == -32600
    status, _, _ = post(stack.mcp_url, INITIALIZE, token, {"Host": "evil.example"})
    assert status == 403
