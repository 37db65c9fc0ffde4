"""DRF's `APIException`s -> `APIError` (imported only once DRF itself is).

The developer's (and DRF's) messages are kept; DRF's field codes are kept in `errors`.
"""

from __future__ import annotations

import functools
import math

from rest_framework import exceptions as drf
from rest_framework.settings import api_settings as drf_settings

from .catalog import catalog
from .exceptions import APIError, ValidationFailed
from .field_errors import NON_FIELD_KEYS, FieldError, flatten_errors

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


def from_drf_exception(exc: drf.APIException) -> APIError:
    if isinstance(exc, drf.ValidationError):
        return ValidationFailed(errors=_field_errors(exc.detail))

    status = exc.status_code
    code = _code_for(exc, status)
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

    detail = exc.detail
    if isinstance(detail, dict | list):
        return APIError.for_code(
            code,
            status=status,
            errors=_field_errors(detail),
            headers=headers,
            meta=meta,
            retry_after=retry_after,
        )
    return APIError.for_code(
        code,
        message=str(detail),
        status=status,
        headers=headers,
        meta=meta,
        retry_after=retry_after,
    )


def _code_for(exc: drf.APIException, status: int) -> str:
    for exception_class, code in DRF_EXCEPTION_CODES:
        if isinstance(exc, exception_class) and catalog.get(code).status == status:
            return code
    # A coerced status (DRF turns 401 into 403 when no WWW-Authenticate can be given)
    # or a project's own APIException: the catalog's code for that status.
    entry = catalog.for_status(status)
    if entry is not None:
        return entry.code
    return "bad_request" if status < 500 else "internal_error"


def _field_errors(detail: object) -> list[FieldError]:
    return flatten_errors(detail, non_field_keys=_non_field_keys(drf_settings.NON_FIELD_ERRORS_KEY))


@functools.lru_cache(maxsize=8)
def _non_field_keys(drf_key: str) -> frozenset[str]:
    # A project may rename NON_FIELD_ERRORS_KEY; it still means "the object itself".
    return NON_FIELD_KEYS | {drf_key}
