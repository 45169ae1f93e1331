#!/usr/bin/env python3
"""`make bench`: every release function binary, and the Python reference, under a Lambda Runtime API
emulator against the upstream fakes and the AWS emulator, measured the way Lambda bills.

Per function and scenario: Init (spawn -> first `next`), per-invocation duration p50/p99 (event
handed over -> response received), CPU per invocation (utime+stime deltas of /proc/<pid>/stat
over the measured invocations), peak RSS (VmHWM), and, in a separate short run under
`valgrind --tool=callgrind`, instructions per invocation: (run with W+N invocations - run with W) / N,
which is repeatable on a noisy machine. Figures are printed, never asserted.

Started by infra/bench/run.sh, which provides the stack and the environment (see there).
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runtime_api import RuntimeApi  # noqa: E402
from scenarios import Scenario, scenarios  # noqa: E402
from report import write_report  # noqa: E402
from ddb_counter import DdbCounter  # noqa: E402

ENV = os.environ
ROOT = Path(ENV["BENCH_ROOT"])
OUT = Path(ENV["BENCH_OUT"])
FAKES_URL = ENV["FAKES_URL"]
RUNTIME_PORT = int(ENV["BENCH_RUNTIME_PORT"])
CLK_TCK = os.sysconf("SC_CLK_TCK")
CALLGRIND = ENV.get("BENCH_CALLGRIND", "1") == "1"
KEEP_CALLGRIND = ENV.get("BENCH_CALLGRIND_KEEP", "0") == "1"
COUNTER = DdbCounter(int(ENV["BENCH_EMULATOR_PORT"]), ENV["BENCH_LIMIT_TABLE"], ENV["BENCH_CACHE_TABLE"])


@dataclass
class Result:
    scenario: str
    impl: str
    function: str
    init_ms: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    cpu_ms: float | None = None
    rss_mb: float | None = None
    instructions: float | None = None
    invocations: int = 0
    failures: int = 0
    hits: int | None = None
    notes: list = field(default_factory=list)
    key: str = ""
    latency_ms: int = 0
    caches: str = ""
    # Fresh containers: the second call's p50 in the same processes (the warm call).
    warm_p50_ms: float | None = None
    # What reached the AWS emulator per measured call, by cause (see ddb_counter.py).
    aws_per_call: dict = field(default_factory=dict)
    # Upstream requests per measured call, by the fakes' route names.
    upstream_per_call: dict = field(default_factory=dict)


def proc_cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command: state is field 3, utime 14 and stime 15 (1-based, man proc).
    return int(fields[11]) + int(fields[12])


def proc_hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


async def set_latency(ms: int) -> None:
    await http_post(f"{FAKES_URL}/_fake/reset", {})
    if ms:
        await http_post(f"{FAKES_URL}/_fake/knobs", {"route": "*", "latency_ms": ms})


async def upstream_requests() -> list:
    """The fakes' request log (every upstream request since the last reset)."""
    host, port = FAKES_URL.split("//", 1)[1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET /_fake/requests HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    if b"chunked" in head.lower():
        from ddb_counter import _dechunk
        body = _dechunk(body)
    return json.loads(body)


def routes_per_call(log: list, since: int, calls: int) -> dict:
    counts: dict = {}
    for request in log[since:]:
        counts[request["route"]] = counts.get(request["route"], 0) + 1
    return {k: round(v / calls, 2) for k, v in sorted(counts.items())}


async def http_post(url: str, body: dict) -> None:
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    path = "/" + url.split("//", 1)[1].split("/", 1)[1]
    reader, writer = await asyncio.open_connection(host, int(port))
    data = json.dumps(body).encode()
    writer.write(f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
    await writer.drain()
    status = (await reader.readline()).split()[1]
    await reader.read()
    writer.close()
    if status != b"200":
        raise RuntimeError(f"{url} answered {status!r}")


class Process:
    """One function process under a fresh Runtime API."""

    def __init__(self, scenario: Scenario, wrapper: list[str] | None = None):
        self.scenario = scenario
        self.wrapper = wrapper or []
        self.api = RuntimeApi(scenario.function)
        self.proc: asyncio.subprocess.Process | None = None
        self.spawned_at = 0.0

    async def __aenter__(self):
        await self.api.start(RUNTIME_PORT)
        env = {"PATH": ENV["PATH"], "HOME": ENV.get("HOME", "/tmp"), "LANG": "C.UTF-8",
               **self.scenario.env, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{RUNTIME_PORT}",
               "AWS_LAMBDA_FUNCTION_NAME": self.scenario.function,
               "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
               "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.scenario.function}",
               "AWS_LAMBDA_LOG_STREAM_NAME": "bench", "_HANDLER": "handler.handler"}
        log = open(OUT / "logs" / f"{self.scenario.key}{'-callgrind' if self.wrapper else ''}.log", "ab")
        self.spawned_at = time.perf_counter()
        self.proc = await asyncio.create_subprocess_exec(
            *self.wrapper, *self.scenario.argv, env=env, stdout=log, stderr=log,
            cwd=self.scenario.cwd or str(ROOT), start_new_session=True)
        log.close()
        timeout = 600 if self.wrapper else 60
        await asyncio.wait_for(self.api.first_next.wait(), timeout)
        if self.api.init_error is not None:
            raise RuntimeError(f"init error: {self.api.init_error[:300]!r}")
        return self

    @property
    def init_ms(self) -> float:
        return (self.api.first_next_at - self.spawned_at) * 1000

    async def __aexit__(self, *exc):
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 120 if self.wrapper else 5)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        await self.api.stop()


def check(scenario: Scenario, outcome) -> tuple[bool, int | None, str]:
    """Whether the invocation succeeded, the number of hits it returned, and why not."""
    if outcome.kind != "response":
        return False, None, outcome.body[:200].decode(errors="replace")
    try:
        answer = json.loads(outcome.body)
        status = answer.get("statusCode", 200)
        body = answer.get("body") or ""
        if answer.get("isBase64Encoded"):
            import base64
            body = base64.b64decode(body).decode()
        if status != 200:
            return False, None, f"HTTP {status}: {body[:200]}"
        return scenario.validate(json.loads(body) if body else {})
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        return False, None, f"{type(err).__name__}: {err}: {outcome.body[:200]!r}"


def new_result(scenario: Scenario) -> Result:
    return Result(scenario.name, scenario.impl, scenario.function, key=scenario.key,
                  latency_ms=scenario.latency_ms, caches=scenario.caches)


async def set_up(scenario: Scenario) -> None:
    await set_latency(scenario.latency_ms)
    for path, body in scenario.fake_setup:
        await http_post(f"{FAKES_URL}{path}", body)


def per_call(before: dict, after: dict, calls: int) -> dict:
    return {k: round((after.get(k, 0) - before.get(k, 0)) / calls, 3)
            for k in sorted(set(after) | set(before)) if after.get(k, 0) != before.get(k, 0)}


async def measure(scenario: Scenario) -> Result:
    if scenario.mode == "fresh":
        return await measure_fresh(scenario)
    result = new_result(scenario)
    await set_up(scenario)
    async with Process(scenario) as p:
        result.init_ms = p.init_ms
        await prepare(p, scenario)
        for _ in range(scenario.warmup):
            await invoke(p, scenario, result, warmup=True)
        result.failures = 0
        pid = p.proc.pid
        counts0 = COUNTER.snapshot()
        logged = len(await upstream_requests())
        ticks0 = proc_cpu_ticks(pid)
        durations = []
        for _ in range(scenario.count):
            durations.append(await invoke(p, scenario, result))
        ticks1 = proc_cpu_ticks(pid)
        result.aws_per_call = per_call(counts0, COUNTER.snapshot(), scenario.count)
        result.upstream_per_call = routes_per_call(await upstream_requests(), logged, scenario.count)
        result.rss_mb = proc_hwm_kb(pid) / 1024
        # Anything the function asked of the Runtime API that the emulator does not serve.
        result.notes.extend(f"runtime API: {problem}" for problem in p.api.problems[:1])
    durations.sort()
    result.invocations = len(durations)
    result.p50_ms = statistics.median(durations) * 1000
    result.p99_ms = durations[min(len(durations) - 1, int(len(durations) * 0.99))] * 1000
    result.cpu_ms = (ticks1 - ticks0) / CLK_TCK * 1000 / len(durations)
    if CALLGRIND and scenario.callgrind:
        result.instructions = await instructions(scenario)
    return result


async def measure_fresh(scenario: Scenario) -> Result:
    """A fresh process per measured invocation, after an earlier container warmed the shared
    cache: Init and the first call are reported apart, and a second call in the same process is
    the warm call the first is compared with. CPU is the first call's; DynamoDB counts too."""
    result = new_result(scenario)
    await set_up(scenario)
    async with Process(scenario) as p:
        for _ in range(scenario.warmup):
            await invoke(p, scenario, result, warmup=True)
    result.failures = 0
    inits, firsts, warms, ticks, rss = [], [], [], 0, 0.0
    before, after = {}, {}
    for _ in range(scenario.count):
        async with Process(scenario) as p:
            inits.append(p.init_ms)
            b = COUNTER.snapshot()
            t0 = proc_cpu_ticks(p.proc.pid)
            firsts.append(await invoke(p, scenario, result))
            ticks += proc_cpu_ticks(p.proc.pid) - t0
            a = COUNTER.snapshot()
            for k in set(a) | set(b):
                after[k] = after.get(k, 0) + a.get(k, 0) - b.get(k, 0)
            warms.append(await invoke(p, scenario, result))
            rss = max(rss, proc_hwm_kb(p.proc.pid) / 1024)
    result.aws_per_call = per_call(before, after, scenario.count)
    result.init_ms = statistics.median(inits)
    result.p50_ms = statistics.median(firsts) * 1000
    result.p99_ms = max(firsts) * 1000
    result.warm_p50_ms = statistics.median(warms) * 1000
    result.cpu_ms = ticks / CLK_TCK * 1000 / scenario.count
    result.rss_mb = rss
    result.invocations = len(firsts)
    return result


async def prepare(p: Process, scenario: Scenario) -> None:
    """Scenarios that need a value from the stack (fetch needs an id a search returned)."""
    if scenario.prepare:
        outcome = await p.api.invoke(scenario.prepare_event())
        scenario.absorb(json.loads(json.loads(outcome.body)["body"]))


async def invoke(p: Process, scenario: Scenario, result: Result, timeout: float = 60.0, warmup: bool = False) -> float:
    i = scenario.state.get("i", 0)
    if scenario.fake_before is not None:
        for path, body in scenario.fake_before(i):
            await http_post(f"{FAKES_URL}{path}", body)
    event = scenario.warmup_event() if warmup else scenario.event()
    scenario.state["i"] = i + 1
    outcome = await p.api.invoke(event, timeout)
    ok, hits, why = check(scenario, outcome)
    if ok:
        result.hits = hits
    else:
        result.failures += 1
        if len(result.notes) < 1:
            result.notes.append(why)
    return outcome.seconds


async def instructions(scenario: Scenario) -> float | None:
    """Instructions per invocation: two callgrind runs, W and W+N invocations, differenced."""
    warm, n = scenario.callgrind_warmup, scenario.callgrind_count
    totals = []
    for count in (warm, warm + n):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "callgrind.out"
            wrapper = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                       "--dump-instr=no", "--compress-strings=no", "--trace-children=no",
                       # Threads take turns fairly: without it a spinning thread can starve the
                       # one doing I/O for seconds under valgrind.
                       "--fair-sched=yes"]
            slow = Scenario(**{**scenario.__dict__, "env": {**scenario.env, **scenario.callgrind_env}})
            dummy = Result(scenario.name, scenario.impl, scenario.function)
            async with Process(slow, wrapper) as p:
                await prepare(p, slow)
                for _ in range(count):
                    await invoke(p, slow, dummy, timeout=300)
            if dummy.failures:
                return None
            total = callgrind_total(out)
            if total is None:
                return None
            totals.append(total)
            if KEEP_CALLGRIND:
                # For infra/bench/attribute.py: the same two runs, attributed by function.
                kept = OUT / "callgrind"
                kept.mkdir(exist_ok=True)
                (kept / f"{scenario.key}-{count}.out").write_bytes(out.read_bytes())
    return (totals[1] - totals[0]) / n


def callgrind_total(path: Path) -> int | None:
    if not path.exists():
        return None
    match = re.search(r"^(?:summary|totals):\s*(\d+)", path.read_text(errors="replace"), re.M)
    return int(match.group(1)) if match else None


async def main() -> int:
    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    await COUNTER.start(int(ENV["BENCH_DDB_PROXY_PORT"]))
    only = ENV.get("BENCH_ONLY")
    results = []
    for scenario in scenarios(ENV):
        if only and not re.search(only, scenario.key):
            continue
        started = time.perf_counter()
        try:
            result = await measure(scenario)
        except Exception as err:  # one broken scenario must not hide the others' figures
            result = new_result(scenario)
            result.notes.append(f"{type(err).__name__}: {err}")
        results.append(result)
        print(f"  {scenario.impl:6} {scenario.name:38} init {fmt(result.init_ms)} ms  p50 {fmt(result.p50_ms)} ms"
              f"  cpu {fmt(result.cpu_ms, 3)} ms  rss {fmt(result.rss_mb)} MB  instr {fmt(result.instructions, 0)}"
              f"  fail {result.failures}  hits {result.hits}  ({time.perf_counter() - started:.0f}s)"
              + (f"  warm p50 {fmt(result.warm_p50_ms)} ms" if result.warm_p50_ms else "")
              + f"  aws/call {result.aws_per_call}  upstream/call {result.upstream_per_call}"
              + (f"  {result.notes[0]}" if result.notes else ""), file=sys.stderr, flush=True)
    await set_latency(0)
    write_report(results, OUT, ROOT, ENV)
    return 0


def fmt(value, digits=1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
