"""The Cequence extension under an emulated Lambda: delivery, outages, bounds, shutdown, secrecy,
settings that must not break the function, the key's life cycle, and telemetry that arrives late,
out of order or after a freeze. The strict Extensions/Telemetry API emulator fails every test in
which the extension broke the protocol."""
from __future__ import annotations

import base64
import json
import os
import signal
import socket
import threading
import time
from collections import Counter

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

from harness import API_KEY, Extension, ExtensionsApi, Moto, Sink, attributes, invoke_until, report, telemetry


class World:
    """The emulators and the extensions a test started."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.api, self.sink, self.moto = ExtensionsApi(), Sink(), Moto()
        self.extensions: list[Extension] = []

    def start(self, **env) -> Extension:
        extension = Extension(self.api, self.sink, self.moto, self.tmp_path, **env)
        self.extensions.append(extension)
        return extension

    def close(self):
        for extension in self.extensions:
            extension.close()
        self.sink.stop()
        self.api.close()
        self.moto.close()


@pytest.fixture
def world(tmp_path):
    world = World(tmp_path)
    yield world.api, world.sink, world.start
    world.close()
    assert world.api.errors == [], "the extension broke the Extensions/Telemetry API protocol"


def delivered_ids(sink: Sink) -> Counter:
    return Counter(attributes(r).get("faas.invocation_id") for r in sink.records() if "faas.invocation_id" in attributes(r))


def test_records_become_valid_otlp_carrying_the_api_key(world):
    api, sink, start = world
    extension = start()
    extension.push(telemetry("r1") + telemetry("r2", "auth_failed", 401) + telemetry("r3", "rate_limited", 429, as_object=True))
    invoke_until(api, lambda: len(delivered_ids(sink)) == 3)

    assert len(sink.received) >= 1
    assert api.registered_events == ["INVOKE", "SHUTDOWN"]
    subscription = api.subscriptions[0]
    assert subscription["types"] == ["platform", "function"]
    for batch in sink.received:
        message = json_format.Parse(json.dumps(batch), ExportLogsServiceRequest())
        assert message.resource_logs[0].scope_logs[0].scope.name == "workplace-mcp.cequence-extension"
    records = {attributes(r)["faas.invocation_id"]: (r, attributes(r)) for r in sink.records()}
    assert set(records) == {"r1", "r2", "r3"}
    record, attrs = records["r2"]
    assert attrs["workplace.outcome"] == "auth_failed"
    assert attrs["http.response.status_code"] == "401"
    assert attrs["mcp.tool.name"] == "workplace_search"
    assert attrs["enduser.id"] == "user-42"
    assert attrs["oauth.client_id"] == "cursor"
    assert attrs["client.address"] == "203.0.113.9"
    assert attrs["faas.billed_duration_ms"] == 14
    assert attrs["workplace.source_status.notion"] == "timeout"
    assert records["r3"][1]["workplace.outcome"] == "rate_limited"
    assert record["timeUnixNano"] == "1795568523456000000"

    assert sink.headers[0]["authorization"] == f"Bearer {API_KEY}"
    assert API_KEY not in extension.output()
    assert base64.b64encode(API_KEY.encode()).decode() not in extension.output()


def test_a_30_second_outage_loses_nothing_and_duplicates_nothing(world):
    api, sink, start = world
    extension = start()
    sink.stop()
    started_at = time.time()
    ids = []
    while time.time() - started_at < 30:
        request_id = f"outage-{len(ids)}"
        ids.append(request_id)
        extension.push(telemetry(request_id))
        api.invoke(f"invoke-{request_id}")
        time.sleep(1)
    assert sink.received == []
    sink.start()
    extension.push(telemetry("after"))
    invoke_until(api, lambda: set(delivered_ids(sink)) == set(ids) | {"after"}, attempts=300)
    counts = delivered_ids(sink)
    assert set(counts) == set(ids) | {"after"}
    assert all(n == 1 for n in counts.values()), counts


def test_refusals_and_throttling_are_retried_exactly_once(world):
    # The statuses OTLP/HTTP calls retryable: 429, 502, 503, 504 (500 is not; see below).
    api, sink, start = world
    extension = start()
    sink.script = [(502, {}), (503, {}), (429, {"Retry-After": "1"}), (504, {})]
    for i in range(4):
        extension.push(telemetry(f"retry-{i}"))
        api.invoke(f"invoke-{i}")
    extension.push(telemetry("retry-last"))
    wanted = {"retry-0", "retry-1", "retry-2", "retry-3", "retry-last"}
    invoke_until(api, lambda: set(delivered_ids(sink)) == wanted)
    counts = delivered_ids(sink)
    assert set(counts) == {"retry-0", "retry-1", "retry-2", "retry-3", "retry-last"}
    assert all(n == 1 for n in counts.values()), counts


def test_an_outage_longer_than_the_buffer_drops_and_counts(world):
    api, sink, start = world
    extension = start(CEQUENCE_BUFFER_MAX_RECORDS=5, CEQUENCE_FLUSH_DEADLINE_MS=200)
    sink.stop()
    for i in range(12):
        extension.push(telemetry(f"b-{i}"))
    api.invoke("during-outage")
    sink.start()
    invoke_until(api, lambda: len(delivered_ids(sink)) == 5)
    counts = delivered_ids(sink)
    assert set(counts) == {f"b-{i}" for i in range(5)}, "the oldest five were kept, in order"
    drops = [attributes(r) for r in sink.records() if r.get("eventName") == "workplace.extension.dropped_records"]
    assert len(drops) == 1
    assert drops[0]["workplace.dropped_records"] == "7"
    assert drops[0]["workplace.dropped_records.buffer_full"] == "7"
    assert "records were dropped" in extension.output()
    lines = [json.loads(line) for line in extension.stdout.read_text().splitlines() if line.startswith("{")]
    emf = [line for line in lines if "_aws" in line]
    assert sum(line["ExtensionDroppedRecords"] for line in emf) == 7, "published for the ExtensionDroppedRecords alarm"


def test_a_refused_batch_is_dropped_and_reported(world):
    api, sink, start = world
    extension = start()
    sink.script = [(400, {})]
    extension.push(telemetry("refused"))
    invoke_until(api, lambda: sink.script == [])
    extension.push(telemetry("accepted"))
    invoke_until(api, lambda: "accepted" in delivered_ids(sink))
    assert set(delivered_ids(sink)) == {"accepted"}
    drops = [attributes(r) for r in sink.records() if r.get("eventName") == "workplace.extension.dropped_records"]
    assert drops and drops[0]["workplace.dropped_records.rejected"] == "1"


def test_shutdown_flushes_within_the_budget_and_exits(world):
    api, sink, start = world
    extension = start(CEQUENCE_REPORT_WAIT_MS=60000)
    extension.push([telemetry("s-1")[0], telemetry("s-2")[0]])  # no reports: shutdown ships them anyway
    began = time.time()
    api.shutdown()
    extension.process.wait(5)
    assert time.time() - began < 2.0
    assert extension.process.returncode == 0
    assert set(delivered_ids(sink)) == {"s-1", "s-2"}


def drop_reports(sink: Sink) -> list[dict]:
    return [attributes(r) for r in sink.records() if r.get("eventName") == "workplace.extension.dropped_records"]


def test_a_500_is_not_retried_but_dropped_and_counted(world):
    api, sink, start = world
    extension = start()
    sink.script = [(500, {})]
    extension.push(telemetry("five-hundred"))
    invoke_until(api, lambda: drop_reports(sink))
    assert "five-hundred" not in delivered_ids(sink)
    assert drop_reports(sink)[0]["workplace.dropped_records.rejected"] == "1"


def test_without_a_gateway_there_is_no_subscription_and_only_shutdown(world):
    api, sink, start = world
    extension = start(subscribes=False, CEQUENCE_GATEWAY_URL="")
    assert api.registered_events == ["SHUTDOWN"]
    assert api.subscriptions == []
    api.invoke("ignored")  # Lambda delivers no INVOKE to it
    api.shutdown()
    extension.process.wait(5)
    assert extension.process.returncode == 0
    assert sink.received == []


@pytest.mark.parametrize("setting", [
    {"CEQUENCE_GATEWAY_URL": "ftp://collector.acme.test"},
    {"CEQUENCE_TELEMETRY_PORT": "many"},
    {"CEQUENCE_FLUSH_DEADLINE_MS": "-5"},
])
def test_a_bad_setting_logs_one_error_and_never_fails_init(world, setting):
    api, sink, start = world
    extension = start(subscribes=False, **setting)
    assert extension.process.poll() is None, "still running: Init did not fail"
    assert api.registered_events == ["SHUTDOWN"], "registered, idle"
    assert api.subscriptions == []
    errors = [json.loads(line) for line in extension.stderr.read_text().splitlines()
              if line.startswith("{") and json.loads(line).get("level") == "ERROR"]
    assert len(errors) == 1, errors
    assert next(iter(setting)) in json.dumps(errors[0])
    api.shutdown()
    extension.process.wait(5)
    assert extension.process.returncode == 0


def blackhole() -> tuple[int, threading.Event]:
    """A port that accepts connections and never answers (a stalled Secrets Manager)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()
    held = []

    def hold():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                pass
        listener.close()

    threading.Thread(target=hold, daemon=True).start()
    return listener.getsockname()[1], stop


def test_a_stalled_secrets_manager_delays_neither_registration_nor_shipping(world):
    api, sink, start = world
    port, stop = blackhole()
    try:
        # Before the change the key was read before registering, with no timeout: this start
        # never registered.
        extension = start(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", CEQUENCE_KEY_TIMEOUT_MS=500,
                          SECRETS_OPERATION_TIMEOUT_MS=300, SECRETS_ATTEMPT_TIMEOUT_MS=100)
        extension.push(telemetry("keyless"))
        invoke_until(api, lambda: "keyless" in delivered_ids(sink))
        assert "authorization" not in sink.headers[-1]
        assert "cequence_api_key" in extension.output()
    finally:
        stop.set()


def test_a_refused_key_is_reloaded_and_nothing_is_lost(world, tmp_path):
    api, sink, start = world
    extension = start(CEQUENCE_KEY_REFRESH_MIN_MS=0)
    extension.push(telemetry("k-1"))
    invoke_until(api, lambda: "k-1" in delivered_ids(sink))
    import boto3
    boto3.client("secretsmanager", endpoint_url=api_moto_endpoint(extension), region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test").put_secret_value(
        SecretId="ext/secret", SecretString=json.dumps({"cequence_api_key": "ceq_rotated_91b2"}))
    sink.script = [(401, {})]
    extension.push(telemetry("k-2"))
    invoke_until(api, lambda: "k-2" in delivered_ids(sink))
    assert sink.headers[-1]["authorization"] == "Bearer ceq_rotated_91b2"
    assert delivered_ids(sink)["k-2"] == 1
    assert "ceq_rotated_91b2" not in extension.output()


def api_moto_endpoint(extension: Extension) -> str:
    return extension.moto_endpoint


def test_an_invoke_never_waits_for_a_slow_receiver(world):
    api, sink, start = world
    extension = start(CEQUENCE_REQUEST_TIMEOUT_MS=10000)
    sink.delay = 8.0
    extension.push(telemetry("slow"))
    # Event order, not a timer: the extension asks for its next event while the receiver is still
    # holding its request.
    for i in range(50):
        api.invoke(f"slow-{i}")
        if sink.in_progress:
            break
        time.sleep(0.1)
    assert sink.in_progress == 1, "the INVOKE flush moved on without waiting for the answer"
    sink.delay = 0.0


def test_late_telemetry_after_the_next_invoke_is_shipped_with_its_report(world):
    api, sink, start = world
    extension = start()
    extension.push([telemetry("late")[0]])   # the record; its report comes later
    api.invoke("next-after-late")
    extension.push([report("late")])         # after the next INVOKE
    invoke_until(api, lambda: "late" in delivered_ids(sink))
    late = [attributes(r) for r in sink.records() if attributes(r).get("faas.invocation_id") == "late"]
    assert len(late) == 1
    assert late[0]["faas.billed_duration_ms"] == 14


def test_out_of_order_telemetry_is_matched_and_shipped_once(world):
    api, sink, start = world
    extension = start()
    first, second = telemetry("o-1"), telemetry("o-2")
    # Reports before their records, the second invocation's before the first's.
    extension.push([second[1], first[1]])
    extension.push([second[0], first[0]])
    invoke_until(api, lambda: set(delivered_ids(sink)) == {"o-1", "o-2"})
    for record in sink.records():
        attrs = attributes(record)
        if attrs.get("faas.invocation_id") in {"o-1", "o-2"}:
            assert attrs["faas.status"] == "success", "the report was attached"
    assert all(n == 1 for n in delivered_ids(sink).values())


def test_telemetry_after_a_long_freeze_is_shipped_or_counted(world):
    api, sink, start = world
    extension = start(CEQUENCE_MAX_RECORD_AGE_SECONDS=2)
    extension.push(telemetry("before-freeze"))
    # Lambda freezes the environment between invocations; the clock goes on.
    os.kill(extension.process.pid, signal.SIGSTOP)
    time.sleep(3)
    os.kill(extension.process.pid, signal.SIGCONT)
    extension.push(telemetry("after-freeze"))
    invoke_until(api, lambda: "after-freeze" in delivered_ids(sink) and drop_reports(sink))
    assert "before-freeze" not in delivered_ids(sink), "older than CEQUENCE_MAX_RECORD_AGE_SECONDS"
    assert drop_reports(sink)[0]["workplace.dropped_records.expired"] == "1"


def test_lambda_dropped_telemetry_is_counted_reported_and_published(world):
    api, sink, start = world
    extension = start()
    extension.push([{"time": "2026-11-25T01:02:04Z", "type": "platform.logsDropped",
                     "record": {"reason": "Consumer seems to have fallen behind", "droppedRecords": 42, "droppedBytes": 4200}}])
    invoke_until(api, lambda: drop_reports(sink))
    assert drop_reports(sink)[0]["workplace.dropped_records.telemetry_api"] == "42"
    lines = [json.loads(line) for line in extension.stdout.read_text().splitlines() if line.startswith("{")]
    assert sum(line.get("ExtensionDroppedRecords", 0) for line in lines) == 42
