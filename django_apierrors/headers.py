"""The headers every response carries: the request id, and the exposure of the contract's
headers to cross-origin scripts (appended to what CORS code set, never overwritten)."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from .conf import api_settings
from .rate_limit_headers import add_rate_limit_headers, recorded_usage

#: Contract headers a client script needs to read, exposed whenever a response has them.
EXPOSED_HEADERS = ("Retry-After", "WWW-Authenticate", "Allow", "ETag", "Idempotent-Replayed")


EXPOSE_HEADER = "Access-Control-Expose-Headers"

# Lower-cased once: this runs on every response.
_EXPOSED_LOWER = tuple((name, name.lower()) for name in EXPOSED_HEADERS)
_EXPOSED_LOWER_NAMES = frozenset(lower for _, lower in _EXPOSED_LOWER)
_EXPOSE_HEADER_LOWER = EXPOSE_HEADER.lower()


def header_store(response: HttpResponseBase) -> dict[str, tuple[str, str]] | None:
    """The dict behind `response.headers` (lower-cased name -> (name, value)), or None.

    For headers whose names and values this package made and knows to be plain ASCII
    without line breaks: `response[name] = value` checks each one again (a codec lookup
    and two encodes), which is most of what stamping a response costs on the success path.
    Where a Django version keeps its headers differently, callers use `response[name]`.
    """
    store: Any = getattr(response.headers, "_store", None)
    return store if type(store) is dict else None


def set_known_header(response: HttpResponseBase, name: str, value: str) -> None:
    """`response[name] = value` for a valid header name and an ASCII value without
    line breaks that this package produced (see `header_store`)."""
    store = header_store(response)
    if store is None:
        response[name] = value
    else:
        store[name.lower()] = (name, value)


def stamp_response(request: HttpRequest, response: HttpResponseBase, request_id: str) -> None:
    """Set the request id and rate-limit headers; expose them with the contract headers."""
    header = api_settings.REQUEST_ID_HEADER
    # A replayed response keeps the id of the request that produced it (and its body).
    # Request ids are validated or made by request_id.py: ASCII, no line breaks.
    value = getattr(response, "original_request_id", request_id)
    store = header_store(response) if api_settings.request_id_header_is_valid else None
    present: AbstractSet[str]  # lower-cased header names
    if store is None:
        response[header] = value
        present = {name.lower() for name in response.headers}
    else:
        store[header.lower()] = (header, value)
        present = store.keys()
    names = [header]
    usage = recorded_usage(request)
    if usage is not None and (
        response.status_code == 429
        or (response.status_code < 400 and api_settings.RATELIMIT_HEADERS_ON_SUCCESS)
    ):
        names += add_rate_limit_headers(response, usage)
    if not _EXPOSED_LOWER_NAMES.isdisjoint(present):
        names += [name for name, lower in _EXPOSED_LOWER if lower in present]
    if _EXPOSE_HEADER_LOWER in present:
        expose_headers(response, *names)
    elif store is None:
        response[EXPOSE_HEADER] = ", ".join(names)
    else:
        store[_EXPOSE_HEADER_LOWER] = (EXPOSE_HEADER, ", ".join(names))


def expose_headers(response: HttpResponseBase, *names: str) -> None:
    """Append to Access-Control-Expose-Headers without dropping what CORS code put there."""
    current = response.get(EXPOSE_HEADER) or ""
    exposed = [name.strip() for name in current.split(",") if name.strip()]
    known = {name.lower() for name in exposed}
    exposed += [name for name in names if name.lower() not in known]
    response[EXPOSE_HEADER] = ", ".join(exposed)
