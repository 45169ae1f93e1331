"""The Python reference of `make bench`: the three-source `workplace_search` on the official MCP SDK
(FastMCP, stateless, JSON responses) with httpx, run as a Lambda function by awslambdaric.

It does what the Rust search does on the wire, against the same fakes: one Descope Outbound Apps
token per source (cached for the container's life), then one search request per source, all
sources at once. It does less than the Rust function, which is in its favour: no JWT
verification (the caller's subject is read from the token unverified), no rate limiting, no
Notion snippet round trip (the issue's baseline), no per-call record, and the Descope management
key comes from the environment instead of Secrets Manager.

Entry point: `handler.handler`. Mangum adapts the API Gateway v2 event to the ASGI app; the SDK's
session manager is started once, at Init, on the event loop mangum reuses for every invocation.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os

import httpx
from mangum import Mangum
from mcp.server.fastmcp import FastMCP
from mcp.server.transport_security import TransportSecuritySettings

FAKES = os.environ["REFERENCE_UPSTREAM_URL"]
DESCOPE_AUTH = f"Bearer {os.environ['DESCOPE_PROJECT_ID']}:{os.environ['REFERENCE_DESCOPE_MANAGEMENT_KEY']}"
APPS = {"google_drive": "google-drive", "notion": "notion", "sharepoint": "microsoft"}
DRIVE_FIELDS = "nextPageToken,incompleteSearch,files(id,name,mimeType,webViewLink,modifiedTime,description,driveId,owners(displayName,emailAddress))"

mcp = FastMCP(
    "workplace-reference",
    stateless_http=True,
    json_response=True,
    transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
)
client = httpx.AsyncClient(timeout=8.0)
tokens: dict[tuple[str, str], str] = {}
current_subject = "dev-user"


async def user_token(subject: str, source: str) -> str:
    key = (subject, source)
    if key not in tokens:
        answer = await client.post(
            f"{FAKES}/v1/mgmt/outbound/app/user/token",
            headers={"Authorization": DESCOPE_AUTH},
            json={"appId": APPS[source], "userId": subject, "scopes": []},
        )
        answer.raise_for_status()
        tokens[key] = answer.json()["token"]["accessToken"]
    return tokens[key]


async def search_drive(token: str, query: str, limit: int) -> list[dict]:
    escaped = query.replace("\\", "\\\\").replace("'", "\\'")
    answer = await client.get(
        f"{FAKES}/drive/v3/files",
        headers={"Authorization": f"Bearer {token}"},
        params={
            "q": f"fullText contains '{escaped}' and trashed = false and mimeType != 'application/vnd.google-apps.folder'",
            "fields": DRIVE_FIELDS,
            "pageSize": str(limit),
            "corpora": "allDrives",
            "includeItemsFromAllDrives": "true",
            "supportsAllDrives": "true",
        },
    )
    answer.raise_for_status()
    return [
        {"source": "google_drive", "id": f"gdrive:{f['id']}", "title": f.get("name", ""),
         "url": f.get("webViewLink", ""), "snippet": f.get("description", ""), "modified": f.get("modifiedTime")}
        for f in answer.json().get("files", [])
    ][:limit]


def _notion_title(page: dict) -> str:
    for prop in page.get("properties", {}).values():
        if prop.get("type") == "title":
            return "".join(t.get("plain_text", "") for t in prop.get("title", []))
    return ""


async def search_notion(token: str, query: str, limit: int) -> list[dict]:
    answer = await client.post(
        f"{FAKES}/v1/search",
        headers={"Authorization": f"Bearer {token}", "Notion-Version": "2022-06-28"},
        json={"query": query, "filter": {"property": "object", "value": "page"}, "page_size": limit},
    )
    answer.raise_for_status()
    return [
        {"source": "notion", "id": f"notion:{p['id']}", "title": _notion_title(p), "url": p.get("url", ""),
         "snippet": "", "modified": p.get("last_edited_time")}
        for p in answer.json().get("results", []) if p.get("object") == "page"
    ][:limit]


async def search_sharepoint(token: str, query: str, limit: int) -> list[dict]:
    answer = await client.post(
        f"{FAKES}/v1.0/search/query",
        headers={"Authorization": f"Bearer {token}"},
        json={"requests": [{"entityTypes": ["driveItem", "listItem"], "query": {"queryString": query}, "from": 0, "size": limit}]},
    )
    answer.raise_for_status()
    hits = [h for c in answer.json()["value"][0].get("hitsContainers", []) for h in c.get("hits", [])]
    hits.sort(key=lambda h: h.get("rank", 1 << 62))
    seen, out = set(), []
    for h in hits:
        r = h.get("resource", {})
        url = r.get("webUrl", "")
        if url.lower() in seen:
            continue
        seen.add(url.lower())
        out.append({"source": "sharepoint", "id": f"sharepoint:{r.get('id', '')}", "title": r.get("name", ""),
                    "url": url, "snippet": h.get("summary", ""), "modified": r.get("lastModifiedDateTime")})
    return out[:limit]


SEARCHES = {"google_drive": search_drive, "notion": search_notion, "sharepoint": search_sharepoint}


async def one_source(subject: str, source: str, query: str, limit: int) -> list[dict]:
    return await SEARCHES[source](await user_token(subject, source), query, limit)


@mcp.tool()
async def workplace_search(query: str, sources: list[str] | None = None, max_results: int = 10) -> dict:
    """Search Google Drive, Notion and SharePoint at once; results merged by reciprocal rank."""
    sources = [s for s in (sources or list(SEARCHES)) if s in SEARCHES]
    answers = await asyncio.gather(*(one_source(current_subject, s, query, max_results) for s in sources),
                                   return_exceptions=True)
    scored, errors = {}, []
    for source, answer in zip(sources, answers):
        if isinstance(answer, BaseException):
            errors.append({"source": source, "error": str(answer)})
            continue
        for rank, hit in enumerate(answer):
            scored[hit["id"]] = (scored.get(hit["id"], (0.0, hit))[0] + 1.0 / (60 + rank + 1), hit)
    results = [hit for _, hit in sorted(scored.values(), key=lambda s: -s[0])][:max_results]
    return {"results": results, "errors": errors}


def _subject(event: dict) -> str:
    """The caller's `sub`, read without verification (the reference does no auth)."""
    auth = (event.get("headers") or {}).get("authorization", "")
    try:
        payload = auth.split(" ", 1)[1].split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]
    except (IndexError, KeyError, ValueError):
        return "anonymous"


app = mcp.streamable_http_app()
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
started = asyncio.Event()


async def _session_manager() -> None:
    """The SDK's session manager, running for the container's life in a task of the loop mangum
    reuses for every invocation (the task sleeps while no invocation runs the loop)."""
    async with mcp.session_manager.run():
        started.set()
        await asyncio.Event().wait()


_manager = loop.create_task(_session_manager())
loop.run_until_complete(started.wait())
asgi = Mangum(app, lifespan="off")


def handler(event, context):
    global current_subject
    current_subject = _subject(event)
    return asgi(event, context)
