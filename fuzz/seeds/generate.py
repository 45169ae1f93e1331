#!/usr/bin/env python3
"""Writes the committed seed corpus of every fuzz target into fuzz/seeds/<target>/, deterministically
(same repository, same bytes), from the project's real inputs:

- bearer: the JWT attack corpus of shared/service/tests/test_jwt_attacks.rs (same headers and
  claims, fixed timestamps; HS256 tokens signed with the fuzz target's service key so they get past
  the signature to the claim checks, RS256 ones with a fixed stand-in signature) and the
  Authorization headers of the API Gateway event fixtures in tests/events/;
- envelope, arguments: the JSON-RPC bodies of those fixtures and the tool arguments in them;
- fetch_id: the demo workspace's real ids (infra/fakes/corpus/demo.json) and the traversal,
  query and encoded-slash ids of issue 11;
- notion_blocks: the block-children and search bodies the Notion fake serves for the demo pages
  (written by `cargo run -p upstream-fakes --example notion_bodies`);
- telemetry: the Telemetry API batch shapes the extension reads (function records as objects and
  as stdout lines, platform.report, platform.logsDropped) with invocation records of the shape
  shared/record defines.

Run it from anywhere: `python3 fuzz/seeds/generate.py`. Each seed is named seed-<name>.
"""

import base64
import hashlib
import hmac
import json
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fuzz" / "seeds"

# Must match fuzz/fuzz_targets/bearer.rs.
OIDC_ISSUER = "https://api.descope.com/v1/apps/agentic/P2test/MS2test"
SERVICE_ISSUER = "workplace-mcp"
AUDIENCE = "https://mcp.example.com/mcp"
SERVICE_KEY = b"fuzz-service-token-key-0123456789abcdef"
ALL_SCOPES = "workplace:read:google_drive workplace:read:notion workplace:read:sharepoint"
NOW = 1_780_000_000  # fixed, so the seeds never change


def b64(data):
    if not isinstance(data, bytes):
        data = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def stand_in_signature(name, length=256):
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"{name}:{counter}".encode()).digest()
        counter += 1
    return b64(out[:length])


def raw(header, payload, sign=None, name=""):
    body = f"{b64(header)}.{b64(payload)}"
    if sign == "hs256":
        sig = b64(hmac.new(SERVICE_KEY, body.encode(), hashlib.sha256).digest())
    elif sign == "hs512":
        sig = b64(hmac.new(SERVICE_KEY, body.encode(), hashlib.sha512).digest())
    elif sign == "guessed":
        sig = b64(hmac.new(b"workplace-mcp-workplace-mcp-workplace", body.encode(), hashlib.sha256).digest())
    elif sign == "rsa":
        sig = stand_in_signature(name or body)
    else:
        sig = ""
    return f"{body}.{sig}"


def oidc():
    return {"iss": OIDC_ISSUER, "aud": AUDIENCE, "sub": "user-42", "azp": "cursor",
            "scope": ALL_SCOPES, "iat": NOW, "exp": NOW + 300}


def service():
    return {"iss": SERVICE_ISSUER, "aud": AUDIENCE, "sub": "user-42", "azp": "svc",
            "scope": ALL_SCOPES, "iat": NOW, "exp": NOW + 300}


def with_(claims, key, value):
    claims = dict(claims)
    claims[key] = value
    return claims


def without(claims, key):
    claims = dict(claims)
    claims.pop(key, None)
    return claims


def bearer_seeds():
    kid = lambda k: {"alg": "RS256", "typ": "JWT", "kid": k}
    rs = lambda claims, name: raw(kid("real"), claims, "rsa", name)
    hs = lambda claims: raw({"alg": "HS256", "typ": "JWT"}, claims, "hs256")
    attacker_jwk = {"kty": "RSA", "kid": "attacker", "n": stand_in_signature("attacker-n"), "e": "AQAB"}
    tokens = {
        "alg-none": raw({"alg": "none", "typ": "JWT"}, oidc()),
        "alg-None": raw({"alg": "None"}, oidc()),
        "alg-NONE": raw({"alg": "NONE"}, oidc()),
        "alg-nOnE-service": raw({"alg": "nOnE"}, service()),
        "alg-none-with-signature": f"{b64({'alg': 'none'})}.{b64(oidc())}.{stand_in_signature('none')}",
        "hs256-with-oidc-issuer": hs(oidc()),
        "hs256-kid-real": raw({"alg": "HS256", "kid": "real"}, oidc(), "hs256"),
        "kid-path-traversal": raw(kid("../../../../etc/passwd"), oidc(), "rsa", "kid-path"),
        "kid-sql": raw(kid("' OR '1'='1' --"), oidc(), "rsa", "kid-sql"),
        "kid-unknown": raw(kid("no-such-key"), oidc(), "rsa", "kid-unknown"),
        "kid-missing": raw({"alg": "RS256"}, oidc(), "rsa", "kid-missing"),
        "jku": raw({"alg": "RS256", "kid": "attacker", "jku": "https://evil.example.com/jwks.json"}, oidc(), "rsa", "jku"),
        "x5u": raw({"alg": "RS256", "kid": "attacker", "x5u": "https://evil.example.com/cert.pem"}, oidc(), "rsa", "x5u"),
        "embedded-jwk": raw({"alg": "RS256", "kid": "attacker", "jwk": attacker_jwk}, oidc(), "rsa", "jwk"),
        "jku-real-kid": raw({"alg": "RS256", "kid": "real", "jku": "https://evil.example.com/jwks.json"}, oidc(), "rsa", "jku2"),
        "crit": raw({"alg": "RS256", "kid": "real", "crit": ["exp"]}, oidc(), "rsa", "crit"),
        "nested": raw({"alg": "RS256", "kid": "real", "cty": "JWT"}, hs(service()), "rsa", "nested"),
        "exp-string": rs(with_(oidc(), "exp", str(NOW + 300)), "exp-string"),
        "exp-float": rs(with_(oidc(), "exp", NOW + 300.5), "exp-float"),
        "exp-huge": rs(with_(oidc(), "exp", 1e20), "exp-huge"),
        "exp-33658": rs(with_(oidc(), "exp", 999_999_999_999), "exp-33658"),
        "exp-negative": rs(with_(oidc(), "exp", -1), "exp-negative"),
        "aud-list-other": rs(with_(oidc(), "aud", ["https://a.example.com", "https://b.example.com"]), "aud-list"),
        "aud-trailing-slash": rs(with_(oidc(), "aud", [AUDIENCE + "/"]), "aud-slash"),
        "aud-empty": rs(with_(oidc(), "aud", []), "aud-empty"),
        "aud-object": rs(with_(oidc(), "aud", {"aud": AUDIENCE}), "aud-object"),
        "iss-upper": rs(with_(oidc(), "iss", OIDC_ISSUER.upper()), "iss-upper"),
        "iss-trailing-slash": rs(with_(oidc(), "iss", OIDC_ISSUER + "/"), "iss-slash"),
        "iss-list": rs(with_(oidc(), "iss", [OIDC_ISSUER]), "iss-list"),
        "sub-missing": rs(without(oidc(), "sub"), "sub-missing"),
        "sub-empty": rs(with_(oidc(), "sub", ""), "sub-empty"),
        "es256-header": raw({"alg": "ES256", "kid": "real"}, oidc(), "rsa", "es256"),
        "ps256-header": raw({"alg": "PS256", "kid": "real"}, oidc(), "rsa", "ps256"),
        "weak-1024-kid": raw(kid("weak-1024"), oidc(), "rsa", "weak"),
        "8kib-plus-one": f"{b64(kid('real'))}.{'A' * (8 * 1024)}.B",
        "empty-segments": "..",
        "empty-payload": f"{b64(kid('real'))}..c2ln",
        "empty-signature": f"{b64(kid('real'))}.{b64(oidc())}.",
        "four-segments": rs(oidc(), "four") + ".extra",
        "non-base64url": "eyJhbGciOiJSUzI1NiJ9.e30*.c2ln",
        "standard-padding": f"{b64(kid('real'))}==.{b64(oidc())}.c2ln",
        "header-not-json": f"{b64(b'not json')}.{b64(oidc())}.c2ln",
        "payload-not-json": raw(kid("real"), "just a string", "rsa", "payload"),
        "service-subject-outside": hs(with_(service(), "sub", "U2bob")),
        "service-no-iat": hs(without(service(), "iat")),
        "service-two-hours": hs(with_(service(), "exp", NOW + 7200)),
        "service-iat-future": hs(with_(with_(service(), "iat", NOW + 3000), "exp", NOW + 3300)),
        "service-hs512": raw({"alg": "HS512", "typ": "JWT"}, service(), "hs512"),
        "service-issuer-case": hs(with_(service(), "iss", "Workplace-MCP")),
        "service-guessed-key": raw({"alg": "HS256", "typ": "JWT"}, service(), "guessed"),
        "service-no-exp": hs(with_(without(service(), "exp"), "permissions", [ALL_SCOPES])),
        "service-well-formed": hs(service()),
        "service-email-verified-string": hs(with_(with_(service(), "email", "alice@acme.example"), "email_verified", "true")),
    }
    seeds = {name: token.encode() for name, token in tokens.items()}
    # Whole header values, as the fixtures and odd clients send them.
    headers = {"header-basic": "Basic dXNlcjpwYXNz", "header-lowercase": "bearer abc.def.ghi",
               "header-padded": "BEARER  abc.def.ghi ", "header-bare-scheme": "Bearer",
               "header-two-tokens": "Bearer a b"}
    for name, value in headers.items():
        seeds[name] = value.encode()
    for event in sorted((ROOT / "tests" / "events").glob("*.json")):
        value = (json.loads(event.read_text()).get("headers") or {}).get("authorization")
        if value:
            seeds[f"fixture-{event.stem}"] = value.encode()
    return seeds


def fixture_bodies():
    bodies = {}
    for event in sorted((ROOT / "tests" / "events").glob("*.json")):
        body = json.loads(event.read_text()).get("body")
        if body:
            bodies[event.stem] = body
    return bodies


def envelope_seeds():
    seeds = {f"fixture-{name}": body.encode() for name, body in fixture_bodies().items()}
    seeds["batch"] = b'[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]'
    seeds["minted-method"] = b'{"jsonrpc":"2.0","id":1,"method":"x-$RANDOM-1234"}'
    seeds["call-without-params"] = b'{"jsonrpc":"2.0","id":1,"method":"tools/call"}'
    seeds["call-name-not-string"] = b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":7,"arguments":[]}}'
    seeds["response"] = b'{"jsonrpc":"2.0","id":1,"result":{}}'
    # Found by the envelope target: a long number literal whose float moves by an ulp when written
    # and read again (a harness finding, kept so the round-trip check keeps tolerating it).
    seeds["long-float-argument"] = (b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"workplace_search",'
                                    b'"arguments":{"query":"budget","max_results":88888888888888888888888888888888888888888888881}}}')
    return seeds


def arguments_seeds():
    seeds = {}
    for name, body in fixture_bodies().items():
        message = json.loads(body)
        arguments = None
        if isinstance(message, dict):
            arguments = (message.get("params") or {}).get("arguments") if "method" in message else message
        if arguments is not None:
            seeds[f"fixture-{name}"] = json.dumps(arguments).encode()
    demo = json.loads((ROOT / "infra" / "fakes" / "corpus" / "demo.json").read_text())
    doc = demo["documents"][0]
    extra = {
        "search-all-fields": {"query": "quarterly budget", "sources": ["google_drive", "notion", "sharepoint"],
                              "max_results": 50, "include_content": True},
        "search-float-integer": {"query": "vpn", "max_results": 11.0},
        "search-duplicate-source": {"query": "vpn", "sources": ["notion", "notion"]},
        "search-control-char": {"query": "a\u0007b"},
        "search-unknown-field": {"query": "vpn", "limit": 3},
        "fetch-real-id": {"id": f"{doc['source']}:{doc['id']}", "offset": 0, "max_chars": 100000},
        "fetch-offset-too-far": {"id": f"{doc['source']}:{doc['id']}", "offset": 4294967295},
        "fetch-traversal": {"id": "notion:2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab/../../../v1/users"},
        "not-an-object": [1, 2, 3],
    }
    for name, value in extra.items():
        seeds[name] = json.dumps(value).encode()
    return seeds


def fetch_id_seeds():
    demo = json.loads((ROOT / "infra" / "fakes" / "corpus" / "demo.json").read_text())
    seeds = {}
    for source in ("google_drive", "notion", "sharepoint"):
        docs = [d for d in demo["documents"] if d["source"] == source][:3]
        for i, doc in enumerate(docs):
            seeds[f"demo-{source}-{i}"] = f"{source}:{doc['id']}".encode()
    uuid = "2f1c4b6e-8d3a-4f7e-9a2b-0123456789ab"
    attacks = {
        "notion-traversal": f"notion:{uuid}/../../../v1/users",
        "notion-query": "notion:x?filter=1",
        "notion-fragment": f"notion:{uuid}#x",
        "notion-encoded-slash": f"notion:{uuid}%2F..%2Fusers",
        "notion-bare-uppercase": "notion:2F1C4B6E8D3A4F7E9A2B0123456789AB",
        "graph-encoded-slash": "sharepoint:b!abc%2Fdef/01XYZ",
        "graph-dot-segment": "sharepoint:b!abc/..",
        "graph-list-item": "sharepoint:list/17",
        "graph-three-parts": "sharepoint:a/b/c",
        "drive-dots": "google_drive:..",
        "drive-slash": "google_drive:abc/def",
        "unknown-source": "dropbox:abc",
        "no-prefix": "abc",
    }
    for name, value in attacks.items():
        seeds[name] = value.encode()
    return seeds


def notion_seeds():
    out = SEEDS / "notion_blocks"
    subprocess.run(["cargo", "run", "--quiet", "--locked", "-p", "upstream-fakes", "--example",
                    "notion_bodies", "--", str(out)], cwd=ROOT, check=True)
    return {}


def telemetry_seeds():
    # A whole record as the functions write it (workplace-record's InvocationRecord): the parser
    # reads records into that type, so a partial one would only exercise the malformed path.
    record = {"type": "invocation", "timestamp": "2026-11-25T00:00:00Z", "request_id": "req-1",
              "function": "mcp", "route": "POST /mcp", "action": "tools/call",
              "tool": "workplace_search", "mcp_server": "workplace-mcp", "sub": "user-42",
              "status": 200, "outcome": "ok", "error_code": None, "latency_ms": 12.5,
              "result_count": 3, "sources": ["google_drive", "notion"],
              "source_status": {"google_drive": "ok", "notion": "timeout"},
              "query_len": 3, "query_hash": "3f2a9c1e5d7b8a90"}
    batch = [
        {"time": "2026-11-25T00:00:00Z", "type": "function", "record": record},
        {"time": "2026-11-25T00:00:00Z", "type": "function",
         "record": json.dumps(with_(record, "request_id", "req-2")) + "\n{\"_aws\":{}}\n"},
        {"time": "2026-11-25T00:00:00Z", "type": "function", "record": "plain text log line"},
        {"time": "2026-11-25T00:00:00Z", "type": "platform.report",
         "record": {"requestId": "req-1", "status": "success",
                    "metrics": {"durationMs": 12.5, "billedDurationMs": 13, "maxMemoryUsedMB": 40, "initDurationMs": 80.1}}},
        {"time": "2026-11-25T00:00:00Z", "type": "platform.somethingNew", "record": {}},
        {"time": "2026-11-25T00:00:01Z", "type": "platform.logsDropped",
         "record": {"reason": "Consumer seems to have fallen behind", "droppedRecords": 7, "droppedBytes": 700}},
        42,
    ]
    return {
        "mixed-batch": json.dumps(batch).encode(),
        "dropped-huge": json.dumps([{"type": "platform.logsDropped", "record": {"droppedRecords": 18446744073709551615}}] * 2).encode(),
        "report-without-id": b'[{"type":"platform.report","record":{"status":"success"}}]',
        "not-an-array": b'{"type":"function"}',
    }


def write(target, seeds):
    directory = SEEDS / target
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(seeds.items()):
        (directory / f"seed-{name}").write_bytes(data)


def main():
    for target in ("bearer", "envelope", "arguments", "fetch_id", "notion_blocks", "telemetry"):
        shutil.rmtree(SEEDS / target, ignore_errors=True)
    write("bearer", bearer_seeds())
    write("envelope", envelope_seeds())
    write("arguments", arguments_seeds())
    write("fetch_id", fetch_id_seeds())
    write("telemetry", telemetry_seeds())
    (SEEDS / "notion_blocks").mkdir(parents=True, exist_ok=True)
    notion_seeds()
    for target in sorted(p.name for p in SEEDS.iterdir() if p.is_dir()):
        print(f"{target}: {len(list((SEEDS / target).iterdir()))} seeds", file=sys.stderr)


if __name__ == "__main__":
    main()
