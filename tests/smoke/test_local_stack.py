"""The README's promise, checked as a new user would: `make dev`'s stack answers the printed curl
commands with seed-shaped responses. Standard library only; run by tests/smoke/run.sh."""
import json
import os
import unittest
import urllib.error
import urllib.request

# Every source's wire name (shared/record/src/source.rs), in the order answers list them.
EVERY_SOURCE = ("google_drive", "notion", "sharepoint", "gmail", "outlook_mail", "salesforce",
                "google_calendar", "outlook_calendar")

BASE = os.environ.get("WORKPLACE_BASE_URL", "http://127.0.0.1:9000")
TOKEN = open(os.environ.get("WORKPLACE_TOKEN_FILE", ".dev/token")).read().strip()


def call(method, path, body=None, token=TOKEN, content_type="application/json"):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


class LocalStack(unittest.TestCase):
    def test_health_and_metadata(self):
        status, _, body = call("GET", "/health", token=None)
        self.assertEqual((status, body["status"]), (200, "ok"))
        status, _, body = call("GET", "/.well-known/oauth-protected-resource", token=None)
        self.assertEqual(body["resource"], BASE + "/mcp")
        self.assertEqual(body["bearer_methods_supported"], ["header"])

    def test_the_printed_curl_returns_ranked_results_from_every_source(self):
        status, headers, body = call(
            "POST", "/mcp/tools/workplace_search/call",
            {"name": "workplace_search", "arguments": {"query": "quarterly budget"}},
        )
        self.assertEqual(status, 200, body)
        self.assertFalse(body["isError"])
        # The JSON once, in structuredContent; the text is the summary and a compact rendering.
        text, rendering = body["content"]
        self.assertEqual(text["text"], "Found 10 results for 'quarterly budget'")
        self.assertTrue(rendering["text"].startswith("Found 10 results for 'quarterly budget'\n"))
        self.assertEqual(rendering["text"].count("\nResult "), 10)
        self.assertEqual(body["structuredContent"]["content_trust"], "third_party")
        payload = body["structuredContent"]
        # `make dev` turns every source on: the three document stores, mail, calendars and the CRM.
        self.assertEqual({s["source"]: s["status"] for s in payload["sources"]},
                         {source: "ok" for source in EVERY_SOURCE})
        self.assertLessEqual({"google_drive", "notion", "sharepoint"},
                             {r["source"] for r in payload["results"]})
        scores = [r["score"] for r in payload["results"]]
        self.assertEqual(scores, sorted(scores, reverse=True))
        self.assertIn("ratelimit", {k.lower() for k in headers})

    def test_fetch_returns_a_documents_text(self):
        _, _, body = call("POST", "/mcp/tools/workplace_search/call",
                          {"arguments": {"query": "quarterly budget", "sources": ["notion"]}})
        first = body["structuredContent"]["results"][0]
        status, _, body = call("POST", "/mcp/tools/fetch/call", {"arguments": {"id": first["id"], "max_chars": 200}})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["structuredContent"]["title"], first["title"])
        self.assertTrue(body["structuredContent"]["text"])

    def test_auth_failures(self):
        status, headers, body = call("GET", "/mcp/tools", token=None)
        self.assertEqual(status, 401)
        self.assertIn("resource_metadata=", headers["www-authenticate"])
        status, _, body = call("GET", "/mcp/tools", token="not-a-token")
        self.assertEqual((status, body["error"]["code"]), (401, "unauthorized"))
        status, _, body = call("POST", "/mcp/tools/workplace_search/call", {"arguments": {"query": ""}})
        self.assertEqual((status, body["error"]["code"]), (422, "invalid_arguments"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
