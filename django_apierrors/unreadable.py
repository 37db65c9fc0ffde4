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

import contextlib
import functools
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext_lazy as _

from .exceptions import APIError, BadRequest, UnsupportedMediaType

#: The key in `request.META` under which the server's request class notes a refusal.
REFUSAL_KEY = "django_apierrors.refusal"

#: Bytes every charset a request may name must decode to text that is Unicode (no lone
#: surrogate: utf-7's "+2AA-", unicode_escape's "\\ud800"), strictly or failing with a
#: UnicodeDecodeError (which Django handles), and with errors="replace" (as Django's form
#: parsers decode): a query string, bytes no text is made of, and idna's nemeses.
_SAMPLES = (b"q=caf%C3%A9&n=1", b"\xff\xfe\x00\x80=", b"+2AA-", b"\\ud800", b".xn--zz", b"%41")


@functools.lru_cache(maxsize=128)
def is_readable_charset(charset: str) -> bool:
    """Whether Django can decode request data in `charset`: a text codec Python knows,
    that fails only with UnicodeDecodeErrors and only ever gives Unicode text."""
    for sample in _SAMPLES:
        for errors in ("strict", "replace"):
            try:
                text = sample.decode(charset, errors)
            except UnicodeDecodeError:
                if errors == "strict":
                    continue
                return False
            except (LookupError, ValueError):  # no text codec; unknown; UnicodeError; NUL
                return False
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


@dataclass(frozen=True)
class ContentTypeCheck:
    """A Content-Type with parameters, as the server's request class must build it."""

    media_type: str  # what the request is built with
    params: dict[str, str]
    charset: str | None  # a charset to adopt once the request is built
    refusal: dict[str, Any] | None  # what the middleware answers instead of the view


def check_content_type(content_type: str) -> ContentTypeCheck | None:
    """None where Django builds the request from this Content-Type without failing and
    without reading the query string: no charset, parameters Django can parse."""
    if ";" not in content_type:
        return None  # the common case, without parsing
    media_type = content_type.split(";", 1)[0].strip()
    try:
        parsed_type, params = parse_header_parameters(content_type)
    except (ValueError, LookupError):  # an RFC 2231 parameter in an unknown encoding
        return ContentTypeCheck(media_type, {}, None, charset_refusal(None))
    charset = params.get("charset")
    if charset is None:
        return None
    if not is_readable_charset(charset):
        return ContentTypeCheck(parsed_type, params, None, charset_refusal(charset))
    # Django's `encoding` setter reads the query string at once, so a query string it
    # refuses (more than DATA_UPLOAD_MAX_NUMBER_FIELDS) would fail while it builds the
    # request: the request is built without the charset, which is adopted afterwards.
    return ContentTypeCheck(parsed_type, params, charset, None)


def finish_request(request: HttpRequest, check: ContentTypeCheck, content_type: str) -> None:
    """After building `request` with `check.media_type` alone: the Content-Type it came
    with, its parameters and charset, or the refusal."""
    if check.refusal is not None:
        request.META[REFUSAL_KEY] = check.refusal
        return
    request.META["CONTENT_TYPE"] = content_type
    request.content_type, request.content_params = check.media_type, check.params
    if check.charset is not None:
        # Django's setter decodes the query string at once: what fails there (too many
        # fields) fails again where the query string is read, in the middleware's reach,
        # and is answered there (413).
        with contextlib.suppress(Exception):
            request.encoding = check.charset


def charset_refusal(charset: str | None) -> dict[str, Any]:
    return {"code": "unsupported_media_type", "charset": charset}


def query_string_refusal() -> dict[str, str]:
    return {"code": "bad_request"}


def refusal_error(request: HttpRequest) -> APIError | None:
    """The error a request noted as unreadable answers with; None for the others."""
    refusal: Any = request.META.get(REFUSAL_KEY)
    if refusal is None:
        return None
    if refusal["code"] == "unsupported_media_type":
        charset = refusal["charset"]
        meta = {} if charset is None else {"charset": charset[:100]}
        return UnsupportedMediaType(param="Content-Type", meta=meta)
    return BadRequest(_("The query string is not valid UTF-8."))
