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

from ..conf import api_settings
from ..openapi import (
    as_openapi_31,
    codes_by_status,
    error_response,
    noted_statuses,
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
                codes = by_status.get(status, [])
                responses[status] = error_response(status, codes, self._component)
        return details

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
