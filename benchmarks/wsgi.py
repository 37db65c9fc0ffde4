"""A GET request as a WSGI environ, for calling Django's WSGIHandler in-process."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from typing import Any


def environ(path: str, query: str = "") -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }


def get(handler: Callable[..., Iterable[bytes]], path: str) -> tuple[str, list[tuple[str, str]]]:
    """GET `path` from a WSGI application; the status line and the headers as sent."""
    sent: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        sent.append((status, headers))

    result = handler(environ(path), start_response)
    try:
        b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return sent[0]
