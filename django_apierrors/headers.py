"""The headers every response carries: the request id, and the exposure of the contract's
headers to cross-origin scripts (appended to what CORS code set, never overwritten)."""

from __future__ import annotations

import functools
from collections.abc import Set as AbstractSet

from django.http import HttpRequest, HttpResponseBase

from .conf import api_settings
from .private_apis import response_header_dict
from .rate_limit_headers import add_rate_limit_headers, recorded_usage

#: Contract headers a client script needs to read, exposed whenever a response has them.
EXPOSED_HEADERS = ("Retry-After", "WWW-Authenticate", "Allow", "ETag", "Idempotent-Replayed")


EXPOSE_HEADER = "Access-Control-Expose-Headers"

# Lower-cased once: this runs on every response.
_EXPOSED_LOWER = tuple((name, name.lower()) for name in EXPOSED_HEADERS)
_EXPOSED_LOWER_NAMES = frozenset(lower for _, lower in _EXPOSED_LOWER)
_EXPOSE_HEADER_LOWER = EXPOSE_HEADER.lower()


def stamp_response(
    request: HttpRequest,
    response: HttpResponseBase,
    request_id: str,
    *,
    cache_control: str | None = None,
) -> None:
    """Set the request id and rate-limit headers; expose them with the contract headers.
    `cache_control` sets Cache-Control too (an error response's `no-store`)."""
    header = api_settings.request_id_header
    # A replayed response keeps the id of the request that produced it (and its body).
    value = getattr(response, "original_request_id", request_id)
    usage = recorded_usage(request)
    rate_limit_names: tuple[str, ...] = ()
    if usage is not None and (
        response.status_code == 429
        or (response.status_code < 400 and api_settings.RATELIMIT_HEADERS_ON_SUCCESS)
    ):
        rate_limit_names = tuple(add_rate_limit_headers(response, usage))
    # Request ids are validated or made by request_id.py: ASCII, no line breaks; the
    # header's name is a token (api_settings.request_id_header).
    store = response_header_dict(response)
    present: AbstractSet[str]  # lower-cased header names
    if store is None:
        response[header] = value
        if cache_control is not None:
            response["Cache-Control"] = cache_control
        present = frozenset(name.lower() for name in response.headers)
    else:
        store[header.lower()] = (header, value)
        if cache_control is not None:
            store["cache-control"] = ("Cache-Control", cache_control)
        present = store.keys()
    if _EXPOSE_HEADER_LOWER in present:
        expose_headers(response, *_exposed(header, rate_limit_names, present))
        return
    exposure = _exposure_of(header, rate_limit_names, _EXPOSED_LOWER_NAMES.intersection(present))
    if store is None:
        response[EXPOSE_HEADER] = exposure
    else:
        store[_EXPOSE_HEADER_LOWER] = (EXPOSE_HEADER, exposure)


def _exposed(
    header: str, rate_limit_names: tuple[str, ...], present: AbstractSet[str]
) -> list[str]:
    """The headers to expose: the request id's, the rate limits' set on this response, and
    the contract headers it has (`present`: lower-cased names)."""
    return [
        header,
        *rate_limit_names,
        *(name for name, lower in _EXPOSED_LOWER if lower in present),
    ]


@functools.lru_cache(maxsize=256)
def _exposure_of(header: str, rate_limit_names: tuple[str, ...], present: frozenset[str]) -> str:
    """Access-Control-Expose-Headers' value: the same few on every response, joined once."""
    return ", ".join(_exposed(header, rate_limit_names, present))


def expose_headers(response: HttpResponseBase, *names: str) -> None:
    """Append to Access-Control-Expose-Headers without dropping what CORS code put there."""
    current = response.get(EXPOSE_HEADER) or ""
    exposed = [name.strip() for name in current.split(",") if name.strip()]
    known = {name.lower() for name in exposed}
    exposed += [name for name in names if name.lower() not in known]
    response[EXPOSE_HEADER] = ", ".join(exposed)
