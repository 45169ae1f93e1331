#!/usr/bin/env python3
"""Replay crafted tokens over HTTP against a running local stack: every one must get 401 with a
`WWW-Authenticate: Bearer ...` challenge, none a 5xx. Standard library only.

The in-process corpus (shared/service/tests/test_jwt_attacks.rs) also covers attacks that need the
identity provider's private key; here the attacker holds what a real attacker could: nothing, or
(for the service-token cases) the dev stack's own service-token key, which proves the subject
allowlist, the lifetime cap and the header checks hold on the deployed code path.
Reads .dev/stack.env and .dev/jwt_secret_key (written by `make dev` / stack.sh).
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra" / "scripts"))
from mint_token import ALL_SCOPES  # noqa: E402


def env() -> dict:
    """The stack's URLs (stack.env) and the functions' settings (watch.env)."""
    values = {}
    for name in ("watch.env", "stack.env"):
        path = ROOT / ".dev" / name
        for line in path.read_text().splitlines() if path.exists() else []:
            if "=" in line:
                key, value = line.split("=", 1)
                values[key] = value
    return values


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def j(value) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def signed(header: dict, claims, key: bytes, digest=hashlib.sha256) -> str:
    head = f"{j(header)}.{j(claims)}"
    return f"{head}.{b64(hmac.new(key, head.encode(), digest).digest())}"


def corpus(key: bytes, audience: str) -> list:
    now = int(time.time())
    base = {"iss": "workplace-mcp", "aud": audience, "sub": "dev-user", "azp": "attacker",
            "scope": ALL_SCOPES, "iat": now, "exp": now + 600}
    oidc = dict(base, iss=env().get("DESCOPE_ISSUER", "https://api.descope.com/v1/apps/agentic/P2demo/MSdemo"))
    hs = {"alg": "HS256", "typ": "JWT"}

    def claims(**changes):
        body = dict(base)
        for name, value in changes.items():
            if value is None:
                body.pop(name, None)
            else:
                body[name] = value
        return body

    return [
        ("alg none", f"{j({'alg': 'none'})}.{j(base)}."),
        ("alg None", f"{j({'alg': 'None'})}.{j(base)}."),
        ("alg NONE", f"{j({'alg': 'NONE'})}.{j(oidc)}."),
        ("alg nOnE with a signature", signed({"alg": "nOnE"}, base, key)),
        ("HS256 with the OIDC issuer", signed(dict(hs, kid="any"), oidc, key)),
        ("subject outside the allowlist", signed(hs, claims(sub="mallory"), key)),
        ("subject differing in case", signed(hs, claims(sub="Dev-User"), key)),
        ("missing sub", signed(hs, claims(sub=None), key)),
        ("empty sub", signed(hs, claims(sub=""), key)),
        ("missing iat", signed(hs, claims(iat=None), key)),
        ("lifetime of two days", signed(hs, claims(exp=now + 2 * 86400), key)),
        ("iat in the future", signed(hs, claims(iat=now + 3000, exp=now + 3300), key)),
        ("exp as a string", signed(hs, claims(exp=str(now + 600)), key)),
        ("exp as a float", signed(hs, claims(exp=now + 600.5), key)),
        ("exp beyond u64", signed(hs, claims(exp=10 ** 20), key)),
        ("aud list without this server", signed(hs, claims(aud=["https://a.example.com", "https://b.example.com"]), key)),
        ("aud with a trailing slash", signed(hs, claims(aud=audience + "/"), key)),
        ("aud empty list", signed(hs, claims(aud=[]), key)),
        ("issuer in another case", signed(hs, claims(iss="Workplace-MCP"), key)),
        ("issuer with a trailing slash", signed(hs, claims(iss="workplace-mcp/"), key)),
        ("HS512", signed({"alg": "HS512"}, base, key, hashlib.sha512)),
        ("crit header", signed(dict(hs, crit=["exp"]), base, key)),
        ("jku header", signed(dict(hs, jku="https://evil.example.com/jwks.json"), base, key)),
        ("x5u header", signed(dict(hs, x5u="https://evil.example.com/cert.pem"), base, key)),
        ("jwk header", signed(dict(hs, jwk={"kty": "oct", "k": b64(b"attacker-key-attacker-key-attacker")}), base, key)),
        ("nested JWT", signed(dict(hs, cty="JWT"), signed(hs, base, key), key)),
        ("guessed key", signed(hs, base, b"secret")),
        ("tampered payload", signed(hs, base, key).replace(j(base), j(claims(sub="U2alice", scope="admin")))),
        ("8 KiB + 1", "A" * (8 * 1024 + 1)),
        ("empty segments", ".."),
        ("non-base64url", "eyJhbGciOiJIUzI1NiJ9.e30*.c2ln"),
    ]


def call(url: str, token: str):
    body = json.dumps({"name": "workplace_search", "arguments": {"query": "budget"}}).encode()
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as err:
        return err.code, err.headers


def main() -> int:
    values = env()
    base_url = values["WORKPLACE_BASE_URL"]
    key = (ROOT / ".dev" / "jwt_secret_key").read_bytes().strip()
    url = f"{base_url}/mcp/tools/workplace_search/call"
    audience = values["WORKPLACE_MCP_URL"]

    # Control: the stack's own token works, so refusals below are the tokens' doing.
    status, _ = call(url, (ROOT / ".dev" / "token").read_text().strip())
    if status != 200:
        print(f"control: the dev token got HTTP {status}, expected 200", file=sys.stderr)
        return 1
    failures = []
    tokens = corpus(key, audience)
    for name, token in tokens:
        status, headers = call(url, token)
        challenge = headers.get("WWW-Authenticate", "")
        ok = status == 401 and challenge.startswith("Bearer ")
        print(f"{'ok  ' if ok else 'FAIL'} {status} {name}")
        if not ok:
            failures.append(f"{name}: HTTP {status}, challenge {challenge!r}")
    if failures:
        print(f"\n{len(failures)} of {len(tokens)} crafted tokens were not refused:", file=sys.stderr)
        print("\n".join(failures), file=sys.stderr)
        return 1
    print(f"all {len(tokens)} crafted tokens refused with 401 and a challenge")
    return 0


if __name__ == "__main__":
    sys.exit(main())
