"""Two organisations side by side on `make dev`'s stack (STACK_TENANTS=1), attacked across the
boundary over HTTP: every route and tool, ids, cursors, caches and limits, then the admin CLI's
changes (tool allow-list, IP allowlist, kill switch) taking effect within the TTL without a
restart, and the usage report showing both. Standard library only; run by tests/tenants/run.sh.

Acme is the demo users (.dev/token is Dana); Globex is its own users and workspace
(.dev/token-globex is Gina). Both sign in through the same local Descope project."""
import json
import os
import subprocess
import time
import unittest
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE = os.environ.get("WORKPLACE_BASE_URL", "http://127.0.0.1:9000")
DEV = os.path.join(ROOT, ".dev")
ADMIN = os.path.join(ROOT, "target", "debug", "workplace-admin")
TTL = int(os.environ.get("TENANTS_TTL_SECONDS", "5"))
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
# What Globex turns on (its `sources` settings, infra/scripts/stack.sh).
GLOBEX_SOURCES = {"google_drive", "notion", "sharepoint"}


def read(name):
    with open(os.path.join(DEV, name)) as f:
        return f.read().strip()


def mint(subject, email):
    """A service token for a demo subject, as .dev/token is made."""
    return subprocess.run(
        ["python3", os.path.join(ROOT, "infra/scripts/mint_token.py"), "--secret-file",
         os.path.join(DEV, "jwt_secret_key"), "--audience", BASE + "/mcp", "--subject", subject,
         "--email", email],
        check=True, capture_output=True, text=True).stdout.strip()


DANA = read("token")
GINA = read("token-globex")
HUGO = mint("U2hugo", "hugo@globex.example")


def call(method, path, token, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def tool(token, name, arguments, headers=None):
    """POST /mcp/tools/{name}/call."""
    return call("POST", f"/mcp/tools/{name}/call", token,
                {"name": name, "arguments": arguments}, headers)


def rpc(token, method, params=None):
    """One JSON-RPC request to /mcp (the MCP endpoint answers JSON)."""
    body = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        body["params"] = params
    return call("POST", "/mcp", token, body, MCP_HEADERS)


def short(body):
    """A response for a failure message, cut to a readable length."""
    text = json.dumps(body)
    return text if len(text) < 600 else text[:600] + "..."


def names(tools):
    return [t["name"] for t in tools or []]


def ids(answer):
    return [r["id"] for r in answer["structuredContent"]["results"]]


def admin(*args):
    env = dict(os.environ, AWS_ENDPOINT_URL=os.environ["AWS_ENDPOINT_URL"], AWS_REGION="us-east-1",
               AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               TENANTS_TABLE=os.environ["TENANTS_TABLE"])
    return subprocess.run([ADMIN, *args], check=True, capture_output=True, text=True, env=env,
                          cwd=ROOT).stdout


def globex_document():
    with open(os.path.join(DEV, "tenants", "globex.json")) as f:
        return json.load(f)


def put_globex(**policy):
    """Writes Globex's document with `policy` through the admin CLI."""
    document = globex_document()
    document["policy"] = policy
    path = os.path.join(DEV, "tenants", "globex-changed.json")
    with open(path, "w") as f:
        json.dump(document, f)
    admin("tenant", "put", path)


def until(check, what):
    """Polls `check` until it holds; a change must show within the TTL (three for slack)."""
    deadline = time.monotonic() + 3 * TTL + 2
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen within {3 * TTL + 2} s")
        time.sleep(0.5)


class Isolation(unittest.TestCase):
    """Nothing of one organisation is reachable from the other, by any route."""

    @classmethod
    def setUpClass(cls):
        status, _, cls.acme = tool(DANA, "workplace_search", {"query": "quarterly budget", "max_results": 5})
        assert status == 200, cls.acme
        status, _, cls.globex = tool(GINA, "workplace_search", {"query": "Globex quarterly budget", "max_results": 5})
        assert status == 200, cls.globex

    def test_each_sees_its_own_workspace_and_sources_only(self):
        acme, globex = ids(self.acme), ids(self.globex)
        self.assertTrue(acme and globex, (self.acme, self.globex))
        self.assertFalse(set(acme) & set(globex))
        # Gina's organisation runs three sources; Acme every one the deployment offers.
        self.assertEqual({s["source"] for s in self.globex["structuredContent"]["sources"]}, GLOBEX_SOURCES)
        self.assertGreater(len(self.acme["structuredContent"]["sources"]), len(GLOBEX_SOURCES))
        for source in self.globex["structuredContent"]["sources"]:
            self.assertEqual(source["status"], "ok", source)
        # Whatever Gina asks, nothing of Acme's comes back (Dana's words included).
        _, _, answer = tool(GINA, "workplace_search", {"query": "quarterly budget", "max_results": 20})
        self.assertFalse(set(ids(answer)) & set(acme), answer)

    def test_an_id_from_one_tenant_fetches_nothing_in_the_other(self):
        for owner, outsider, answer in ((DANA, GINA, self.acme), (GINA, DANA, self.globex)):
            for item in ids(answer)[:3]:
                # The owner reads it first, so its text is in every cache there is...
                status, _, body = tool(owner, "fetch", {"id": item})
                self.assertEqual((status, body["isError"]), (200, False), short(body))
                text = body["structuredContent"]["text"][:120]
                self.assertTrue(text, short(body))
                # ...and still the outsider gets nothing of it, by REST or by MCP.
                status, _, body = tool(outsider, "fetch", {"id": item})
                self.assertTrue(body.get("isError", True), (item, short(body)))
                self.assertNotIn(text, json.dumps(body))
                status, _, body = rpc(outsider, "tools/call", {"name": "fetch", "arguments": {"id": item}})
                self.assertTrue(body["result"]["isError"], (item, short(body)))
                self.assertNotIn(text, json.dumps(body))

    def test_a_cursor_from_one_tenant_is_refused_in_the_other(self):
        arguments = {"query": "quarterly budget", "max_results": 1}
        for owner, outsider in ((DANA, GINA), (GINA, HUGO), (GINA, DANA)):
            query = "quarterly budget" if owner is DANA else "Globex"
            _, _, first = tool(owner, "workplace_search", dict(arguments, query=query))
            cursor = first["structuredContent"].get("next_cursor")
            self.assertTrue(cursor, first)
            status, _, body = tool(outsider, "workplace_search", dict(arguments, query=query, cursor=cursor))
            self.assertEqual(status, 422, body)
            self.assertIn("cursor", body["error"]["message"])
            _, _, body = rpc(outsider, "tools/call", {"name": "workplace_search",
                                                      "arguments": dict(arguments, query=query, cursor=cursor)})
            self.assertTrue(body["result"]["isError"], body)
            status, _, body = tool(owner, "workplace_search", dict(arguments, query=query, cursor=cursor))
            self.assertEqual(status, 200, short(body))

    def test_the_openai_tools_stay_inside_the_tenant(self):
        _, _, body = rpc(GINA, "tools/call", {"name": "search", "arguments": {"query": "quarterly budget"}})
        self.assertFalse(body["result"].get("isError"), short(body))
        found = json.loads(body["result"]["content"][0]["text"])["results"]
        self.assertTrue(found, short(body))
        self.assertFalse({r["id"] for r in found} & set(ids(self.acme)), found)

    def test_writes_and_calendars_stay_inside_the_tenant(self):
        acme_page = next(i for i in ids(self.acme) if i.startswith("notion:"))
        status, _, body = tool(GINA, "add_comment", {"id": acme_page, "text": "Globex was here"})
        self.assertTrue(body.get("isError", True), short(body))
        _, _, body = rpc(GINA, "tools/call", {"name": "add_comment",
                                             "arguments": {"id": acme_page, "text": "Globex was here"}})
        self.assertTrue(body["result"]["isError"], short(body))
        # Globex runs no calendar: Gina has none to list, while Dana's answer.
        window = {"start": "2026-12-01T00:00:00Z", "end": "2026-12-31T00:00:00Z"}
        status, _, body = tool(DANA, "list_events", window)
        self.assertEqual((status, body.get("isError")), (200, False), short(body))
        status, _, body = tool(GINA, "list_events", window)
        self.assertNotEqual(body.get("isError"), False, short(body))

    def test_limits_are_each_tenants_own(self):
        policy = lambda token: {k.lower(): v for k, v in call("GET", "/mcp/tools", token)[1].items()}["ratelimit-policy"]
        # Globex's users have its own burst (`limits` in its document), tighter than any of the
        # deployment's; Acme's have the deployment's.
        self.assertEqual(policy(GINA), '"user";q=50;w=2')
        self.assertNotIn("q=50", policy(DANA))

    def test_a_token_of_no_tenant_is_refused(self):
        self.assertEqual(call("GET", "/mcp/tools", mint("U2carol", "carol@acme.example"))[0], 200)
        # A subject the service-token verifier accepts (SERVICE_TOKEN_SUBJECTS) but no tenant
        # lists: nobody's, on every route.
        stranger = mint("U2stranger", "stranger@acme.example")
        status, _, body = call("GET", "/mcp/tools", stranger)
        self.assertEqual((status, body["error"]["code"]), (403, "policy_denied"), body)
        status, _, body = tool(stranger, "workplace_search", {"query": "budget"})
        self.assertEqual(status, 403, body)
        status, _, body = rpc(stranger, "tools/list")
        self.assertEqual(status, 403, body)


class AdminChanges(unittest.TestCase):
    """Changes written with the admin CLI take effect without a restart, for that tenant only.
    Each function's containers reread the table on their own, so each route is waited for."""

    def tearDown(self):
        put_globex()
        until(lambda: len(call("GET", "/mcp/tools", GINA)[2].get("tools", [])) > 1
              and len(rpc(GINA, "tools/list")[2].get("result", {}).get("tools", [])) > 1
              and tool(GINA, "workplace_search", {"query": "Globex"})[0] == 200,
              "Globex restored on every route")

    def test_a_tool_allow_list_shows_in_tools_list_within_the_ttl(self):
        put_globex(tools=["fetch"])
        until(lambda: names(call("GET", "/mcp/tools", GINA)[2].get("tools")) == ["fetch"],
              "the allow-list at GET /mcp/tools")
        until(lambda: names(rpc(GINA, "tools/list")[2].get("result", {}).get("tools")) == ["fetch"],
              "the allow-list at /mcp tools/list")
        status, _, body = until(
            lambda: (lambda r: r if r[0] == 403 else None)(tool(GINA, "workplace_search", {"query": "budget"})),
            "the allow-list at POST /mcp/tools/workplace_search/call")
        self.assertEqual(body["error"]["code"], "policy_denied", short(body))
        _, _, body = rpc(GINA, "tools/call", {"name": "workplace_search", "arguments": {"query": "budget"}})
        self.assertTrue(body["result"]["isError"], short(body))
        self.assertEqual(body["result"]["structuredContent"]["error"]["code"], "forbidden", short(body))
        # Acme is untouched.
        self.assertGreater(len(call("GET", "/mcp/tools", DANA)[2]["tools"]), 1)
        self.assertEqual(tool(DANA, "workplace_search", {"query": "budget"})[0], 200)

    def test_an_address_outside_the_allowlist_is_refused_and_an_allowed_one_served(self):
        # The stack sees every request from 127.0.0.1: as a gateway in front would, it is a
        # trusted proxy, and the client address is the one it forwards.
        put_globex(ip_allowlist=["198.51.100.0/24"], trusted_proxies=["127.0.0.1/32"])
        outside = {"X-Forwarded-For": "203.0.113.7"}
        inside = {"X-Forwarded-For": "198.51.100.25"}
        until(lambda: call("GET", "/mcp/tools", GINA, headers=outside)[0] == 403, "the allowlist at GET /mcp/tools")
        until(lambda: tool(GINA, "workplace_search", {"query": "Globex"}, outside)[0] == 403,
              "the allowlist at POST /mcp/tools/workplace_search/call")
        until(lambda: call("POST", "/mcp", GINA, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                           dict(MCP_HEADERS, **outside))[0] == 403, "the allowlist at /mcp")
        status, _, body = tool(GINA, "workplace_search", {"query": "Globex"}, outside)
        self.assertEqual(body["error"]["code"], "policy_denied", short(body))
        # The same token from an allowed address works, on every route.
        self.assertEqual(tool(GINA, "workplace_search", {"query": "Globex"}, inside)[0], 200)
        self.assertEqual(call("GET", "/mcp/tools", GINA, headers=inside)[0], 200)
        self.assertEqual(call("POST", "/mcp", GINA, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                              dict(MCP_HEADERS, **inside))[0], 200)
        # No forwarded address: the proxy's own, outside the list.
        self.assertEqual(call("GET", "/mcp/tools", GINA)[0], 403)
        # A forged hop before the real one changes nothing: the nearest untrusted entry counts.
        forged = {"X-Forwarded-For": "198.51.100.25, 203.0.113.7"}
        self.assertEqual(call("GET", "/mcp/tools", GINA, headers=forged)[0], 403)
        # Acme has no allowlist.
        self.assertEqual(call("GET", "/mcp/tools", DANA, headers=outside)[0], 200)

    def test_the_kill_switch_refuses_every_call_with_its_message(self):
        admin("tenant", "disable", "globex", "--message", "Globex is paused for maintenance")
        until(lambda: call("GET", "/mcp/tools", GINA)[0] == 403, "the kill switch at GET /mcp/tools")
        until(lambda: rpc(GINA, "tools/list")[0] == 403, "the kill switch at /mcp")
        status, _, body = until(
            lambda: (lambda r: r if r[0] == 403 else None)(
                tool(GINA, "fetch", {"id": "notion:00000001-5d1c-4f7e-9a2b-ac0e00000001"})),
            "the kill switch at POST /mcp/tools/fetch/call")
        self.assertIn("Globex is paused for maintenance", body["error"]["message"])
        self.assertEqual(call("GET", "/mcp/tools", DANA)[0], 200)
        admin("tenant", "enable", "globex")
        self.assertIn("kill_switch", admin("tenant", "history", "globex"))


class Usage(unittest.TestCase):
    """The usage report reads this run's records and shows both organisations."""

    def test_the_report_shows_both_tenants(self):
        tool(DANA, "workplace_search", {"query": "roadmap"})
        tool(GINA, "workplace_search", {"query": "Globex"})
        log = os.path.join(DEV, "logs", "watch.log")
        report = until(lambda: (lambda r: r if "globex" in r and "acme" in r else None)(
            admin("usage", "--since", "1h", "--logs", log)), "both tenants in the report")
        self.assertIn("acme", report)
        self.assertIn("globex", report)
        one = admin("usage", "--since", "1h", "--logs", log, "--tenant", "globex")
        self.assertNotIn("acme", one)


if __name__ == "__main__":
    unittest.main(verbosity=2)
