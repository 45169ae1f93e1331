"""A counting HTTP proxy in front of the AWS emulator: the functions' `AWS_ENDPOINT_URL` points
here, so every DynamoDB (and Secrets Manager) request that really leaves a function is counted, by
what it is for, and then forwarded unchanged.

Attribution is by what crosses the wire, not by what the code means to send:
- the operation from `X-Amz-Target` (`DynamoDB_20120810.GetItem`, `secretsmanager.GetSecretValue`);
- the table from the body's `TableName` (or `RequestItems` / `TransactItems` for batches): the
  rate-limit table is the limiter, the cache table is the shared cache;
- for the cache, the part from the plain `part` attribute (`token` | `text`) of the item written,
  or of the item read back; a read that found nothing carries no `part` and is counted as
  `cache:miss`.
Reads are GetItem, BatchGetItem, Query, Scan; writes are PutItem, UpdateItem, DeleteItem,
BatchWriteItem, TransactWriteItems. Each item of a batch counts once.
"""
from __future__ import annotations

import asyncio
import json
import socket
from collections import Counter

from runtime_api import _read_request, _write

READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


class DdbCounter:
    """Counts `(cause, "read" | "write")` pairs; `cause` is `limiter`, `cache:token`,
    `cache:text`, `cache:miss`, `cache:other`, `other-table`, or `secrets` (Secrets Manager calls)."""

    def __init__(self, upstream_port: int, limiter_table: str, cache_table: str):
        self.upstream_port = upstream_port
        self.limiter_table = limiter_table
        self.cache_table = cache_table
        self.counts: Counter = Counter()
        self.server: asyncio.AbstractServer | None = None

    async def start(self, port: int) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", port, reuse_address=True)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()

    def reset(self) -> None:
        self.counts.clear()

    def snapshot(self) -> dict:
        return {f"{cause}:{kind}": n for (cause, kind), n in self.counts.items()}

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                method, path, headers, body = request
                status, reply_headers, reply = await self._forward(method, path, headers, body)
                try:
                    self._count(headers.get("x-amz-target", ""), body, reply)
                except (ValueError, AttributeError, TypeError):
                    self.counts[("unparsed", "request")] += 1
                _write(writer, status, reply, reply_headers)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _forward(self, method: str, path: str, headers: dict, body: bytes):
        reader, writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        skip = {"connection", "content-length", "transfer-encoding", "host"}
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.upstream_port}", "Connection: close",
                 f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items() if k not in skip]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        rest = await reader.read()
        writer.close()
        head_lines = head.decode("latin-1").split("\r\n")
        status = int(head_lines[0].split(" ", 2)[1])
        reply_headers = {}
        chunked = False
        for line in head_lines[1:]:
            if ":" not in line:
                continue
            k, v = line.split(":", 1)
            k, v = k.strip(), v.strip()
            if k.lower() == "transfer-encoding" and v.lower() == "chunked":
                chunked = True
            elif k.lower() not in ("content-length", "connection", "date", "transfer-encoding"):
                reply_headers[k] = v
        return status, reply_headers, _dechunk(rest) if chunked else rest

    def _count(self, target: str, body: bytes, reply: bytes) -> None:
        service, _, op = target.partition(".")
        if service.startswith("secretsmanager"):
            self.counts[("secrets", op)] += 1
            return
        if not service.startswith("DynamoDB"):
            return
        kind = "read" if op in READS else "write" if op in WRITES else None
        if kind is None:
            self.counts[("control", op)] += 1
            return
        request = json.loads(body or b"{}")
        answer = json.loads(reply or b"{}") if reply.startswith(b"{") else {}
        if "TableName" in request:
            items = [request.get("Item") or request.get("Key") or {}]
            returned = [answer.get("Item")] if op == "GetItem" else answer.get("Items", [])
            self._attribute(request["TableName"], kind, items, returned, op)
            return
        for table, entry in (request.get("RequestItems") or {}).items():
            if op == "BatchGetItem":
                keys = entry.get("Keys", [])
                found = (answer.get("Responses") or {}).get(table, [])
                parts = [_part(i) for i in found]
                for _ in keys:
                    self._bump(table, kind, parts.pop() if parts else None, returned_nothing=True)
            else:
                for write in entry:
                    item = (write.get("PutRequest") or {}).get("Item") or (write.get("DeleteRequest") or {}).get("Key") or {}
                    self._bump(table, kind, _part(item), returned_nothing=False)
        for transact in request.get("TransactItems") or []:
            for action in transact.values():
                self._bump(action.get("TableName", ""), kind, _part(action.get("Item") or {}), returned_nothing=False)

    def _attribute(self, table: str, kind: str, items: list, returned: list, op: str) -> None:
        part = _part(items[0]) if items and items[0] else None
        if kind == "read":
            part = next((_part(i) for i in returned if i), None)
        self._bump(table, kind, part, returned_nothing=kind == "read")

    def _bump(self, table: str, kind: str, part: str | None, returned_nothing: bool) -> None:
        if table == self.limiter_table:
            cause = "limiter"
        elif table == self.cache_table:
            cause = f"cache:{part}" if part in ("token", "text") else "cache:miss" if returned_nothing else "cache:other"
        else:
            cause = "other-table"
        self.counts[(cause, kind)] += 1


def _part(item: dict) -> str | None:
    value = (item or {}).get("part")
    return value.get("S") if isinstance(value, dict) else None


def _dechunk(data: bytes) -> bytes:
    out, rest = [], data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2:]
    return b"".join(out)
