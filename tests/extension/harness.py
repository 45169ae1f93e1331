"""Emulators for the extension's world: the Lambda Extensions API (register, next), the Telemetry
API (subscription, pushes), an OTLP/HTTP sink that can be down, slow, or refuse, and moto for the
secret holding the API key.

The Extensions and Telemetry APIs are as strict as Lambda's: registration needs the
`Lambda-Extension-Name` header naming the executable and only INVOKE/SHUTDOWN events; every later
call needs the issued `Lambda-Extension-Identifier`; a subscription is accepted only during init,
with a known schema version, known types, buffering within Lambda's limits and an HTTP destination
on `sandbox.localdomain`; events are delivered only if registered for. Every violation is recorded
in `errors` and fails the test at teardown. Telemetry goes to the port the extension subscribed."""
from __future__ import annotations

import gzip
import http.server
import json
import os
import queue
import re
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / "target" / "debug" / "cequence-extension"
API_KEY = "ceq_test_key_5f0c9d2e7a"
EXTENSION_NAME = "cequence-extension"
EXTENSION_ID = "ext-3f9a1c"
SCHEMA_VERSIONS = {"2022-07-01", "2022-12-13", "2025-01-29"}
TELEMETRY_TYPES = {"platform", "function", "extension"}
# The Telemetry API's buffering limits.
MAX_ITEMS = (1000, 10000)
MAX_BYTES = (262144, 1048576)
TIMEOUT_MS = (25, 30000)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True


class ExtensionsApi:
    """The Extensions API and the Telemetry subscription endpoint, as strict as Lambda's."""

    def __init__(self):
        self.events: queue.Queue = queue.Queue()
        self.subscriptions: list[dict] = []
        self.registered_events: list[str] | None = None
        self.next_calls = 0
        self.errors: list[str] = []
        self.lock = threading.Condition()
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _body(self):
                length = int(self.headers.get("Content-Length", 0))
                return self.rfile.read(length) if length else b""

            def _send(self, status, body=b"", headers=None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _refuse(self, status, problem):
                with api.lock:
                    api.errors.append(problem)
                    api.lock.notify_all()
                self._send(status, json.dumps({"errorType": "Extension.InvalidRequest", "errorMessage": problem}).encode())

            def _identified(self) -> bool:
                if api.registered_events is None:
                    self._refuse(403, f"{self.command} {self.path} before registration")
                    return False
                if self.headers.get("Lambda-Extension-Identifier") != EXTENSION_ID:
                    self._refuse(403, f"{self.command} {self.path} without the Lambda-Extension-Identifier header")
                    return False
                return True

            def do_POST(self):
                body = self._body()
                if self.path != "/2020-01-01/extension/register":
                    self._refuse(404, f"POST {self.path}")
                    return
                if self.headers.get("Lambda-Extension-Name") != EXTENSION_NAME:
                    self._refuse(403, f"register with Lambda-Extension-Name {self.headers.get('Lambda-Extension-Name')!r}")
                    return
                if api.registered_events is not None:
                    self._refuse(403, "registered twice")
                    return
                try:
                    events = json.loads(body)["events"]
                except (ValueError, KeyError, TypeError):
                    self._refuse(400, f"register body {body[:200]!r}")
                    return
                if not isinstance(events, list) or not set(events) <= {"INVOKE", "SHUTDOWN"}:
                    self._refuse(400, f"register for events {events!r}")
                    return
                with api.lock:
                    api.registered_events = events
                    api.lock.notify_all()
                body = json.dumps({"functionName": "workplace-search", "functionVersion": "$LATEST",
                                   "handler": "bootstrap", "accountId": "123456789012"}).encode()
                self._send(200, body, {"Lambda-Extension-Identifier": EXTENSION_ID, "Content-Type": "application/json"})

            def do_PUT(self):
                body = self._body()
                if self.path != "/2022-07-01/telemetry":
                    self._refuse(404, f"PUT {self.path}")
                    return
                if not self._identified():
                    return
                if api.next_calls > 0:
                    self._refuse(400, "Telemetry API subscription after init (after the first /next)")
                    return
                problem = subscription_problem(body)
                if problem:
                    self._refuse(400, problem)
                    return
                with api.lock:
                    api.subscriptions.append(json.loads(body))
                    api.lock.notify_all()
                self._send(200, b"OK")

            def do_GET(self):
                if self.path != "/2020-01-01/extension/event/next":
                    self._refuse(404, f"GET {self.path}")
                    return
                if not self._identified():
                    return
                with api.lock:
                    api.next_calls += 1
                    api.lock.notify_all()
                event = api.events.get()
                self._send(200, json.dumps(event).encode(), {"Content-Type": "application/json",
                                                             "Lambda-Extension-Event-Identifier": "evt"})

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, predicate, timeout=20.0):
        deadline = time.time() + timeout
        with self.lock:
            while not predicate():
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError("condition not reached")
                self.lock.wait(left)

    def telemetry_port(self) -> int:
        """The port the extension subscribed (Lambda pushes to sandbox.localdomain:<port>)."""
        assert self.subscriptions, "no Telemetry API subscription"
        return int(re.match(r"http://sandbox\.localdomain:(\d+)", self.subscriptions[-1]["destination"]["URI"]).group(1))

    def invoke(self, request_id: str, timeout=30.0):
        """Delivers INVOKE and waits until the extension asks for the next event (its flush is
        done). Like Lambda, delivers nothing to an extension not registered for INVOKE."""
        if "INVOKE" not in (self.registered_events or []):
            return
        calls = self.next_calls
        self.events.put({"eventType": "INVOKE", "deadlineMs": int(time.time() * 1000) + 30000, "requestId": request_id,
                         "invokedFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:workplace-search",
                         "tracing": {"type": "X-Amzn-Trace-Id", "value": "Root=1-0"}})
        self.wait(lambda: self.next_calls > calls, timeout)

    def shutdown(self):
        self.events.put({"eventType": "SHUTDOWN", "shutdownReason": "spindown", "deadlineMs": int(time.time() * 1000) + 2000})

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def subscription_problem(body: bytes) -> str | None:
    """What Lambda's Telemetry API would refuse in a subscription body, or None."""
    try:
        sub = json.loads(body)
    except ValueError:
        return f"subscription body is not JSON: {body[:200]!r}"
    if sub.get("schemaVersion") not in SCHEMA_VERSIONS:
        return f"schemaVersion {sub.get('schemaVersion')!r}"
    types = sub.get("types")
    if not isinstance(types, list) or not types or not set(types) <= TELEMETRY_TYPES:
        return f"types {types!r}"
    buffering = sub.get("buffering", {})
    for name, (low, high) in (("maxItems", MAX_ITEMS), ("maxBytes", MAX_BYTES), ("timeoutMs", TIMEOUT_MS)):
        value = buffering.get(name)
        if value is not None and not (isinstance(value, int) and low <= value <= high):
            return f"buffering.{name} {value!r} outside {low}..{high}"
    destination = sub.get("destination", {})
    if destination.get("protocol") != "HTTP":
        return f"destination.protocol {destination.get('protocol')!r}"
    if not re.fullmatch(r"http://sandbox\.localdomain:\d+(/.*)?", str(destination.get("URI"))):
        return f"destination.URI {destination.get('URI')!r}"
    return None


class Sink:
    """An OTLP/HTTP receiver on a fixed port that can be stopped, restarted, slowed, or made to refuse."""

    def __init__(self):
        self.port = free_port()
        self.received: list[dict] = []
        self.headers: list[dict] = []
        self.script: list[tuple[int, dict]] = []   # queued (status, headers) answers; then 200
        self.delay = 0.0
        self.in_progress = 0
        self.server = None
        self.start()

    def start(self):
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sink.in_progress += 1
                if sink.delay:
                    time.sleep(sink.delay)
                sink.in_progress -= 1
                status, extra = sink.script.pop(0) if sink.script else (200, {})
                if status == 200:
                    assert self.path == "/v1/logs", self.path
                    assert self.headers.get("Content-Encoding") == "gzip"
                    sink.received.append(json.loads(gzip.decompress(raw)))
                    sink.headers.append({k.lower(): v for k, v in self.headers.items()})
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = _Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def records(self) -> list[dict]:
        return [r for batch in self.received for rl in batch["resourceLogs"] for sl in rl["scopeLogs"] for r in sl["logRecords"]]


def attributes(record: dict) -> dict:
    out = {}
    for attribute in record["attributes"]:
        value = attribute["value"]
        out[attribute["key"]] = next(iter(value.values()))
    return out


class Moto:
    """moto_server with the project secret holding `cequence_api_key`."""

    def __init__(self):
        self.port = free_port()
        python = ROOT / ".tools" / "venv" / "bin" / "python"
        assert python.exists(), "the moto emulator must be installed (make tools)"
        self.process = subprocess.Popen([str(python), str(ROOT / "infra" / "emulator" / "serve.py"), "127.0.0.1", str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        import boto3
        client = boto3.client("secretsmanager", endpoint_url=self.endpoint, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")
        client.create_secret(Name="ext/secret", SecretString=json.dumps({"cequence_api_key": API_KEY}))

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def close(self):
        self.process.terminate()
        self.process.wait(5)


class Extension:
    """The real extension binary, wired to the emulators."""

    def __init__(self, api: ExtensionsApi, sink: Sink, moto: Moto, tmp: Path, subscribes: bool = True, **env):
        self.telemetry_port = free_port()
        self.stdout = tmp / "stdout.log"
        self.stderr = tmp / "stderr.log"
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{api.port}",
            "AWS_LAMBDA_FUNCTION_NAME": "workplace-search",
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_ENDPOINT_URL": moto.endpoint,
            "SECRETS_ID": "ext/secret",
            "CEQUENCE_GATEWAY_URL": f"http://127.0.0.1:{sink.port}",
            "CEQUENCE_TELEMETRY_BIND": "127.0.0.1",
            "CEQUENCE_TELEMETRY_PORT": str(self.telemetry_port),
            "CEQUENCE_REQUEST_TIMEOUT_MS": "500",
            "CEQUENCE_BREAKER_MAX_MS": "300",
            "RUST_LOG": "info",
        }
        environment.update({k: str(v) for k, v in env.items()})
        self.moto_endpoint = moto.endpoint
        self.process = subprocess.Popen([str(BINARY)], env=environment,
                                        stdout=open(self.stdout, "w"), stderr=open(self.stderr, "w"))
        api.wait(lambda: api.next_calls >= 1 and (bool(api.subscriptions) or not subscribes))
        self.api = api

    def push(self, entries: list[dict]):
        """Delivers a Telemetry API batch where the extension subscribed."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.api.telemetry_port()}/", data=json.dumps(entries).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=5).read()

    def output(self) -> str:
        return self.stdout.read_text() + self.stderr.read_text()

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(5)


# The error code a record carries with each outcome the tests use (workplace-record's ErrorCode):
# the extension reads records into that type, so a code it does not know makes the line malformed.
ERROR_CODES = {"ok": None, "auth_failed": "unauthorized", "rate_limited": "rate_limited", "error": "internal_error"}


def invocation(request_id: str, outcome: str = "ok", status: int = 200) -> dict:
    return {"type": "invocation", "timestamp": "2026-11-25T01:02:03.456Z", "request_id": request_id,
            "function": "workplace-search", "route": "POST /mcp/tools/workplace_search/call", "action": "tools/call",
            "tool": "workplace_search", "mcp_server": "workplace-mcp", "sub": "user-42", "client_id": "cursor",
            "client_ip": "203.0.113.9", "user_agent": "curl/8", "status": status, "outcome": outcome,
            "error_code": ERROR_CODES[outcome], "reason": None, "latency_ms": 12.5, "result_count": 3,
            "sources": ["google_drive", "notion"], "source_status": {"google_drive": "ok", "notion": "timeout"},
            "query_len": 16, "query_hash": "3f2a9c1e"}


def telemetry(request_id: str, outcome: str = "ok", status: int = 200, as_object: bool = False) -> list[dict]:
    record = invocation(request_id, outcome, status)
    emf = {"_aws": {"Timestamp": 0, "CloudWatchMetrics": []}, "Requests": 1}
    function_record = record if as_object else json.dumps(record) + "\n" + json.dumps(emf) + "\n"
    return [
        {"time": "2026-11-25T01:02:03.456Z", "type": "function", "record": function_record},
        report(request_id),
    ]


def report(request_id: str) -> dict:
    return {"time": "2026-11-25T01:02:03.500Z", "type": "platform.report",
            "record": {"requestId": request_id, "status": "success",
                       "metrics": {"durationMs": 13.2, "billedDurationMs": 14, "memorySizeMB": 256, "maxMemoryUsedMB": 41}}}


def invoke_until(api: ExtensionsApi, done, attempts: int = 100, pause: float = 0.2) -> None:
    """Invokes until `done()` (records wait while the breaker is open or the key is loading)."""
    for i in range(attempts):
        if done():
            return
        api.invoke(f"until-{i}-{time.time()}")
        time.sleep(pause)
    assert done(), "not delivered"
