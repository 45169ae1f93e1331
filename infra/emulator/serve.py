#!/usr/bin/env python3
"""moto's server with one difference: requests are handled one at a time.

moto's DynamoDB backend evaluates a ConditionExpression and then applies the update without a
lock, so two threads can both pass `tat <= :limit` and both write. Real DynamoDB applies
conditional writes to an item atomically; serializing requests restores that guarantee (the
connections are still accepted concurrently), which the rate limiter's exactness depends on.

Usage: serve.py HOST PORT
"""
import os
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


class Serialized:
    """A WSGI middleware running one request at a time."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            # Materialize the body inside the lock: the work happens while iterating.
            return list(self.app(environ, start_response))


def main() -> int:
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, Serialized(app), threaded=True, request_handler=MotoRequestHandler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
