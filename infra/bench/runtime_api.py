"""A Lambda Runtime API emulator (the 2018-06-01 API) for the benchmark: one function process at a
time polls `next`, gets the event with Lambda's headers, and posts its `response` or `error`.

It times what Lambda bills: from the moment the event is handed to the runtime (the `next` answer
is written) until the response body has arrived. The HTTP side is a small HTTP/1.1 server on
asyncio streams with keep-alive, because both runtime clients (the Rust `lambda_runtime` and
`awslambdaric`) keep one connection open; each answer leaves in one write with TCP_NODELAY, or
delayed ACKs would add ~40 ms to every exchange.
"""
from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from dataclasses import dataclass, field

PREFIX = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:{name}"


@dataclass
class Outcome:
    """What the function posted for one invocation."""

    kind: str  # "response" or "error"
    body: bytes
    seconds: float  # event handed over -> response body received


@dataclass
class _Invocation:
    request_id: str
    event: bytes
    deadline_ms: int
    done: asyncio.Future
    handed_at: float = 0.0


@dataclass
class RuntimeApi:
    """The API for one function process; `invoke` queues an event and waits for its outcome."""

    function_name: str
    pending: asyncio.Queue = field(default_factory=asyncio.Queue)
    inflight: dict = field(default_factory=dict)
    first_next_at: float | None = None
    init_error: bytes | None = None
    first_next: asyncio.Event = field(default_factory=asyncio.Event)
    problems: list = field(default_factory=list)
    server: asyncio.AbstractServer | None = None
    connections: set = field(default_factory=set)

    async def start(self, port: int) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", port, reuse_address=True)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        # A `next` still waiting for an event belongs to a process that is gone.
        for task in list(self.connections):
            task.cancel()
        await asyncio.gather(*self.connections, return_exceptions=True)

    async def invoke(self, event: bytes, timeout_s: float = 60.0) -> Outcome:
        loop = asyncio.get_running_loop()
        invocation = _Invocation(
            request_id=str(uuid.uuid4()),
            event=event,
            deadline_ms=int(time.time() * 1000 + timeout_s * 1000),
            done=loop.create_future(),
        )
        self.inflight[invocation.request_id] = invocation
        await self.pending.put(invocation)
        try:
            return await asyncio.wait_for(invocation.done, timeout_s)
        finally:
            self.inflight.pop(invocation.request_id, None)

    # --- HTTP ---------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self.connections.add(task)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                method, path, headers, body = request
                await self._route(method, path, headers, body, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            # Cancelled: `stop` ends a `next` whose process is gone.
            return
        finally:
            self.connections.discard(task)
            writer.close()

    async def _route(self, method, path, headers, body, writer) -> None:
        if method == "GET" and path == f"{PREFIX}/invocation/next":
            if self.first_next_at is None:
                self.first_next_at = time.perf_counter()
                self.first_next.set()
            invocation = await self.pending.get()
            extra = {
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN.format(name=self.function_name),
                "Lambda-Runtime-Trace-Id": _trace_id(),
                "Content-Type": "application/json",
            }
            invocation.handed_at = time.perf_counter()
            _write(writer, 200, invocation.event, extra)
            return
        if method == "POST" and path.startswith(f"{PREFIX}/invocation/"):
            received = time.perf_counter()
            parts = path[len(f"{PREFIX}/invocation/"):].split("/")
            if len(parts) == 2 and parts[1] in ("response", "error"):
                invocation = self.inflight.get(parts[0])
                if invocation is None or invocation.done.done():
                    _write(writer, 400, json.dumps({"errorMessage": "unknown request id", "errorType": "InvalidRequestID"}).encode())
                    return
                if headers.get("lambda-runtime-function-response-mode") == "streaming":
                    self.problems.append("streaming responses are not emulated")
                _write(writer, 202, b'{"status":"OK"}', {"Content-Type": "application/json"})
                invocation.done.set_result(Outcome(parts[1], body, received - invocation.handed_at))
                return
        if method == "POST" and path == f"{PREFIX}/init/error":
            self.init_error = body
            self.first_next.set()
            _write(writer, 202, b'{"status":"OK"}', {"Content-Type": "application/json"})
            return
        self.problems.append(f"unexpected {method} {path}")
        _write(writer, 404, b'{"errorMessage":"not found","errorType":"NotFound"}')


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"


REASONS = {200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found"}


def _write(writer: asyncio.StreamWriter, status: int, body: bytes, headers: dict | None = None) -> None:
    """Head and body in one write, so the segment leaves at once."""
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    lines.append(f"Content-Length: {len(body)}")
    lines.append("Date: " + time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()))
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


async def _read_request(reader: asyncio.StreamReader):
    """One HTTP/1.1 request (Content-Length or chunked body), or None at end of stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                # Trailers (none expected) end with an empty line.
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    else:
        length = int(headers.get("content-length", "0") or 0)
        body = await reader.readexactly(length) if length else b""
    return method, target.split("?", 1)[0], headers, body
