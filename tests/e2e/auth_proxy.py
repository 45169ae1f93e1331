"""A loopback HTTP proxy that adds a bearer token: the conformance suite has no way to send one.

It forwards every request to the MCP endpoint unchanged except for three things, so that what the
suite observes is the real server's behaviour behind authentication:

- `Authorization: Bearer <token>` is added when the request has none;
- a `Host` equal to the proxy's own address becomes the server's (a port forward would do the
  same); any other `Host`, such as the suite's `evil.example` probes, passes through untouched;
- an `Origin` equal to the proxy's own origin is dropped (it only names the proxy); any other
  `Origin` passes through untouched, so the server's Origin check is exercised.

Standard library only; bounded by the tests' lifetimes; listens on 127.0.0.1.
"""
from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "content-length",
}


class AuthProxy:
    """Serves on 127.0.0.1:<free port> until `close()`; `url` is the proxied MCP URL."""

    def __init__(self, target_url: str, token: str):
        target = urlsplit(target_url)
        self.target_host = target.hostname or "127.0.0.1"
        self.target_port = target.port or 80
        self.target_authority = target.netloc
        self.token = token
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep pytest output clean
                pass

            def forward(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                own = f"127.0.0.1:{proxy.port}"
                headers = {}
                for name, value in self.headers.items():
                    lower = name.lower()
                    if lower in HOP_BY_HOP:
                        continue
                    if lower == "host" and value in (own, f"localhost:{proxy.port}"):
                        value = proxy.target_authority
                    if lower == "origin" and value in (f"http://{own}", f"http://localhost:{proxy.port}"):
                        continue
                    headers[name] = value
                if not any(k.lower() == "authorization" for k in headers):
                    headers["Authorization"] = f"Bearer {proxy.token}"
                conn = http.client.HTTPConnection(proxy.target_host, proxy.target_port, timeout=120)
                try:
                    conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                    for name, value in headers.items():
                        conn.putheader(name, value)
                    conn.putheader("Content-Length", str(len(body or b"")))
                    conn.endheaders(body)
                    response = conn.getresponse()
                    payload = response.read()
                    self.send_response(response.status, response.reason)
                    for name, value in response.getheaders():
                        if name.lower() not in HOP_BY_HOP:
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                finally:
                    conn.close()

            do_GET = do_POST = do_DELETE = do_PUT = do_OPTIONS = do_PATCH = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        path = target.path or "/mcp"
        self.url = f"http://127.0.0.1:{self.port}{path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
