"""The whole contract for one error response: `assert_api_error`, and the document checked
against the JSON Schema generated from the catalog (every documented code, nothing else)."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from django_apierrors import catalog
from django_apierrors.openapi import error_response_schema, problem_details_schema
from django_apierrors.render import ErrorResponse
from django_apierrors.testing import assert_api_error

from .schema_tools import validate

DEBUG_MEMBERS = {"exception", "detail", "traceback"}


def catalog_codes() -> list[str]:
    return sorted(entry.code for entry in catalog)


def assert_contract(
    response: Any, status: int, code: str, *, debug: bool | None = None, **param: Any
) -> dict[str, Any]:
    """`assert_api_error(response, status, code[, param=...])`, then the schema; returns
    the flat body. `debug` is checked apart (the schema is production's): present with its
    members, and, where `debug` says whether DEBUG was on, present exactly then."""
    body = assert_api_error(response, status, code, **param)
    document = json.loads(response.content)
    if response["Content-Type"] == "application/problem+json":
        schema = problem_details_schema()
        flat = document
    else:
        schema = error_response_schema(code_schema={"type": "string", "enum": catalog_codes()})
        flat = document.get("error", document)
    details = flat.pop("debug", None)
    if details is not None:
        assert set(details) == DEBUG_MEMBERS, details
    if debug is not None:
        assert (details is not None) == debug, f"DEBUG is {debug}, the body says otherwise"
    validate(document, schema)
    if hasattr(response, "wsgi_request") or hasattr(response, "asgi_request"):
        # From Django's test client (not off the wire): rendered on the road, with DRF's
        # idiom, `.data` the document with Python values (a Decimal stays one).
        assert isinstance(response, ErrorResponse), type(response)
        data = json.loads(DjangoJSONEncoder().encode(response.data))
        assert data == json.loads(response.content)
    return body
