"""The endpoint's HTTP contract through the real binary and router: what a client meets before
any MCP library gets involved (discovery of the authorization server, methods, origins)."""
import base64
import json
import os
import re
import subprocess
import urllib.error
import urllib.request

from conftest import emulator_python, post

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


def test_the_shared_cache_table_holds_nothing_readable(stack, token):
    """A search fills the shared cache (the caller's upstream tokens, the snippets' text); what
    the table then holds names no user, no source, no document and no token."""
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "workplace_search", "arguments": {"query": "quarterly budget", "sources": ["google_drive", "notion"]}}}
    status, _, body = post(stack.mcp_url, call, token)
    assert status == 200 and not body["result"]["isError"], body
    text = json.dumps(body["result"]["structuredContent"])
    script = (
        "import boto3, json, sys\n"
        "t = boto3.client('dynamodb', endpoint_url=sys.argv[1], region_name='us-east-1',"
        " aws_access_key_id='test', aws_secret_access_key='test')\n"
        "items = t.scan(TableName='workplace-mcp-cache')['Items']\n"
        "print(json.dumps([{k: (v.get('S') or v.get('N') or v['B'].hex()) for k, v in i.items()} for i in items]))\n"
    )
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or "http://127.0.0.1:9010"
    done = subprocess.run([str(emulator_python()), "-c", script, endpoint], check=True, timeout=60,
                          capture_output=True, text=True)
    items = json.loads(done.stdout)
    assert {i["part"] for i in items} == {"token", "text"}, items
    dump = done.stdout.lower()
    hits = body["result"]["structuredContent"]["results"]
    # Words of the snippets (not those spelled in hex digits, which any hex dump may hold).
    words = [w for h in hits for w in re.findall(r"[A-Za-z]{6,}", h.get("snippet") or "")
             if not re.fullmatch(r"[a-fA-F]+", w)][:50]
    subject = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["sub"]
    for secret in [token[-40:], subject, "dev@acme.example", "google_drive", "notion", *words]:
        for form in (secret.lower(), secret.encode().hex(), base64.b64encode(secret.encode()).decode().lower()):
            assert form not in dump, f"the cache table shows {secret!r}"
    assert words and text, "the search found nothing to look for"
