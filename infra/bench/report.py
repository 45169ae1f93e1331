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
