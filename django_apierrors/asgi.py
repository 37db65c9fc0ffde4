"""`get_asgi_application()`: Django's own, for requests Django cannot read as well.

In `asgi.py`, instead of `django.core.asgi.get_asgi_application`::

    from django_apierrors.asgi import get_asgi_application

    application = get_asgi_application()

A request whose Content-Type names a charset that is no text codec then answers 415, and
one whose query string is not UTF-8 400, by the contract instead of Django's bare pages or a
500 (see `django_apierrors.unreadable`).
"""

from __future__ import annotations

from typing import IO, Any

import django
from django.core.handlers.asgi import ASGIHandler, ASGIRequest

from .unreadable import REFUSAL_KEY, check_content_type, finish_request, query_string_refusal

__all__ = ["APIErrorsASGIHandler", "APIErrorsASGIRequest", "get_asgi_application"]


class APIErrorsASGIRequest(ASGIRequest):
    """Django's ASGIRequest, built without what it could not decode: a charset that is no
    text codec, a query string that is not UTF-8."""

    def __init__(self, scope: dict[str, Any], body_file: IO[bytes]) -> None:
        refusal = None
        query_string = scope.get("query_string", b"")
        if isinstance(query_string, bytes):
            try:
                query_string.decode()
            except UnicodeDecodeError:
                scope = {**scope, "query_string": b""}
                refusal = query_string_refusal()
        headers = scope.get("headers") or []
        # Django joins repeated headers with commas; so does this.
        content_type = ",".join(
            value.decode("latin1") for name, value in headers if name == b"content-type"
        )
        check = check_content_type(content_type)
        if check is not None:
            kept = [(name, value) for name, value in headers if name != b"content-type"]
            media_type = check.media_type.encode("latin1", "replace")
            scope = {**scope, "headers": [*kept, (b"content-type", media_type)]}
        super().__init__(scope, body_file)
        if check is not None:
            finish_request(self, check, content_type)
        if refusal is not None:
            self.META[REFUSAL_KEY] = refusal


class APIErrorsASGIHandler(ASGIHandler):
    request_class = APIErrorsASGIRequest


def get_asgi_application() -> APIErrorsASGIHandler:
    """`django.core.asgi.get_asgi_application`, with `APIErrorsASGIRequest`."""
    django.setup(set_prefix=False)
    return APIErrorsASGIHandler()
