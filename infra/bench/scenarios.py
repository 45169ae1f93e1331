"""The benchmark's scenarios: which binary, which API Gateway v2 event (built from the committed
fixtures in tests/events), which upstream latency, with or without rate limiting, in a warm process
or a fresh one per invocation, and what the fakes are told before the run and before each call
(further Descope users, edits that make every document's text new)."""
from __future__ import annotations

import copy
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ALL = ["google_drive", "notion", "sharepoint"]
ONE = ["google_drive"]
QUERY = "quarterly budget"
# Cold snippets: one query per invocation, in turn, each finding other Drive and Notion documents.
COLD_QUERIES = ["quarterly budget", "onboarding", "incident review", "postmortem", "design doc",
                "policy", "planning", "architecture", "security review", "retro", "sales pipeline",
                "benefits", "travel expense", "roadmap", "vendor procurement", "office move"]


def corpus_ids(sources=("google_drive", "notion")) -> list[str]:
    root = Path(__file__).resolve().parents[2]
    docs = json.loads((root / "infra" / "fakes" / "corpus" / "demo.json").read_text())["documents"]
    return [d["id"] for d in docs if d["source"] in sources]


@dataclass
class Scenario:
    key: str
    name: str
    impl: str  # "rust" or "python"
    function: str
    argv: list
    env: dict
    event_factory: Callable[["Scenario"], bytes]
    validate: Callable[[dict], tuple]
    latency_ms: int = 0
    warmup: int = 5
    count: int = 200
    callgrind: bool = False
    callgrind_env: dict = field(default_factory=dict)
    callgrind_warmup: int = 2
    callgrind_count: int = 10
    cwd: str | None = None
    prepare: bool = False
    state: dict = field(default_factory=dict)
    # "warm": one process for every invocation; "fresh": a new process per measured invocation
    # (its Init reported apart), then a second, warm call in the same process for the ratio.
    mode: str = "warm"
    # Which caches the measured calls find warm, printed with the figures.
    caches: str = "warm (process and shared)"
    # Control calls to the fakes ((path, body) pairs): once after the reset, and before each
    # invocation (given its index).
    fake_setup: list = field(default_factory=list)
    fake_before: Callable[[int], list] | None = None
    # Events for the warm-up invocations, when they differ from the measured ones.
    warmup_factory: Callable[["Scenario"], bytes] | None = None

    def event(self) -> bytes:
        return self.event_factory(self)

    def warmup_event(self) -> bytes:
        return (self.warmup_factory or self.event_factory)(self)

    def prepare_event(self) -> bytes:
        return mcp_event(self.state["token"], self.state["host"], tools_call("workplace_search", {"query": QUERY, "sources": ONE}))

    def absorb(self, search_body: dict) -> None:
        """Keeps the first hit's id of a search, for `fetch`."""
        self.state["fetch_id"] = hits_of(search_body)[0]["id"]


def fixture(name: str) -> dict:
    root = Path(__file__).resolve().parents[2]
    return json.loads((root / "tests" / "events" / f"{name}.json").read_text())


FIXTURES: dict = {}


def event(name: str, token: str | None, host: str, body: str | None = None) -> bytes:
    if name not in FIXTURES:
        FIXTURES[name] = fixture(name)
    e = copy.deepcopy(FIXTURES[name])
    e["headers"]["host"] = host
    e["requestContext"]["domainName"] = host
    if token is None:
        e["headers"].pop("authorization", None)
    else:
        e["headers"]["authorization"] = f"Bearer {token}"
    if body is not None:
        e["body"] = body
    return json.dumps(e).encode()


def mcp_event(token: str, host: str, body: str) -> bytes:
    return event("mcp_tools_call", token, host, body)


def tools_call(tool: str, arguments: dict) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": tool, "arguments": arguments}})


def hits_of(body: dict) -> list:
    """The hits of a REST answer or of an MCP tools/call result."""
    if "result" in body:
        result = body["result"]
        if result.get("isError"):
            raise ValueError(f"tool error: {json.dumps(result)[:200]}")
        structured = result.get("structuredContent")
        if structured is None:
            structured = json.loads(result["content"][0]["text"])
        return structured.get("results", [])
    if "error" in body and isinstance(body["error"], dict):
        raise ValueError(f"JSON-RPC error: {body['error']}")
    return body.get("results") or body.get("structuredContent", {}).get("results", [])


def search_ok(body: dict) -> tuple:
    hits = hits_of(body)
    return (len(hits) > 0, len(hits), "no hits" if not hits else "")


def any_ok(body: dict) -> tuple:
    if "error" in body and "result" not in body and "jsonrpc" in body:
        return False, None, str(body["error"])[:200]
    return True, None, ""


def fetch_ok(body: dict) -> tuple:
    result = body.get("result", {})
    if result.get("isError") or not result.get("content"):
        return False, None, json.dumps(body)[:200]
    return True, 1, ""


def env_minter(env) -> Callable[[str], str]:
    """Mints a service token for a subject, as infra/scripts/mint_token.py does for BENCH_TOKEN."""
    sys.path.insert(0, str(Path(env["BENCH_ROOT"]) / "infra" / "scripts"))
    from mint_token import EVERY_SCOPE, mint  # noqa: E402

    secret = (Path(env["BENCH_OUT"]) / "jwt_secret_key").read_bytes().strip()
    audience = f"http://{env['BENCH_HOST']}/mcp"

    def minted(subject: str) -> str:
        now = int(time.time())
        return mint(secret, {"iss": "workplace-mcp", "aud": audience, "sub": subject, "azp": "local-dev",
                             "scope": EVERY_SCOPE, "iat": now, "exp": now + 43200})
    return minted


def scenarios(env) -> list[Scenario]:
    root = Path(env["BENCH_ROOT"])
    release = Path(env.get("BENCH_TARGET_DIR", root / "target")) / env.get("BENCH_PROFILE", "release")
    token, host = env["BENCH_TOKEN"], env["BENCH_HOST"]
    rust_env = json.loads(env["BENCH_FUNCTION_ENV"])
    no_rl = {k: v for k, v in rust_env.items() if not k.startswith("RATE_LIMIT_")}
    # Valgrind runs the code ~50x slower: deadlines that would fire there are raised, so the
    # counted path is the one taken without valgrind (no timeout, no fail-open).
    slow_env = {"RATE_LIMIT_TIMEOUT_MS": "5000", "SECRETS_OPERATION_TIMEOUT_MS": "30000",
                "SECRETS_ATTEMPT_TIMEOUT_MS": "3000", "SOURCE_TIMEOUT_MS": "25000", "REQUEST_DEADLINE_MS": "28000"}
    python_env = json.loads(env["BENCH_REFERENCE_ENV"])
    python = [str(root / ".tools" / "venv-bench" / "bin" / "python"), "-m", "awslambdaric", "handler.handler"]
    n_instant = int(env.get("BENCH_COUNT", "200"))
    n_slow = int(env.get("BENCH_SLOW_COUNT", "15"))

    def rust(key, name, function, factory, validate, *, rl=True, latency=0, callgrind=True, prepare=False, **extra):
        return Scenario(**extra,
            key=key, name=name, impl="rust", function=function, argv=[str(release / function)],
            env=rust_env if rl else no_rl, event_factory=factory, validate=validate, latency_ms=latency,
            count=n_slow if latency else n_instant,
            # Off by default: under valgrind the Rust functions' Init calls (secrets, rate-limit warm-up)
            # time out (see docs/BENCHMARKS.md, "Known gaps"); BENCH_RUST_CALLGRIND=1 tries anyway.
            callgrind=callgrind and not latency and env.get("BENCH_RUST_CALLGRIND", "0") == "1",
            callgrind_env=slow_env, prepare=prepare, state={"token": token, "host": host})

    def ref(key, name, factory, *, latency=0, **extra):
        return Scenario(**extra,
            key=key, name=name, impl="python", function="reference", argv=python, env=python_env,
            event_factory=factory, validate=search_ok, latency_ms=latency,
            count=n_slow if latency else max(50, n_instant // 2),
            callgrind=not latency and env.get("BENCH_PYTHON_CALLGRIND", "1") == "1",
            callgrind_warmup=1, callgrind_count=5, cwd=str(Path(__file__).resolve().parent / "reference"),
            state={"token": token, "host": host})

    def rest(sources):
        body = json.dumps({"name": "workplace_search", "arguments": {"query": QUERY, "sources": sources, "max_results": 10}})
        return lambda s: event("tool_call_post", token, host, body)

    def mcp(sources):
        body = tools_call("workplace_search", {"query": QUERY, "sources": sources, "max_results": 10})
        return lambda s: mcp_event(token, host, body)

    def mcp_query(s):
        """The next cold-snippets query (by invocation index)."""
        query = COLD_QUERIES[s.state.get("i", 0) % len(COLD_QUERIES)]
        return mcp_event(token, host, tools_call("workplace_search", {"query": query, "sources": ALL, "max_results": 10}))

    def new_user(s):
        """A token for a subject this process has never seen (minted with the dev signing key)."""
        return mcp_event(s.state["mint"](f"bench-user-{s.state.get('i', 0)}"), host,
                         tools_call("workplace_search", {"query": QUERY, "sources": ALL, "max_results": 10}))

    documents = corpus_ids()

    def edit_everything(i):
        """Every Drive file and Notion page gets a new last-change time: no text is cached."""
        stamp = f"2026-12-{1 + i // 1440 % 28:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00.000Z"
        return [("/_fake/edit", {"id": doc, "last_edited_time": stamp}) for doc in documents]

    # Distinct subjects for the new-user scenario: one per invocation, warm-up included.
    users = [f"bench-user-{i}" for i in range(n_slow + 10)]
    new_user_env = {**rust_env, "SERVICE_TOKEN_SUBJECTS": ",".join(["dev-user", *users])}
    add_users = [("/_fake/users", {"user_id": u, "like": "dev-user"}) for u in users]
    mint = env_minter(env)
    n_fresh = int(env.get("BENCH_FRESH_COUNT", "10"))

    def fetch(s):
        return mcp_event(token, host, tools_call("fetch", {"id": s.state["fetch_id"]}))

    out = [
        rust("health", "health", "health", lambda s: event("health_get", None, host), any_ok),
        rust("list-tools", "list-tools", "list-tools", lambda s: event("tools_list_get", token, host), any_ok),
        rust("rest-1", "REST search, 1 source", "workplace-search", rest(ONE), search_ok),
        rust("rest-3", "REST search, 3 sources", "workplace-search", rest(ALL), search_ok),
        rust("mcp-1", "MCP search, 1 source", "mcp", mcp(ONE), search_ok),
        rust("mcp-3", "MCP search, 3 sources", "mcp", mcp(ALL), search_ok),
        rust("mcp-3-norl", "MCP search, 3 sources, no rate limit", "mcp", mcp(ALL), search_ok, rl=False),
        rust("mcp-fetch", "MCP fetch (Drive doc)", "mcp", fetch, fetch_ok, prepare=True),
        rust("rest-3-200", "REST search, 3 sources, 200 ms", "workplace-search", rest(ALL), search_ok, latency=200),
        rust("mcp-3-200", "MCP search, 3 sources, 200 ms", "mcp", mcp(ALL), search_ok, latency=200),
        rust("mcp-3-200-norl", "MCP search, 3 sources, 200 ms, no rate limit", "mcp", mcp(ALL), search_ok, rl=False, latency=200),
        rust("fresh-200", "MCP search, 3 sources, 200 ms, fresh container", "mcp", mcp(ALL), search_ok,
             latency=200, mode="fresh", caches="process cold; shared warmed by an earlier container"),
        rust("new-user-200", "MCP search, 3 sources, 200 ms, new user", "mcp", new_user, search_ok, latency=200,
             caches="process warm for another user; no token for this one", fake_setup=add_users,
             warmup_factory=mcp(ALL)),
        rust("cold-200", "MCP search, 3 sources, 200 ms, cold snippets", "mcp", mcp_query, search_ok, latency=200,
             caches="tokens warm; no text cached (every document edited before each call)",
             fake_before=edit_everything),
        ref("py-mcp-1", "MCP search, 1 source", mcp(ONE)),
        ref("py-mcp-3", "MCP search, 3 sources", mcp(ALL)),
        ref("py-mcp-3-200", "MCP search, 3 sources, 200 ms", mcp(ALL), latency=200),
        ref("py-fresh-200", "MCP search, 3 sources, 200 ms, fresh container", mcp(ALL), latency=200,
            mode="fresh", caches="process cold (the reference has no shared cache)"),
        ref("py-cold-200", "MCP search, 3 sources, 200 ms, cold snippets", mcp_query, latency=200,
            caches="tokens warm; the reference reads no text", fake_before=edit_everything),
    ]
    for s in out:
        s.state["mint"] = mint
        if s.key == "new-user-200":
            s.env = new_user_env
        if s.mode == "fresh":
            s.count = n_fresh if s.impl == "rust" else max(3, n_fresh // 2)
            s.callgrind = False
        if s.latency_ms == 0:
            s.caches = "warm (process and shared)"
    return out
