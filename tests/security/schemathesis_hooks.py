"""Schemathesis hooks for tests/security/schemathesis.sh.

Bodies that are not UTF-8 are not sent: the local stack's front (`cargo lambda watch`) answers
them with its own 500 before any function runs, while API Gateway base64-encodes them and the
function answers 400 `bad_json` (shared/service/tests/test_rest_tools.rs,
`a_body_that_is_not_utf8_is_invalid_json`). Every other generated body is sent.
"""
import schemathesis


@schemathesis.hook
def filter_body(context, body):
    if isinstance(body, (bytes, bytearray)):
        try:
            bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True
