"""A Python MCP SDK 2.x client: one scenario per run, observations printed as one JSON object.

Usage: python sdk2_client.py SCENARIO URL TOKEN [ARGS...]
Scenarios: session (list tools, search, fetch), list (list tools only), search_sources SOURCES...
"""
import asyncio
import json
import sys

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


# Every HTTP status the server answered, in order: the SDK reports a 401/403 as a generic error,
# so the test reads the statuses here.
STATUSES: list[int] = []


async def record_status(response) -> None:
    STATUSES.append(response.status_code)


async def connect_and(url: str, token: str, action):
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(
        headers=headers,
        timeout=httpx2.Timeout(30.0, read=120.0),
        event_hooks={"response": [record_status]},
    ) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            return await action(client)


def dump(result) -> dict:
    return {
        "is_error": bool(result.is_error),
        "structured": result.structured_content,
        "text": [c.text for c in result.content if getattr(c, "type", "") == "text"],
    }


# A filtered search paged three results at a time to its end, and the same search in one call.
PAGED = {"query": "budget", "filters": {"type": ["document", "spreadsheet", "pdf"], "modified_after": "2020-01-01"}}


async def paging(client, structured_of) -> dict:
    pages, args = [], dict(PAGED, max_results=3)
    while len(pages) < 30:
        result = await client.call_tool("workplace_search", args)
        page = structured_of(result) or {}
        pages.append({"ids": [r["id"] for r in page.get("results", [])], "is_error": bool(getattr(result, "isError", None) or getattr(result, "is_error", False)),
                      "structured": page})
        if not page.get("next_cursor"):
            break
        args = dict(args, cursor=page["next_cursor"])
    whole = structured_of(await client.call_tool("workplace_search", dict(PAGED, max_results=50))) or {}
    return {"pages": pages, "whole": [r["id"] for r in whole.get("results", [])]}


async def session(client) -> dict:
    tools = await client.list_tools()
    search = await client.call_tool("workplace_search", {"query": "quarterly budget", "max_results": 5})
    out = {
        "protocol_version": getattr(client, "protocol_version", None),
        "tools": [t.name for t in tools.tools],
        "output_schemas": [t.output_schema is not None for t in tools.tools],
        "search": dump(search),
    }
    results = (search.structured_content or {}).get("results") or []
    first_id = results[0]["id"] if results else "google_drive:does-not-exist"
    out["fetch"] = dump(await client.call_tool("fetch", {"id": first_id, "max_chars": 200}))
    out["invalid"] = dump(await client.call_tool("workplace_search", {"query": ""}))
    out["paging"] = await paging(client, lambda r: r.structured_content)
    return out


async def comment(client, item_id, text) -> dict:
    return {"comment": dump(await client.call_tool("add_comment", {"id": item_id, "text": text}))}


async def search_sources(client, sources) -> dict:
    return {"search": dump(await client.call_tool("workplace_search", {"query": "budget", "sources": sources}))}


async def main() -> int:
    scenario, url, token, *args = sys.argv[1:]
    try:
        if scenario == "session":
            out = await connect_and(url, token, session)
        elif scenario == "list":
            out = await connect_and(url, token, lambda c: c.list_tools())
            out = {"tools": [t.name for t in out.tools]}
        elif scenario == "search_sources":
            out = await connect_and(url, token, lambda c: search_sources(c, args))
        elif scenario == "comment":
            out = await connect_and(url, token, lambda c: comment(c, *args))
        else:
            raise SystemExit(f"unknown scenario {scenario}")
        out["ok"] = True
    except BaseException as exc:  # noqa: BLE001 - the test inspects whatever the SDK raised
        out = {"ok": False, "error": describe(exc)}
    out["http_statuses"] = STATUSES
    print(json.dumps(out, default=str))
    return 0


def describe(exc: BaseException) -> dict:
    """Flattens exception groups, and finds an HTTP status if the SDK kept one."""
    leaves = []

    def walk(e):
        if isinstance(e, BaseExceptionGroup):
            for sub in e.exceptions:
                walk(sub)
        else:
            leaves.append(e)
            if e.__cause__ is not None:
                walk(e.__cause__)

    walk(exc)
    statuses = []
    for e in leaves:
        response = getattr(e, "response", None)
        if response is not None and getattr(response, "status_code", None):
            statuses.append(response.status_code)
    return {
        "types": [type(e).__name__ for e in leaves],
        "messages": [str(e) for e in leaves],
        "statuses": statuses,
    }


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
