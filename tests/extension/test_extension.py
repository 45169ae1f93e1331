"""The Cequence extension under an emulated Lambda: delivery, outages, bounds, shutdown, secrecy."""
from __future__ import annotations

import base64
import json
import time
from collections import Counter

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

from harness import API_KEY, Extension, ExtensionsApi, Moto, Sink, attributes, telemetry


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


def delivered_ids(sink: Sink) -> Counter:
    return Counter(attributes(r).get("faas.invocation_id") for r in sink.records() if "faas.invocation_id" in attributes(r))


def test_records_become_valid_otlp_carrying_the_api_key(world):
    api, sink, start = world
    extension = start()
    extension.push(telemetry("r1") + telemetry("r2", "auth_failed", 401) + telemetry("r3", "rate_limited", 429, as_object=True))
    api.invoke("next-1")

    assert len(sink.received) >= 1
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
    api.invoke("invoke-after")
    counts = delivered_ids(sink)
    assert set(counts) == set(ids) | {"after"}
    assert all(n == 1 for n in counts.values()), counts


def test_refusals_and_throttling_are_retried_exactly_once(world):
    api, sink, start = world
    extension = start()
    sink.script = [(500, {}), (503, {}), (429, {"Retry-After": "1"}), (500, {})]
    for i in range(4):
        extension.push(telemetry(f"retry-{i}"))
        api.invoke(f"invoke-{i}")
    extension.push(telemetry("retry-last"))
    api.invoke("invoke-last")
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
    api.invoke("after-outage")
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
    api.invoke("one")
    extension.push(telemetry("accepted"))
    api.invoke("two")
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
