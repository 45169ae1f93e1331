"""The benchmark's table: every Rust figure, and each against the Python reference as a ratio."""
from __future__ import annotations

import io
import json
import os
import platform
import subprocess
import time
import zipfile
from dataclasses import asdict
from pathlib import Path

RUST_FUNCTIONS = ["health", "list-tools", "workplace-search", "mcp"]
METRICS = [  # (field, heading, digits)
    ("init_ms", "Init ms", 1),
    ("p50_ms", "p50 ms", 2),
    ("p99_ms", "p99 ms", 2),
    ("cpu_ms", "CPU ms/inv", 3),
    ("rss_mb", "peak RSS MB", 1),
    ("instructions", "instr/inv", 0),
]


# List prices, us-east-1, arm64 Lambda (template.yaml's Architectures), taken 2026-12-04 from the
# reference pages cited in docs/BENCHMARKS.md ("What one million searches cost").
PRICES = {
    "lambda_gb_s": 0.0000133334,  # arm64, first 7.5 billion GB-s a month
    "lambda_request": 0.20 / 1e6,
    "ddb_read": 0.125 / 1e6,  # on-demand read request unit (a read of up to 4 KB)
    "ddb_write": 0.625 / 1e6,  # on-demand write request unit (a write of up to 1 KB)
    "http_api_request": 1.00 / 1e6,  # HTTP API, first 300 million a month
}
MEMORY_GB = 0.5  # McpFunction's MemorySize (template.yaml); the reference is priced at the same


def cost_per_million(r) -> dict | None:
    """What one million calls like `r` cost, from its measured p50 (billed duration rounds up to
    the millisecond) and the DynamoDB requests the proxy counted (one unit each: the items are
    small; a text item above 4 KB read or 1 KB written costs more units, not counted here)."""
    if r.p50_ms is None:
        return None
    reads = sum(v for k, v in r.aws_per_call.items() if k.endswith(":read"))
    writes = sum(v for k, v in r.aws_per_call.items() if k.endswith(":write"))
    billed_s = -(-r.p50_ms // 1) / 1000
    lam = 1e6 * (billed_s * MEMORY_GB * PRICES["lambda_gb_s"] + PRICES["lambda_request"])
    ddb = 1e6 * (reads * PRICES["ddb_read"] + writes * PRICES["ddb_write"])
    api = 1e6 * PRICES["http_api_request"]
    return {"gb_s": 1e6 * billed_s * MEMORY_GB, "lambda": lam, "reads": reads * 1e6, "writes": writes * 1e6,
            "ddb": ddb, "api": api, "total": lam + ddb + api}


def zipped_size(files: list[tuple[Path, str]]) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for path, name in files:
            z.write(path, name)
    return buffer.tell()


def sizes(root: Path, env) -> dict:
    out = {}
    for f in RUST_FUNCTIONS:
        binary = Path(env.get("BENCH_TARGET_DIR", root / "target")) / env.get("BENCH_PROFILE", "release") / f
        if binary.exists():
            out[f] = (binary.stat().st_size, zipped_size([(binary, "bootstrap")]))
    # The reference's deployment package: the handler and its dependencies, without what the
    # Python runtime brings (awslambdaric, pip).
    site = next((root / ".tools" / "venv-bench" / "lib").glob("python3*/site-packages"), None)
    handler = Path(__file__).resolve().parent / "reference" / "handler.py"
    if site is not None:
        skip = ("awslambdaric", "pip", "_distutils_hack", "setuptools", "pkg_resources", "__pycache__")
        files = [(handler, "handler.py")]
        for path in site.rglob("*"):
            rel = path.relative_to(site)
            if path.is_file() and not any(part.startswith(skip) for part in rel.parts) and path.suffix != ".pyc":
                files.append((path, str(rel)))
        out["reference"] = (sum(p.stat().st_size for p, _ in files), zipped_size(files))
    return out


def fmt(value, digits) -> str:
    if value is None:
        return "–"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def ratio(a, b) -> str:
    if a is None or b in (None, 0):
        return "–"
    return f"{a / b:.3f}" if a / b < 0.1 else f"{a / b:.2f}"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.machine()}, {os.cpu_count()} cores, {cpu}, Linux {platform.release()}"


def write_report(results, out: Path, root: Path, env) -> None:
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [f"workplace-mcp bench — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {commit}, {machine()}", ""]
    lines.append(f"Rust functions ({env.get('BENCH_PROFILE', 'release')} build), every scenario:")
    lines.append("")
    head = ["scenario", "function"] + [h for _, h, _ in METRICS] + ["n", "fail"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for r in results:
        if r.impl != "rust":
            continue
        row = [r.scenario, r.function] + [fmt(getattr(r, f), d) for f, _, d in METRICS] + [str(r.invocations), str(r.failures)]
        lines.append("| " + " | ".join(row) + " |")
    python = {r.scenario: r for r in results if r.impl == "python"}
    lines += ["", "Against the Python reference (FastMCP + httpx under awslambdaric), ratio Rust/Python (below 1: Rust is cheaper):", ""]
    head = ["scenario"] + [f"{h} Rust / Py / ratio" for _, h, _ in METRICS]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for r in results:
        if r.impl != "rust":
            continue
        p = python.get(r.scenario.replace(", no rate limit", ""))
        if p is None:
            continue
        row = [r.scenario] + [f"{fmt(getattr(r, f), d)} / {fmt(getattr(p, f), d)} / {ratio(getattr(r, f), getattr(p, f))}" for f, _, d in METRICS]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "Issue 23's scenarios, with whether caches were warm; round trips = p50 / upstream latency; "
              "first/warm = a fresh container's first call against its second:", ""]
    head = ["scenario", "impl", "caches", "Init ms", "p50 ms", "warm p50 ms", "first/warm", "round trips", "CPU ms/call", "peak RSS MB", "n", "fail"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for r in results:
        if not r.latency_ms:
            continue
        trips = r.p50_ms / r.latency_ms if r.p50_ms is not None else None
        row = [r.scenario, r.impl, r.caches, fmt(r.init_ms, 1), fmt(r.p50_ms, 1), fmt(r.warm_p50_ms, 1),
               ratio(r.p50_ms, r.warm_p50_ms) if r.warm_p50_ms else "–", fmt(trips, 2), fmt(r.cpu_ms, 2),
               fmt(r.rss_mb, 1), str(r.invocations), str(r.failures)]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "What reached the AWS emulator per measured call (counted by the proxy in front of it; "
              "limiter = the rate-limit table, cache:token / cache:text by the item's `part`, cache:miss = a read that found nothing; "
              "a fresh container's first call only):", ""]
    causes = sorted({k for r in results for k in r.aws_per_call})
    lines.append("| scenario | impl | " + " | ".join(causes) + " |")
    lines.append("|" + "---|" * (len(causes) + 2))
    for r in results:
        if r.p50_ms is None:
            continue
        lines.append(f"| {r.scenario} | {r.impl} | " + " | ".join(fmt(r.aws_per_call.get(k), 3) for k in causes) + " |")
    lines += ["", "Upstream requests per measured call, by the fakes' route names (warm-process scenarios):", ""]
    for r in results:
        if r.upstream_per_call:
            lines.append(f"- {r.impl} {r.scenario}: " + ", ".join(f"{k} {v:g}" for k, v in r.upstream_per_call.items()))
    lines += ["", f"What one million searches cost at list prices (USD; {MEMORY_GB * 1024:.0f} MB arm64 Lambda at "
              f"${PRICES['lambda_gb_s']:.10f}/GB-s and $0.20/M requests, DynamoDB on-demand $0.125/M reads and $0.625/M "
              "writes, HTTP API $1.00/M requests; duration = the measured p50, Init not included):", ""]
    head = ["scenario", "impl", "Lambda GB-s", "Lambda $", "DynamoDB reads", "DynamoDB writes", "DynamoDB $", "HTTP API $", "total $", "ratio to Python"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    py_cost = {r.scenario: cost_per_million(r) for r in results if r.impl == "python"}
    for r in results:
        if not r.scenario.startswith("MCP search, 3 sources"):
            continue
        c = cost_per_million(r)
        if c is None:
            continue
        p = py_cost.get(r.scenario.replace(", no rate limit", "")) if r.impl == "rust" else None
        row = [r.scenario, r.impl, fmt(c["gb_s"], 0), fmt(c["lambda"], 2), fmt(c["reads"], 0), fmt(c["writes"], 0),
               fmt(c["ddb"], 2), fmt(c["api"], 2), fmt(c["total"], 2), ratio(c["total"], p["total"]) if p else "–"]
        lines.append("| " + " | ".join(row) + " |")
    size = sizes(root, env)
    lines += ["", "Deployment size (bytes; zip = the deployment package, deflated):", "", "| function | unpacked | zip | zip ratio to Python |", "|---|---|---|---|"]
    py_zip = size.get("reference", (None, None))[1]
    for name, (raw, zipped) in size.items():
        lines.append(f"| {name} | {raw:,} | {zipped:,} | {ratio(zipped, py_zip)} |")
    notes = [f"- {r.impl} {r.scenario}: {r.failures} failed; {r.notes[0]}" for r in results if r.notes]
    if notes:
        lines += ["", "Problems:"] + notes
    text = "\n".join(lines) + "\n"
    (out / "results.md").write_text(text)
    (out / "results.json").write_text(json.dumps({"results": [asdict(r) for r in results], "sizes": size}, indent=2))
    print(text)
