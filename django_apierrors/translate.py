"""Any exception -> `APIError`: the first half of the one road.

The rows are checked in order: `EXCEPTION_MAP`, our own errors, DRF's, Django Ninja's,
django-ratelimit's, Django's and the database's; anything else is an internal error.
Messages of Django's and Python's exceptions are replaced by the catalog's, so no exception
text leaks to clients. DRF, Ninja and django-ratelimit are looked at only when they are
already imported, and their rows live in their own rooms (`drf.translate`,
`ninja.translate`).
"""

from __future__ import annotations

import functools
import json.decoder
import json.scanner
import os
import sys
from types import CodeType, ModuleType

import django.db
from django.core.exceptions import BadRequest as DjangoBadRequest
from django.core.exceptions import (
    ObjectDoesNotExist,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpResponseBase
from django.http.multipartparser import MultiPartParserError

from .cache import cache_outage_error
from .conf import api_settings
from .exceptions import APIError, RateLimited, ValidationFailed

#: Django's and the database's exceptions, most specific first.
DJANGO_EXCEPTION_CODES: tuple[tuple[type[BaseException], str], ...] = (
    (RequestDataTooBig, "request_too_large"),
    (TooManyFieldsSent, "request_too_large"),
    (TooManyFilesSent, "request_too_large"),
    (MultiPartParserError, "parse_error"),
    (SuspiciousOperation, "bad_request"),  # includes DisallowedHost
    (DjangoBadRequest, "bad_request"),
    (Http404, "not_found"),
    (ObjectDoesNotExist, "not_found"),
    (DjangoPermissionDenied, "permission_denied"),
    # A value the database cannot store or compare (PostgreSQL: a NUL byte in text, a
    # number out of range, a string too long; SQLite's OverflowError, below) came from the
    # client. It is logged at WARNING with its traceback (`is_refused_value`).
    (DataError, "invalid_argument"),
    (IntegrityError, "conflict"),
    (ProtectedError, "conflict"),
    (RestrictedError, "conflict"),
    (OperationalError, "service_unavailable"),
    (InterfaceError, "service_unavailable"),
)


def to_api_error(exc: BaseException) -> APIError:
    """The APIError that stands for `exc`; `error.original` keeps `exc` for logs and debug.
    An exception that no row names is an internal error."""
    error = _translate(exc) or APIError.for_code("internal_error")
    if error is not exc:
        error.original = exc
    return error


def known_api_error(exc: BaseException) -> APIError | None:
    """`to_api_error`, but None for an exception that no row names: the unexpected ones,
    which DRF's convention and `DEBUG_PROPAGATE_EXCEPTIONS` let propagate."""
    error = _translate(exc)
    if error is not None and error is not exc:
        error.original = exc
    return error


def returned_error(response: HttpResponseBase) -> APIError | None:
    """The error a view meant by returning this error response (status >= 400) instead of
    raising: for a DRF `Response`, its data says what failed. None for any other response."""
    drf_response = sys.modules.get("rest_framework.response")
    if drf_response is not None and isinstance(response, drf_response.Response):
        return _drf().from_drf_response(response)
    return None


@functools.cache
def _drf() -> ModuleType:
    # Imported on first use (an import statement in _translate would run on every call),
    # and only once DRF itself is: the core imports no framework.
    from .drf import translate as drf_translate

    return drf_translate


@functools.cache
def _ninja() -> ModuleType:
    from .ninja import translate as ninja_translate

    return ninja_translate


def _translate(exc: BaseException) -> APIError | None:
    for exception_class, code in api_settings.exception_map:
        if isinstance(exc, exception_class):
            return APIError.for_code(code)
    if isinstance(exc, APIError):
        return exc
    drf_exceptions = sys.modules.get("rest_framework.exceptions")
    if drf_exceptions is not None and isinstance(exc, drf_exceptions.APIException):
        return _drf().from_drf_exception(exc)
    if "ninja.errors" in sys.modules:
        error = _ninja().from_ninja_exception(exc)
        if error is not None:
            return error
    ratelimit_exceptions = sys.modules.get("django_ratelimit.exceptions")
    if ratelimit_exceptions is not None and isinstance(exc, ratelimit_exceptions.Ratelimited):
        return RateLimited()
    # Redis down or hung (a cache call nothing else caught): 503 with Retry-After, not 500.
    outage = cache_outage_error(exc)
    if outage is not None:
        return outage
    if isinstance(exc, DjangoValidationError):
        return ValidationFailed(errors=exc)
    if isinstance(exc, RecursionError) and raised_parsing_the_body(exc):
        # A request body nested deeper than Python recurses: the client's fault, not the
        # server's. (One the server decoded itself, from upstream, stays a 500.)
        return APIError.for_code("parse_error")
    for exception_class, code in DJANGO_EXCEPTION_CODES:
        if isinstance(exc, exception_class):
            return APIError.for_code(code)
    if isinstance(exc, OverflowError) and _raised_within(exc, _DATABASE_LAYER):
        return APIError.for_code("invalid_argument")  # SQLite: an integer over 2**63
    return None


#: The files whose code raises a RecursionError while decoding a too deeply nested document
#: (the C scanner raises from json.decoder's frame, the pure-Python one from its own).
_JSON_DECODER_FILES = frozenset({json.decoder.__file__, json.scanner.__file__})
#: Django's database layer: an OverflowError raised inside it is a value the database
#: cannot take (SQLite's integers), not arithmetic of the server's.
_DATABASE_LAYER = os.path.dirname(django.db.__file__) + os.sep


def traceback_code(exc: BaseException) -> list[CodeType]:
    """The code of each frame `exc` passed through, outermost first: where it was raised
    says whose fault it is."""
    codes = []
    traceback = exc.__traceback__
    while traceback is not None:
        codes.append(traceback.tb_frame.f_code)
        traceback = traceback.tb_next
    return codes


def _raised_within(exc: BaseException, directory: str) -> bool:
    return any(code.co_filename.startswith(directory) for code in traceback_code(exc))


def raised_parsing_the_body(exc: BaseException) -> bool:
    """Whether `exc` was raised by the JSON decoder while DRF's parsers read the request
    body (`django_apierrors.json_body.read_json` answers its own)."""
    parsers = sys.modules.get("rest_framework.parsers")
    files = [code.co_filename for code in traceback_code(exc)]
    if parsers is None or not files or files[-1] not in _JSON_DECODER_FILES:
        return False
    return parsers.__file__ in files


def is_refused_value(exc: BaseException) -> bool:
    """A value the database refused: answered 400, but logged with its traceback, since a
    server bug can raise these too."""
    return isinstance(exc, DataError) or (
        isinstance(exc, OverflowError) and _raised_within(exc, _DATABASE_LAYER)
    )
