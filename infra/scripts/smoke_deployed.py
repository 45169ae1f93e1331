#!/usr/bin/env python3
"""Smoke test of a deployed stack, run by the deploy pipeline after each deploy.

Checks, against the public URL (`McpUrl` output):
  1. GET /health answers 200;
  2. POST /mcp without a token answers 401 with a `WWW-Authenticate` challenge;
  3. with --token-file: an authenticated MCP `tools/list` lists `workplace_search`.

Standard library only. The token is read from a file so it never appears in a process list or log.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request

TOOLS_LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2025-11-25",
}


def call(method: str, url: str, body: dict | None = None, token: str | None = None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=dict(HEADERS))
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def retrying(check, attempts: int, wait: float):
    """A fresh deploy may need a few seconds (DNS, cold starts): retry a failing check."""
    for attempt in range(1, attempts + 1):
        problem = check()
        if problem is None:
            return None
        print(f"  attempt {attempt}: {problem}", file=sys.stderr)
        if attempt < attempts:
            time.sleep(wait)
    return problem


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mcp-url", required=True, help="the stack's McpUrl output")
    parser.add_argument("--token-file", help="a bearer token for the authenticated tools/list")
    parser.add_argument("--attempts", type=int, default=10)
    parser.add_argument("--wait", type=float, default=6.0)
    args = parser.parse_args()
    mcp_url = args.mcp_url.rstrip("/")
    base = mcp_url.removesuffix("/mcp")
    failures = []

    def health():
        status, _, body = call("GET", f"{base}/health")
        return None if status == 200 else f"/health answered {status}: {body[:200]!r}"

    def unauthenticated():
        status, headers, _ = call("POST", mcp_url, TOOLS_LIST)
        challenge = {k.lower(): v for k, v in headers.items()}.get("www-authenticate", "")
        if status == 401 and challenge.startswith("Bearer "):
            return None
        return f"tools/list without a token answered {status} (challenge {challenge!r})"

    checks = [("GET /health", health), ("tools/list without a token is 401", unauthenticated)]
    if args.token_file:
        with open(args.token_file, encoding="utf-8") as f:
            token = f.read().strip()

        def tools_list():
            status, _, body = call("POST", mcp_url, TOOLS_LIST, token)
            if status != 200:
                return f"authenticated tools/list answered {status}: {body[:200]!r}"
            text = body.decode("utf-8", "replace")
            # JSON, or one SSE `data:` line when the server streams.
            payload = next((line[5:] for line in text.splitlines() if line.startswith("data:")), text)
            names = [tool.get("name") for tool in json.loads(payload).get("result", {}).get("tools", [])]
            return None if "workplace_search" in names else f"tools/list listed {names}"

        checks.append(("authenticated tools/list", tools_list))

    for name, check in checks:
        problem = retrying(check, args.attempts, args.wait)
        print(f"{'ok  ' if problem is None else 'FAIL'} {name}")
        if problem is not None:
            failures.append(problem)
    for problem in failures:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
