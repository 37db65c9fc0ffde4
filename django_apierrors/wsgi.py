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

from .unreadable import check_content_type, finish_request

__all__ = [
    "APIErrorsWSGIHandler",
    "APIErrorsWSGIRequest",
    "get_wsgi_application",
]


class APIErrorsWSGIRequest(WSGIRequest):
    """Django's WSGIRequest, built without what it could not decode: a charset that is no
    text codec, a Content-Type it cannot parse."""

    def __init__(self, environ: dict[str, Any]) -> None:
        content_type = environ.get("CONTENT_TYPE", "")
        check = check_content_type(content_type)
        if check is None:
            super().__init__(environ)
            return
        environ["CONTENT_TYPE"] = check.media_type
        super().__init__(environ)
        finish_request(self, check, content_type)


class APIErrorsWSGIHandler(WSGIHandler):
    request_class = APIErrorsWSGIRequest


def get_wsgi_application() -> APIErrorsWSGIHandler:
    """`django.core.wsgi.get_wsgi_application`, with `APIErrorsWSGIRequest`."""
    django.setup(set_prefix=False)
    return APIErrorsWSGIHandler()
