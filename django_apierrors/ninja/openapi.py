"""Django Ninja's OpenAPI schema, documenting each operation's error responses.

`install()` makes `api.get_openapi_schema()` (and so the API's `/openapi.json` and docs
page) build `ErrorsOpenAPISchema`: Ninja's own schema, plus for every operation the error
statuses it can answer, each with the catalog's components (`ErrorResponse`, one
`Error<status>` per status with its codes as an enum, `ProblemDetails`) in OpenAPI 3.1's
dialect. Which statuses follows from the operation (see `error_statuses`);
`@api_errors(add=..., remove=...)` on the view function adjusts them, and a status the
operation documents itself (`response={404: Message}`) is left as it is.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.types import DictStrAny

from ..catalog import ERROR_TYPES, reason_phrase
from ..conf import api_settings
from ..openapi import (
    CODE_REGEX,
    as_openapi_31,
    codes_by_status,
    error_response_headers,
    error_response_schema,
    noted_statuses,
    problem_details_schema,
)

#: Where a limit is counted: Ninja's throttles and our @ratelimit (503: its cache failed).
LIMITED_STATUSES = frozenset({429, 503})


def error_statuses(operation: Operation, details: DictStrAny) -> set[int]:
    """The error statuses `operation` can answer; `details` is what Ninja documents of it."""
    statuses = {405, 500}
    parameters = [p for p in details.get("parameters") or () if isinstance(p, dict)]
    has_body = "requestBody" in details
    if parameters or has_body:
        statuses |= {400, api_settings.VALIDATION_STATUS}
    if has_body:
        statuses |= {413, 415}
    if operation.auth_callbacks:
        statuses |= {401, 403}
    if any(parameter.get("in") == "path" for parameter in parameters) or "{" in operation.path:
        statuses.add(404)
    if operation.throttle_objects:
        statuses |= LIMITED_STATUSES
    added, removed = noted_statuses(operation.view_func)
    return (statuses | added) - removed


class ErrorsOpenAPISchema(OpenAPISchema):
    """Ninja's `OpenAPISchema`, adding the error responses of each operation."""

    def operation_details(self, operation: Operation) -> DictStrAny:
        details: DictStrAny = super().operation_details(operation)
        responses = details.setdefault("responses", {})
        by_status = codes_by_status()
        for status in sorted(error_statuses(operation, details)):
            if status not in responses and str(status) not in responses:
                responses[status] = self.error_response(status, by_status.get(status, []))
        return details

    def error_response(self, status: int, codes: list[str]) -> DictStrAny:
        type_ref = self._component("ErrorType", {"type": "string", "enum": sorted(ERROR_TYPES)})
        code_schema: dict[str, Any] = {"type": "string", "pattern": CODE_REGEX}
        if codes:
            code_schema = self._component(f"Error{status}Code", {"type": "string", "enum": codes})
        self._component("ErrorResponse", error_response_schema(type_schema=type_ref))
        body_ref = self._component(
            f"Error{status}", error_response_schema(status, code_schema, type_ref)
        )
        problem_ref = self._component("ProblemDetails", problem_details_schema(type_ref))
        return {
            "description": reason_phrase(status),
            "headers": error_response_headers(status),
            "content": {
                "application/json": {"schema": body_ref},
                "application/problem+json": {"schema": problem_ref},
            },
        }

    def _component(self, name: str, schema: dict[str, Any]) -> dict[str, str]:
        self.schemas.setdefault(name, as_openapi_31(schema))
        return {"$ref": f"#/components/schemas/{name}"}


def documented_schema(
    api: NinjaAPI,
    *,
    path_prefix: str | None = None,
    path_params: DictStrAny | None = None,
) -> OpenAPISchema:
    """`NinjaAPI.get_openapi_schema`, building `ErrorsOpenAPISchema`."""
    if path_prefix is None:
        path_prefix = api.get_root_path(path_params or {})
    return ErrorsOpenAPISchema(api, path_prefix)
