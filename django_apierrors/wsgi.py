"""`get_wsgi_application()`: Django's own, for requests Django cannot read as well.

In `wsgi.py`, instead of `django.core.wsgi.get_wsgi_application`::

    from django_apierrors.wsgi import get_wsgi_application

    application = get_wsgi_application()

A request whose Content-Type names a charset that is no text codec then answers 415 by the
contract instead of the server's HTML 500 (see `django_apierrors.unreadable`).
"""

from __future__ import annotations

from typing import Any

import django
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest

from .unreadable import REFUSAL_KEY, charset_refusal, refused_content_type

__all__ = [
    "APIErrorsWSGIHandler",
    "APIErrorsWSGIRequest",
    "get_wsgi_application",
    "note_unreadable",
]


def note_unreadable(environ: dict[str, Any]) -> None:
    """Take a charset Django cannot decode with out of the environ's CONTENT_TYPE, noting
    the refusal for the middleware to answer."""
    refused = refused_content_type(environ.get("CONTENT_TYPE", ""))
    if refused is not None:
        media_type, charset = refused
        environ["CONTENT_TYPE"] = media_type
        environ[REFUSAL_KEY] = charset_refusal(charset)


class APIErrorsWSGIRequest(WSGIRequest):
    """Django's WSGIRequest, built without a charset it could not decode with."""

    def __init__(self, environ: dict[str, Any]) -> None:
        note_unreadable(environ)
        super().__init__(environ)


class APIErrorsWSGIHandler(WSGIHandler):
    request_class = APIErrorsWSGIRequest


def get_wsgi_application() -> APIErrorsWSGIHandler:
    """`django.core.wsgi.get_wsgi_application`, with `APIErrorsWSGIRequest`."""
    django.setup(set_prefix=False)
    return APIErrorsWSGIHandler()
