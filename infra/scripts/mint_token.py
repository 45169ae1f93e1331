#!/usr/bin/env python3
"""Mint an HS256 service token for local development and tests.

Standard library only, so it works before anything is installed. The token is signed with the
`jwt_secret_key` of the service-token secret (`SERVICE_TOKEN_SECRET_ID`); it is a *service token*,
not a Descope token. Servers accept it only when service tokens are on, the subject is in
`SERVICE_TOKEN_SUBJECTS` and the lifetime is within `SERVICE_TOKEN_MAX_LIFETIME_SECONDS`
(one hour unless configured; the dev stack allows twelve).
"""
import argparse
import base64
import hashlib
import hmac
import json
import sys
import time

# Every source's read scope (tests that must not write use these).
ALL_SCOPES = (
    "workplace:read:google_drive workplace:read:notion workplace:read:sharepoint"
    " workplace:read:gmail workplace:read:outlook_mail workplace:read:salesforce"
    " workplace:read:google_calendar workplace:read:outlook_calendar"
)
# add_comment's scope.
WRITE_SCOPE = "workplace:write:comments"
# What the dev token carries by default: every scope the server knows.
EVERY_SCOPE = f"{ALL_SCOPES} {WRITE_SCOPE}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def mint(secret: bytes, claims: dict) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret-file", required=True, help="file holding jwt_secret_key")
    parser.add_argument("--audience", required=True, help="the MCP resource URL (MCP_RESOURCE_URL)")
    parser.add_argument("--issuer", default="workplace-mcp", help="SERVICE_TOKEN_ISSUER")
    parser.add_argument("--subject", default="dev-user")
    parser.add_argument("--email", default="dev@acme.example")
    parser.add_argument("--client-id", default="local-dev")
    parser.add_argument(
        "--scope", default=EVERY_SCOPE, help="space-separated scopes (default: every scope)"
    )
    parser.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (exp - iat)")
    args = parser.parse_args()

    with open(args.secret_file, "rb") as f:
        secret = f.read().strip()
    now = int(time.time())
    claims = {
        "iss": args.issuer,
        "aud": args.audience,
        "sub": args.subject,
        "azp": args.client_id,
        "scope": args.scope,
        "iat": now,
        "exp": now + args.ttl,
    }
    if args.email:
        claims["email"] = args.email
    sys.stdout.write(mint(secret, claims) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
