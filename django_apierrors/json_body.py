"""`read_json(request)`: a JSON request body for a plain Django view, read the way DRF's
`JSONParser` reads one, with every failure answered by the contract::

    from django_apierrors.json_body import read_json

    @require_POST
    def import_products(request):
        payload = read_json(request)
        ...

- a `Content-Type` other than `application/json` (or `application/<anything>+json`):
  415 `unsupported_media_type`, with `param: "Content-Type"` and `meta.media_type`;
- a body over `DATA_UPLOAD_MAX_MEMORY_SIZE`: 413 `request_too_large` (Django's check);
- an empty body, bytes that are not text in the request's charset (UTF-8 unless the
  Content-Type names another), malformed JSON, `NaN`, `Infinity` or a number too large for
  a float, an integer of more digits than Python converts, a string with a lone surrogate
  (`"\\ud800"`), a document nested deeper than Python recurses: 400 `parse_error`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .exceptions import ParseError, UnsupportedMediaType

__all__ = ["is_json_media_type", "read_json"]

EMPTY_BODY = _("The request body is empty; send a JSON document.")


def is_json_media_type(media_type: str) -> bool:
    media_type = media_type.strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def read_json(request: HttpRequest) -> Any:
    """The request's body, decoded and parsed as JSON (see the module docstring)."""
    media_type = request.content_type or ""
    if not is_json_media_type(media_type):
        if not media_type and not request.body:
            raise ParseError(EMPTY_BODY)  # nothing was sent at all
        raise UnsupportedMediaType(param="Content-Type", meta={"media_type": media_type[:100]})
    body = request.body  # RequestDataTooBig over DATA_UPLOAD_MAX_MEMORY_SIZE: 413
    if not body:
        raise ParseError(EMPTY_BODY)
    try:
        text = body.decode(request.encoding or settings.DEFAULT_CHARSET)
        text.encode("utf-8")  # a charset such as utf-7 can decode to lone surrogates
    except (UnicodeError, LookupError) as exc:
        raise ParseError(_("The request body is not text in its charset.")) from exc
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise ParseError(_("The JSON document is nested too deeply.")) from exc
    except ValueError as exc:  # JSONDecodeError, a constant, an integer over Python's limit
        raise ParseError() from exc
    if _SURROGATE_ESCAPE.search(text) and not _is_unicode(document):
        # "\ud800" alone is valid JSON but no text: no database or encoder takes it.
        raise ParseError(_("The JSON document holds a lone surrogate (\\ud800-\\udfff)."))
    return document


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _is_unicode(document: Any) -> bool:
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    except RecursionError:  # nested as deep as json.loads could go, but no deeper
        return True
    return True


def _refuse_constant(name: str) -> Any:
    # DRF's JSONParser refuses them too: they are not JSON (RFC 8259).
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 is a float only as infinity
        raise ValueError("number out of range")
    return value
