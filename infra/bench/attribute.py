#!/usr/bin/env python3
"""Where a call's instructions go: two callgrind runs of one scenario (W and W+N invocations,
kept by `BENCH_CALLGRIND_KEEP=1`), differenced per function and summed by part.

    attribute.py .dev/bench/callgrind/mcp-3-2.out .dev/bench/callgrind/mcp-3-12.out --calls 10

Self cost (instructions executed in the function's own body) is what is summed: with async code
a caller's inclusive cost misses the work its futures hand to other tasks (hyper's connection
task, the runtime's I/O driver), so crate-level self cost is the honest split. Needs the
`profiling` build (symbols); a stripped release build attributes everything to `???`.
Prints a Markdown table; figures, never assertions.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import defaultdict

# (part, symbol prefixes), first match wins; a symbol is matched after leading `<` and `&`.
PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("our code: connectors (query planning, upstream wire types, ranking)", ("workplace_connectors",)),
    ("our code: service (pipeline, tools, MCP and REST handling)", ("workplace_service", "mcp::", "workplace_wire")),
    ("our code: auth (JWT verification)", ("workplace_auth",)),
    ("our code: rate limiter", ("workplace_ratelimit",)),
    ("our code: shared cache", ("workplace_cache",)),
    ("our code: invocation record", ("workplace_record",)),
    ("our code: secrets", ("workplace_secrets",)),
    ("text extraction", ("workplace_extract", "quick_xml", "lopdf", "calamine", "zip::")),
    ("JSON (serde_json, serde)", ("serde_json", "serde::", "serde_core", "serde_path_to_error")),
    ("HTTP (hyper, reqwest, http, h2, tower)", ("hyper", "reqwest", "http::", "http_body", "httparse", "h2::", "tower", "want::", "url::", "idna", "percent_encoding", "form_urlencoded")),
    ("AWS SDK (DynamoDB for the limiter and cache; signing)", ("aws_", "<aws_")),
    ("TLS and crypto (rustls, aws-lc)", ("rustls", "aws_lc", "ring::", "webpki", "sha2", "hmac")),
    ("JWT library (jsonwebtoken)", ("jsonwebtoken",)),
    ("MCP protocol (rmcp)", ("rmcp",)),
    ("Lambda runtime (lambda_runtime, lambda_http)", ("lambda_runtime", "lambda_http", "aws_lambda_events")),
    ("async runtime (tokio, futures, mio)", ("tokio", "futures", "mio::", "async_stream", "pin_project")),
    ("logging and tracing", ("tracing", "sharded_slab", "nu_ansi_term")),
    ("compression (flate2, miniz)", ("flate2", "miniz_oxide", "crc32fast", "adler")),
    ("regex", ("regex", "aho_corasick", "memchr")),
    ("base64, time, ids", ("base64", "time::", "uuid", "rand", "hex::")),
    ("Rust std (formatting, collections, strings)", ("core::", "alloc::", "std::", "hashbrown", "smallvec", "bytes::", "indexmap")),
]
LIBC = ("malloc", "free", "realloc", "calloc", "memcpy", "memmove", "memset", "memcmp", "bcmp", "strlen",
        "__memcpy", "__memmove", "__memset", "__memcmp", "_int_malloc", "_int_free", "__libc", "cfree",
        "__strlen", "unlink_chunk", "malloc_consolidate", "_int_realloc", "tcache")
LINE = re.compile(r"^\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(.*)$")


def self_costs(path: str) -> dict[str, int]:
    """Self instructions per function, from callgrind_annotate (demangled)."""
    out = subprocess.run(
        ["callgrind_annotate", "--inclusive=no", "--threshold=100", "--auto=no", "--show-percs=no", path],
        check=True, capture_output=True, text=True).stdout
    costs: dict[str, int] = defaultdict(int)
    started = False
    for line in out.splitlines():
        if not started:
            # The per-function list follows the header line naming the event and "file:function".
            started = "file:function" in line
            continue
        m = LINE.match(line)
        if not m:
            continue
        count, name = int(m.group(1).replace(",", "")), m.group(2).strip()
        if name.startswith("* ") or not name:
            continue
        costs[function_of(name)] += count
    return costs


def function_of(entry: str) -> str:
    """`file:function` -> function; the file is `???` or a path (which holds no `::`)."""
    entry = re.sub(r"\s+\[[^\]]*\]$", "", entry)  # a trailing "[object file]"
    i = 0
    while True:
        j = entry.find(":", i)
        if j < 0:
            return entry
        if entry[j:j + 2] != "::" and (j == 0 or entry[j - 1] != ":"):
            return entry[j + 1:]
        i = j + 2


def part_of(function: str) -> str:
    name = function.lstrip("<&*( ")
    name = re.sub(r"^(dyn |impl |mut |const )", "", name)
    for part, prefixes in PARTS:
        if name.startswith(prefixes):
            return part
    base = name.split("(")[0]
    if base.startswith(LIBC) or base.lstrip("_").startswith(LIBC):
        return "allocator and libc (malloc, free, memcpy)"
    if name in ("0x0000000000000000",) or name.startswith("0x"):
        return "unsymbolised (libc, vdso)"
    return "other"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("warm", help="callgrind output of the run with W invocations")
    ap.add_argument("more", help="callgrind output of the run with W+N invocations")
    ap.add_argument("--calls", type=int, required=True, help="N: the invocations the second run added")
    ap.add_argument("--top", type=int, default=15, help="functions listed (by self cost per call)")
    args = ap.parse_args()
    a, b = self_costs(args.warm), self_costs(args.more)
    per_call = {f: (b.get(f, 0) - a.get(f, 0)) / args.calls for f in set(a) | set(b)}
    total = sum(per_call.values())
    parts: dict[str, float] = defaultdict(float)
    for function, cost in per_call.items():
        parts[part_of(function)] += cost
    print(f"Instructions per call: {total:,.0f}\n")
    print("| part | instructions per call | share |")
    print("|---|---|---|")
    for part, cost in sorted(parts.items(), key=lambda kv: -kv[1]):
        if abs(cost) >= total * 0.001:
            print(f"| {part} | {cost:,.0f} | {cost / total:.1%} |")
    print(f"\nThe {args.top} functions with the most self cost per call:\n")
    print("| function | instructions per call | share |")
    print("|---|---|---|")
    for function, cost in sorted(per_call.items(), key=lambda kv: -kv[1])[: args.top]:
        shown = function if len(function) <= 110 else function[:107] + "..."
        shown = shown.replace("|", "\\|")
        print(f"| `{shown}` | {cost:,.0f} | {cost / total:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
