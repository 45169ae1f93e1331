"""The Python MCP SDK 1.x's OAuth client provider signing in from the bare URL: resource metadata,
authorization-server metadata, client registration, authorization code with PKCE (the consent
page approved as a chosen demo user, as a person would), token, then `workplace_search`.

Registration is dynamic (RFC 7591) by default. With `--cimd` the client instead serves its own
Client ID Metadata Document on 127.0.0.1 and passes its URL as `client_metadata_url`; the SDK then
uses that URL as the client id (the authorization server advertises
`client_id_metadata_document_supported`) and the server fetches the document.

Usage: python sdk1_oauth.py URL USER_ID QUERY [--cimd]
Prints one JSON object.
"""
import asyncio
import http.server
import json
import sys
import threading
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from mcp import ClientSession
import mcp.client.auth.oauth2 as sdk_oauth2
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


class MetadataDocument:
    """The client's metadata document, served from a port on 127.0.0.1, counting fetches.

    The SDK accepts only an https `client_metadata_url` (the spec's rule). A local https server would
    need a certificate the authorization server trusts, so this test serves plain http on loopback,
    which the local authorization server accepts as its documented local-development exception, and
    widens the SDK's URL check to loopback http for this process only. Everything else (choosing
    CIMD from the server's metadata, using the URL as client id, no registration) is the SDK's own.
    """

    def __init__(self):
        document = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                document.fetches += 1
                if self.path != "/oauth/client-metadata.json":
                    self.send_error(404)
                    return
                body = json.dumps(document.body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.fetches = 0
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/oauth/client-metadata.json"
        self.body = {
            "client_id": self.url,
            "client_name": "workplace-e2e-python-cimd",
            "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        }
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        original = sdk_oauth2.is_valid_client_metadata_url

        def loopback_or_valid(candidate):
            return candidate == self.url or original(candidate)

        sdk_oauth2.is_valid_client_metadata_url = loopback_or_valid


async def main() -> int:
    url, user_id, query = sys.argv[1:4]
    document = MetadataDocument() if "--cimd" in sys.argv[4:] else None
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
        client_metadata_url=document.url if document else None,
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
            "client_id": storage.client.client_id if storage.client else None,
            "client_secret": bool(storage.client and storage.client.client_secret),
            "metadata_url": document.url if document else None,
            "metadata_fetches": document.fetches if document else None,
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
