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
    return _valid_cross_field_constraints(body)


@schemathesis.hook
def filter_case(context, case):
    # The coverage phase builds whole cases and applies only case hooks, so the same rules hold
    # there: a signed cursor it made up would be rejected as surely as a fuzzed one.
    return _valid_cross_field_constraints(getattr(case, "body", None))


# Constraints JSON Schema cannot state, each with its own 422 test in the Rust suites: a
# Salesforce id's checksum (shared/connectors/src/salesforce/id.rs), a `list_events` window
# that ends after it starts and spans at most 62 days (shared/service/tests/test_events.rs,
# `window_errors_name_the_field`), a search filter's `_before` later than its `_after`, and a
# search `cursor`, which only the server can sign (shared/service/tests/test_paging.rs). Generated
# bodies that break them are not sent; every other body is.
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def _salesforce_checksum(id15):
    out = ""
    for start in range(0, 15, 5):
        bits = 0
        for i, c in enumerate(id15[start:start + 5]):
            if "A" <= c <= "Z":
                bits |= 1 << i
        out += _CHECKSUM_ALPHABET[bits]
    return out


def _window_ok(arguments):
    from datetime import datetime, timedelta

    try:
        start = datetime.fromisoformat(str(arguments["start"]).replace("Z", "+00:00"))
        end = datetime.fromisoformat(str(arguments["end"]).replace("Z", "+00:00"))
    except (KeyError, ValueError, TypeError):
        return True  # malformed: the schema's own business, and the server's 422 is expected
    try:
        return start < end <= start + timedelta(days=62)
    except TypeError:
        return True


def _valid_cross_field_constraints(body):
    if not isinstance(body, dict):
        return True
    arguments = body.get("arguments", body)
    if not isinstance(arguments, dict):
        return True
    item = arguments.get("id")
    if isinstance(item, str) and item.startswith("salesforce:") and len(item) == len("salesforce:") + 18:
        record = item[len("salesforce:"):]
        if _salesforce_checksum(record[:15]).lower() != record[15:].lower():
            return False
    if "start" in arguments and "end" in arguments:
        return _window_ok(arguments)
    if arguments.get("cursor") is not None:
        return False
    filters = arguments.get("filters")
    if isinstance(filters, dict):
        for after, before in (("modified_after", "modified_before"), ("created_after", "created_before")):
            if not _range_ok(filters.get(after), filters.get(before)):
                return False
    return True


def _range_ok(after, before):
    from datetime import datetime, timezone

    def instant(value):
        text = str(value)
        if len(text) == 10:
            text += "T00:00:00+00:00"
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)

    if after is None or before is None:
        return True
    try:
        return instant(after) < instant(before)
    except (ValueError, TypeError, OverflowError):
        return True  # malformed: the schema's own business
