"""Django Ninja's OpenAPI schema, documenting each operation's error responses.

`install()` makes `api.get_openapi_schema()` (and so the API's `/openapi.json` and docs
page) build `ErrorsOpenAPISchema`: Ninja's own schema, plus for every operation the error
statuses it can answer, each with the catalog's components (`ErrorResponse`, one
`Error<status>` per status with its codes as an enum, `ProblemDetails`) in OpenAPI 3.1's
dialect. Which statuses follows from the operation (see `error_statuses`);
`@api_errors(add=..., remove=...)` on the view function adjusts them. Where the operation
documents a status itself (`response={404: Message}`, what it returns), its body is
documented as either that or ours (what it raises). The headers of each error response are
those of the settings, as for drf-spectacular (`openapi.error_response_headers`): the
REQUEST_ID_HEADER, and on 429 `Retry-After` with the RATELIMIT_HEADER_STYLES' headers.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
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
    # operation.models: one per source of input, those left out of the schema included.
    if operation.models or parameters or has_body:
        statuses |= {400, api_settings.VALIDATION_STATUS}
    if has_body or any(parameter.get("in") == "query" for parameter in parameters):
        statuses.add(413)  # DATA_UPLOAD_MAX_NUMBER_FIELDS counts query fields too
    if has_body:
        statuses.add(415)
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
            ours = error_response(status, by_status.get(status, []), self._component)
            key = str(status) if str(status) in responses else status
            theirs = responses.get(key)
            responses[key] = ours if theirs is None else _either(theirs, ours)
        return details

    def get_components(self) -> DictStrAny:
        # Ninja has added every model of the API's operations by now: a model of the same
        # name as one of ours would replace it, and every error body would then fail its
        # documented schema.
        components: DictStrAny = super().get_components()
        schemas = components["schemas"]
        for name, schema in self.__dict__.get("_error_components", {}).items():
            if schemas.setdefault(name, schema) != schema:
                raise ImproperlyConfigured(
                    f"The API's OpenAPI schema has a component {name!r} of its own; "
                    "django-apierrors documents its error bodies under that name. Rename "
                    "the model (or set its schema title)."
                )
        return components

    def _component(self, name: str, schema: dict[str, Any]) -> dict[str, str]:
        self.__dict__.setdefault("_error_components", {}).setdefault(name, as_openapi_31(schema))
        return {"$ref": f"#/components/schemas/{name}"}


def _either(theirs: DictStrAny, ours: DictStrAny) -> DictStrAny:
    """A status the operation documents itself: its body (what it returns) or ours (what
    it raises)."""
    merged = {**theirs, "headers": {**ours["headers"], **theirs.get("headers", {})}}
    content = dict(theirs.get("content") or {})
    for media_type, media in ours["content"].items():
        if media_type in content and "schema" in content[media_type]:
            schemas = [content[media_type]["schema"], media["schema"]]
            content[media_type] = {**content[media_type], "schema": {"anyOf": schemas}}
        else:
            content[media_type] = media
    merged["content"] = content
    return merged


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
