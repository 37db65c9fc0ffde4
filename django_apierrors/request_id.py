"""Request ids: one per request, on `request.request_id`, in a contextvar, in every log.

A valid incoming id (TRUST_REQUEST_ID) is kept so that a trace crosses services; anything
else is replaced by a new UUID4 and never echoed or logged.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any, TypeGuard

from django.http import HttpRequest

from .conf import api_settings

REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

_current_request_id: ContextVar[str | None] = ContextVar(
    "django_apierrors_request_id", default=None
)


def django_request(request: Any) -> HttpRequest:
    """The Django HttpRequest behind a DRF Request (or the request itself)."""
    return getattr(request, "_request", request)


def get_request_id() -> str | None:
    """The id of the request being handled in this thread or task, if any."""
    return _current_request_id.get()


def is_valid_request_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and REQUEST_ID_PATTERN.fullmatch(value) is not None


def new_request_id() -> str:
    """A random UUID4 string, as str(uuid.uuid4()) gives, at a quarter of its cost: this
    runs on every request."""
    hex_digits = os.urandom(16).hex()
    return (
        f"{hex_digits[:8]}-{hex_digits[8:12]}-4{hex_digits[13:16]}-"
        f"{_VARIANT_DIGIT[hex_digits[16]]}{hex_digits[17:20]}-{hex_digits[20:]}"
    )


# The UUID variant bits (10xx) over a random hex digit's low two bits.
_VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def assign_request_id(request: HttpRequest) -> str:
    incoming = request.META.get(api_settings.request_id_meta_key)
    # `is not None` first: most requests carry no id, and this runs on every one.
    if incoming is not None and api_settings.TRUST_REQUEST_ID and is_valid_request_id(incoming):
        request_id = incoming
    else:
        request_id = new_request_id()
    request.request_id = request_id  # type: ignore[attr-defined]
    return request_id


def ensure_request_id(request: HttpRequest) -> str:
    """The request's id, assigning one when no middleware did (e.g. in handler404)."""
    request_id = getattr(request, "request_id", None)
    return request_id if isinstance(request_id, str) else assign_request_id(request)


#: Make `request_id` the current id (`get_request_id()`) until `deactivate(token)`.
#: The ContextVar's own methods, not wrappers: they run twice on every request.
activate: Callable[[str], Token[str | None]] = _current_request_id.set
deactivate: Callable[[Token[str | None]], None] = _current_request_id.reset
