"""The headers every response carries: the request id, and the exposure of the contract's
headers to cross-origin scripts (appended to what CORS code set, never overwritten)."""

from __future__ import annotations

from django.http import HttpResponseBase

from .conf import api_settings

#: Contract headers a client script needs to read, exposed whenever a response has them.
EXPOSED_HEADERS = ("Retry-After", "WWW-Authenticate", "Allow")


def stamp_response(response: HttpResponseBase, request_id: str) -> None:
    """Set the request id header and expose it with the contract headers present."""
    header = api_settings.REQUEST_ID_HEADER
    response[header] = request_id
    present = (name for name in EXPOSED_HEADERS if response.has_header(name))
    expose_headers(response, header, *present)


def expose_headers(response: HttpResponseBase, *names: str) -> None:
    """Append to Access-Control-Expose-Headers without dropping what CORS code put there."""
    current = response.get("Access-Control-Expose-Headers")
    if not current:
        response["Access-Control-Expose-Headers"] = ", ".join(names)
        return
    exposed = [name.strip() for name in current.split(",") if name.strip()]
    known = {name.lower() for name in exposed}
    exposed += [name for name in names if name.lower() not in known]
    response["Access-Control-Expose-Headers"] = ", ".join(exposed)
