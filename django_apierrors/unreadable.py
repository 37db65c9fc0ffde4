"""Requests Django cannot read, noticed while the server builds the request.

A `Content-Type` whose charset is no text codec (`rot13`, `hex`, `base64`, `zlib_codec`)
makes Django fail while it builds the request, before any middleware runs: the server
answers its own HTML 500. A charset Python does not know at all Django silently decodes
as UTF-8. Under ASGI, a query string that is not UTF-8 gets Django's bare 400 page.

`django_apierrors.wsgi` and `django_apierrors.asgi` build such requests without what cannot
be read and note why here; `APIErrorsMiddleware` then answers the refusal by the contract
(415 `unsupported_media_type` with `param: "Content-Type"` and `meta.charset`, or 400
`bad_request`), with the request id, before any view runs.
"""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext_lazy as _

from .exceptions import APIError, BadRequest, UnsupportedMediaType

#: The key in `request.META` under which the server's request class notes a refusal.
REFUSAL_KEY = "django_apierrors.refusal"

#: Bytes every charset a request may name must decode, or fail to decode with a
#: UnicodeDecodeError (which Django handles): a query string, and bytes no text is made of.
_SAMPLES = (b"q=caf%C3%A9&n=1", b"\xff\xfe\x00\x80=")


@functools.lru_cache(maxsize=128)
def is_readable_charset(charset: str) -> bool:
    """Whether Django can decode request data in `charset`: a text codec Python knows,
    whose failures are UnicodeDecodeErrors."""
    for sample in _SAMPLES:
        try:
            sample.decode(charset)
        except UnicodeDecodeError:
            continue
        except (LookupError, ValueError):  # not a text codec; unknown; a NUL in the name
            return False
    return True


def refused_content_type(content_type: str) -> tuple[str, str] | None:
    """For a Content-Type naming a charset Django cannot read: the media type alone (what
    the request is built with) and the charset. None for any other Content-Type."""
    if "charset" not in content_type.lower():
        return None  # the common case, without parsing
    media_type, params = parse_header_parameters(content_type)
    charset = params.get("charset")
    if charset is None or is_readable_charset(charset):
        return None
    return media_type, charset


def charset_refusal(charset: str) -> dict[str, str]:
    return {"code": "unsupported_media_type", "charset": charset}


def query_string_refusal() -> dict[str, str]:
    return {"code": "bad_request"}


def refusal_error(request: HttpRequest) -> APIError | None:
    """The error a request noted as unreadable answers with; None for the others."""
    refusal: Any = request.META.get(REFUSAL_KEY)
    if refusal is None:
        return None
    if refusal["code"] == "unsupported_media_type":
        return UnsupportedMediaType(
            param="Content-Type", meta={"charset": refusal["charset"][:100]}
        )
    return BadRequest(_("The query string is not valid UTF-8."))
