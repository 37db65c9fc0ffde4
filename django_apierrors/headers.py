"""The headers every response carries: the request id, and the exposure of the contract's
headers to cross-origin scripts (appended to what CORS code set, never overwritten)."""

from __future__ import annotations

from collections.abc import Container

from django.http import HttpRequest, HttpResponseBase

from .conf import api_settings
from .private_apis import response_header_dict
from .rate_limit_headers import add_rate_limit_headers, recorded_usage

#: Contract headers a client script needs to read, exposed whenever a response has them.
EXPOSED_HEADERS = ("Retry-After", "WWW-Authenticate", "Allow", "ETag", "Idempotent-Replayed")


EXPOSE_HEADER = "Access-Control-Expose-Headers"

# Lower-cased once, with a bit each for `_exposure`: this runs on every response.
_EXPOSED = tuple((name, name.lower(), 1 << index) for index, name in enumerate(EXPOSED_HEADERS))
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
    header, header_key = api_settings.request_id_header_and_key
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
    present: Container[str]  # lower-cased header names
    if store is None:
        response[header] = value
        if cache_control is not None:
            response["Cache-Control"] = cache_control
        present = frozenset(name.lower() for name in response.headers)
    else:
        store[header_key] = (header, value)
        if cache_control is not None:
            store["cache-control"] = ("Cache-Control", cache_control)
        present = store
    if _EXPOSE_HEADER_LOWER in present:
        expose_headers(response, header, *rate_limit_names, *_present_exposed(present))
        return
    exposure = _exposure(header, rate_limit_names, present)
    if store is None:
        response[EXPOSE_HEADER] = exposure
    else:
        store[_EXPOSE_HEADER_LOWER] = (EXPOSE_HEADER, exposure)


def _present_exposed(present: Container[str]) -> list[str]:
    """The contract headers among `present` (lower-cased names), in EXPOSED_HEADERS' order."""
    return [name for name, lower, _ in _EXPOSED if lower in present]


#: Access-Control-Expose-Headers' values by (request id header, rate-limit headers, bits
#: of the contract headers present): the same few on every response, joined once.
_exposures: dict[tuple[str, tuple[str, ...], int], str] = {}
_EXPOSURES_KEPT = 256


def _exposure(header: str, rate_limit_names: tuple[str, ...], present: Container[str]) -> str:
    present_bits = 0
    for _, lower, bit in _EXPOSED:
        if lower in present:
            present_bits |= bit
    key = (header, rate_limit_names, present_bits)
    exposure = _exposures.get(key)
    if exposure is None:
        exposure = ", ".join([header, *rate_limit_names, *_present_exposed(present)])
        if len(_exposures) < _EXPOSURES_KEPT:
            _exposures[key] = exposure
    return exposure


def expose_headers(response: HttpResponseBase, *names: str) -> None:
    """Append to Access-Control-Expose-Headers without dropping what CORS code put there."""
    current = response.get(EXPOSE_HEADER) or ""
    exposed = [name.strip() for name in current.split(",") if name.strip()]
    known = {name.lower() for name in exposed}
    exposed += [name for name in names if name.lower() not in known]
    response[EXPOSE_HEADER] = ", ".join(exposed)
