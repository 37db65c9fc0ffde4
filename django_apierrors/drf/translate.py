"""DRF's `APIException`s and error `Response`s -> `APIError` (imported only once DRF is).

The developer's messages are shown and DRF's field codes are kept in `errors`. DRF's own
texts (an exception's default detail, or a text its parsers build from what the client
sent) give way to the catalog's message for the code, so that one code has one text; what
the client sent goes to `param` or `meta`, never into `message`.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from rest_framework import exceptions as drf
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings as drf_settings

from ..catalog import catalog
from ..conf import api_settings
from ..exceptions import APIError, ValidationFailed
from ..field_errors import NON_FIELD_KEYS, FieldError, flatten_errors

DRF_EXCEPTION_CODES: tuple[tuple[type[drf.APIException], str], ...] = (
    (drf.NotAuthenticated, "unauthenticated"),
    (drf.AuthenticationFailed, "authentication_failed"),
    (drf.ParseError, "parse_error"),
    (drf.PermissionDenied, "permission_denied"),
    (drf.NotFound, "not_found"),
    (drf.MethodNotAllowed, "method_not_allowed"),
    (drf.NotAcceptable, "not_acceptable"),
    (drf.UnsupportedMediaType, "unsupported_media_type"),
    (drf.Throttled, "rate_limited"),
)

#: DRF's default codes (an `ErrorDetail`'s `code`, the `code` beside a `detail`) -> ours.
DRF_DEFAULT_CODES = {str(exception.default_code): code for exception, code in DRF_EXCEPTION_CODES}


@dataclass(frozen=True)
class OwnText:
    """A text DRF itself writes into `exception`: its parts joined by spaces, with `{name}`
    where DRF put in a value from the request. The values named in `meta` go to `meta`;
    the others (a CSRF failure's reason) are left to the logs."""

    exception: type[drf.APIException]
    parts: tuple[object, ...]  # str() of each, in the active language
    code: str | None = None
    param: str | None = None
    meta: tuple[str, ...] = ()


#: The texts that give way to the catalog's message. Texts DRF wrote for one case and that
#: carry nothing from the client ("Invalid username/password.") are shown like a
#: developer's.
OWN_TEXTS: tuple[OwnText, ...] = (
    OwnText(drf.ParseError, (drf.ParseError.default_detail,)),
    OwnText(drf.ParseError, ("JSON parse error - {reason}",), meta=("reason",)),
    OwnText(drf.ParseError, ("Multipart form parse error - {reason}",), meta=("reason",)),
    OwnText(
        drf.ParseError,
        ('Unsupported charset "{charset}" in request Content-Type header.',),
        param="Content-Type",
        meta=("charset",),
    ),
    OwnText(drf.AuthenticationFailed, (drf.AuthenticationFailed.default_detail,)),
    OwnText(drf.NotAuthenticated, (drf.NotAuthenticated.default_detail,)),
    OwnText(drf.PermissionDenied, (drf.PermissionDenied.default_detail,)),
    OwnText(drf.PermissionDenied, ("CSRF Failed: {reason}",), code="csrf_failed"),
    OwnText(drf.NotFound, (drf.NotFound.default_detail,)),
    OwnText(drf.MethodNotAllowed, (drf.MethodNotAllowed.default_detail,), meta=("method",)),
    OwnText(drf.NotAcceptable, (drf.NotAcceptable.default_detail,)),
    OwnText(
        drf.UnsupportedMediaType,
        (drf.UnsupportedMediaType.default_detail,),
        param="Content-Type",
        meta=("media_type",),
    ),
    OwnText(drf.Throttled, (drf.Throttled.default_detail,)),
    OwnText(drf.Throttled, (drf.Throttled.default_detail, "{expected_available}")),
    OwnText(drf.APIException, (drf.APIException.default_detail,)),
)


def from_drf_exception(exc: drf.APIException) -> APIError:
    detail = exc.detail
    if isinstance(exc, drf.ValidationError):
        message = message_in(detail)
        if message is not None:
            return ValidationFailed(message)
        return ValidationFailed(errors=_field_errors(detail))

    headers = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = str(auth_header)
    retry_after = None
    meta = {}
    wait = getattr(exc, "wait", None)
    if wait is not None:
        retry_after = max(1, math.ceil(wait))
        meta["retry_after"] = retry_after

    status = exc.status_code
    own_texts = [text for text in OWN_TEXTS if isinstance(exc, text.exception)]
    return _from_data(
        detail,
        status,
        _code_for(exc, status),
        own_texts,
        headers=headers,
        meta=meta,
        retry_after=retry_after,
    )


def from_drf_response(response: Response) -> APIError | None:
    """What a view meant by returning `Response(data, status=...)` instead of raising:
    field errors as if `ValidationError(data)` had been raised, `{"detail": message}` as
    the catalog's error for the status with that message. None where the data is a
    template's context (TemplateHTMLRenderer), not a body: nothing of it may be shown."""
    if isinstance(getattr(response, "accepted_renderer", None), TemplateHTMLRenderer):
        return None
    data, status = response.data, response.status_code
    is_field_errors = isinstance(data, dict | list) and data and message_in(data) is None
    if is_field_errors and status in (400, api_settings.VALIDATION_STATUS):
        return ValidationFailed(errors=_field_errors(data))
    own_texts = [text for text in OWN_TEXTS if text.exception.status_code == status]
    return _from_data(data, status, _code_for_status(status), own_texts)


def message_in(data: object) -> str | None:
    """The message of DRF's convention `{"detail": message, ...}`: the body of DRF's own
    handler, of dj-rest-auth's returned errors, and the detail of
    djangorestframework-simplejwt's errors (`detail`, `code`, `messages`). A serializer field
    named `detail` has a list of messages instead."""
    if isinstance(data, _MAPPINGS):
        detail = data.get("detail")
        if isinstance(detail, _TEXTS):
            return str(detail)  # a lazy translation too (dj-rest-auth's messages are)
    return None


# dict first: DRF's details are dicts, and the check against the ABC costs more.
_MAPPINGS = (dict, Mapping)
_TEXTS = (str, Promise)


def _from_data(
    data: Any,
    status: int,
    code: str | None,
    own_texts: list[OwnText],
    *,
    headers: dict[str, str] | None = None,
    meta: dict[str, Any] | None = None,
    retry_after: int | None = None,
) -> APIError:
    meta = dict(meta or {})
    extra: dict[str, Any] = {"status": status, "headers": headers, "retry_after": retry_after}
    message = str(data) if isinstance(data, _TEXTS) else message_in(data)
    if message is None:
        if data:  # dicts and lists: field errors under the status's own code
            extra["errors"] = _field_errors(data)
    elif message:  # an empty one says nothing: the catalog's message stands
        code = _named_code(data, status) or code
        own = _own_text(message, own_texts)
        if own is None:
            extra["message"] = message
        else:
            text, values = own
            code = text.code or code
            extra["param"] = text.param
            meta.update((name, values[name]) for name in text.meta)
    extra["meta"] = meta
    if code is None:
        return APIError.for_status(**extra)
    return APIError.for_code(code, **extra)


def _code_for(exc: drf.APIException, status: int) -> str | None:
    for exception_class, code in DRF_EXCEPTION_CODES:
        if isinstance(exc, exception_class) and catalog.get(code).status == status:
            return code
    # A coerced status (DRF turns 401 into 403 when no WWW-Authenticate can be given)
    # or a project's own APIException: the catalog's code for that status.
    return _code_for_status(status)


def _code_for_status(status: int) -> str | None:
    entry = catalog.for_status(status)
    return None if entry is None else entry.code


def _named_code(data: Any, status: int) -> str | None:
    """A code the data names (`{"detail": ..., "code": ...}` or the ErrorDetail's own),
    where it is ours or DRF's for a catalog entry of this very status."""
    if isinstance(data, _MAPPINGS):
        named = data.get("code", getattr(data.get("detail"), "code", None))
    else:
        named = getattr(data, "code", None)
    if not isinstance(named, str):
        return None
    code = DRF_DEFAULT_CODES.get(named, named)
    if code in catalog and catalog.get(code).status == status:
        return code
    return None


def _own_text(message: str, own_texts: list[OwnText]) -> tuple[OwnText, dict[str, str]] | None:
    """The text of DRF's that `message` is (in the active language), with its values."""
    for text in own_texts:
        match = _pattern(" ".join(str(part) for part in text.parts)).fullmatch(message)
        if match is not None:
            return text, match.groupdict()
    return None


_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_NEVER = re.compile(r"(?!)")


@functools.lru_cache(maxsize=256)  # keyed by the translated text: a few per language
def _pattern(template: str) -> re.Pattern[str]:
    pieces = _PLACEHOLDER.split(template)  # literal, name, literal, name, ...
    regex = "".join(
        re.escape(piece) if index % 2 == 0 else f"(?P<{piece}>.+?)"
        for index, piece in enumerate(pieces)
    )
    try:
        return re.compile(regex, re.DOTALL)
    except re.error:  # a translation that names a placeholder twice
        return _NEVER


def _field_errors(detail: object) -> list[FieldError]:
    return flatten_errors(detail, non_field_keys=_non_field_keys(drf_settings.NON_FIELD_ERRORS_KEY))


@functools.lru_cache(maxsize=8)
def _non_field_keys(drf_key: str) -> frozenset[str]:
    # A project may rename NON_FIELD_ERRORS_KEY; it still means "the object itself".
    return NON_FIELD_KEYS | {drf_key}
