"""The whole contract for one error response: `assert_api_error`, and the document checked
against the JSON Schema generated from the catalog (every documented code, nothing else)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from django_apierrors import catalog
from django_apierrors.openapi import error_response_schema, problem_details_schema
from django_apierrors.testing import assert_api_error

from .schema_tools import validate

DEBUG_MEMBERS = {"exception", "detail", "traceback"}


def catalog_codes() -> list[str]:
    return sorted(entry.code for entry in catalog)


def assert_contract(response: Any, status: int, code: str, **param: Any) -> dict[str, Any]:
    """`assert_api_error(response, status, code[, param=...])`, then the schema; returns
    the flat body. With DEBUG on, `debug` is checked apart (the schema is production's)."""
    body = assert_api_error(response, status, code, **param)
    document = json.loads(response.content)
    if response["Content-Type"] == "application/problem+json":
        schema = problem_details_schema()
        flat = document
    else:
        schema = error_response_schema(code_schema={"type": "string", "enum": catalog_codes()})
        flat = document.get("error", document)
    debug = flat.pop("debug", None)
    if settings.DEBUG:
        assert debug is not None and set(debug) == DEBUG_MEMBERS, debug
    else:
        assert debug is None, "a production body carries no debug member"
    validate(document, schema)
    # DRF's idiom: `.data` is the document, with Python values (a Decimal stays one).
    assert json.loads(DjangoJSONEncoder().encode(response.data)) == json.loads(response.content)
    return body
