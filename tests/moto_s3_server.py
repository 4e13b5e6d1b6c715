"""moto's S3 server for the store tests (``python tests/moto_s3_server.py HOST
PORT``), with S3's conditional writes made atomic.

S3 applies ``If-None-Match: *`` and ``If-Match`` atomically: of two writers
creating the same key, one gets 412. moto checks the condition and then
writes, two steps, on a threaded server, so two concurrent creates can both
succeed and the second overwrite the first (seen once in 1,000 concurrent
alias moves: 999 entries, every writer told it succeeded). Here every write
(PUT, POST, DELETE) runs under one lock, which gives moto S3's guarantee;
reads stay concurrent."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

WRITES = {"PUT", "POST", "DELETE"}


def atomic_writes(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """``app`` with each write request handled whole under one lock."""
    lock = threading.Lock()

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in WRITES:
            return app(environ, start_response)
        with lock:
            return list(app(environ, start_response))

    return wrapped


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, atomic_writes(app), threaded=True,
               request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
