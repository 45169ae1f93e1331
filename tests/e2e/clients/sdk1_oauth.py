"""The Python MCP SDK 1.x's OAuth client provider signing in from the bare URL: resource metadata,
authorization-server metadata, dynamic registration, authorization code with PKCE (the consent
page approved as a chosen demo user, as a person would), token, then `workplace_search`.

Usage: python sdk1_oauth.py URL USER_ID QUERY
Prints one JSON object.
"""
import asyncio
import json
import sys
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from pydantic import AnyUrl

REDIRECT = "http://127.0.0.1:8977/callback"


class MemoryStorage(TokenStorage):
    def __init__(self):
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, client_info):
        self.client = client_info


class Person:
    """Approves the consent page as `user_id` and hands the code back to the SDK."""

    def __init__(self, user_id: str):
        self.user_id = user_id
        self.code: str | None = None
        self.state: str | None = None
        self.authorization_url: str | None = None

    async def redirect(self, url: str) -> None:
        self.authorization_url = url
        query = parse_qs(urlsplit(url).query)
        async with httpx.AsyncClient(follow_redirects=False) as http:
            page = await http.get(url)
            assert page.status_code == 200, page.text
            form = [(k, v) for k, values in query.items() if k != "scope" for v in values]
            requested = (query.get("scope") or [""])[0]
            form += [("requested_scope", requested)] + [("scope", s) for s in requested.split()]
            form += [("user_id", self.user_id), ("decision", "approve")]
            action = url.split("?", 1)[0]
            answer = await http.post(action, content=urlencode(form),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
            back = parse_qs(urlsplit(answer.headers["location"]).query)
            self.code = back["code"][0]
            self.state = (back.get("state") or [None])[0]

    async def callback(self) -> tuple[str, str | None]:
        assert self.code, "the consent page gave no code"
        return self.code, self.state


async def main() -> int:
    url, user_id, query = sys.argv[1:4]
    person = Person(user_id)
    storage = MemoryStorage()
    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(
            client_name="workplace-e2e-python",
            redirect_uris=[AnyUrl(REDIRECT)],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=person.redirect,
        callback_handler=person.callback,
    )
    out: dict = {"ok": False}
    try:
        async with httpx.AsyncClient(auth=provider, timeout=httpx.Timeout(30.0, read=120.0)) as http:
            async with streamable_http_client(url, http_client=http) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    tools = await session.list_tools()
                    result = await session.call_tool("workplace_search", {"query": query, "max_results": 25})
        out = {
            "ok": True,
            "tools": [t.name for t in tools.tools],
            "output_schema": next(t.outputSchema for t in tools.tools if t.name == "workplace_search"),
            "authorization_url": person.authorization_url,
            "client_registered": storage.client is not None,
            "token_scope": storage.tokens.scope if storage.tokens else None,
            "has_refresh_token": bool(storage.tokens and storage.tokens.refresh_token),
            "is_error": bool(result.isError),
            "structured": result.structuredContent,
        }
    except Exception as err:  # noqa: BLE001 - reported to the test as data
        out = {"ok": False, "error": f"{type(err).__name__}: {err}", "authorization_url": person.authorization_url}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
