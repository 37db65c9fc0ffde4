"""The headers every response carries: the request id, and the exposure of the contract's
headers to cross-origin scripts (appended to what CORS code set, never overwritten)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase

from .conf import api_settings
from .limits import add_rate_limit_headers, recorded_usage

#: Contract headers a client script needs to read, exposed whenever a response has them.
EXPOSED_HEADERS = ("Retry-After", "WWW-Authenticate", "Allow", "ETag", "Idempotent-Replayed")


EXPOSE_HEADER = "Access-Control-Expose-Headers"

# Lower-cased once: this runs on every response.
_EXPOSED_LOWER = tuple((name, name.lower()) for name in EXPOSED_HEADERS)
_EXPOSE_HEADER_LOWER = EXPOSE_HEADER.lower()


def stamp_response(request: HttpRequest, response: HttpResponseBase, request_id: str) -> None:
    """Set the request id and rate-limit headers; expose them with the contract headers."""
    header = api_settings.REQUEST_ID_HEADER
    # A replayed response keeps the id of the request that produced it (and its body).
    response[header] = getattr(response, "original_request_id", request_id)
    names = [header]
    usage = recorded_usage(request)
    if usage is not None and (
        response.status_code == 429
        or (response.status_code < 400 and api_settings.RATELIMIT_HEADERS_ON_SUCCESS)
    ):
        names += add_rate_limit_headers(response, usage)
    # One pass over the response's few headers: has_header() raises a KeyError per miss.
    present = {name.lower() for name in response.headers}
    names += [name for name, lower in _EXPOSED_LOWER if lower in present]
    if _EXPOSE_HEADER_LOWER in present:
        expose_headers(response, *names)
    else:
        response[EXPOSE_HEADER] = ", ".join(names)


def expose_headers(response: HttpResponseBase, *names: str) -> None:
    """Append to Access-Control-Expose-Headers without dropping what CORS code put there."""
    current = response.get(EXPOSE_HEADER) or ""
    exposed = [name.strip() for name in current.split(",") if name.strip()]
    known = {name.lower() for name in exposed}
    exposed += [name for name in names if name.lower() not in known]
    response[EXPOSE_HEADER] = ", ".join(exposed)
