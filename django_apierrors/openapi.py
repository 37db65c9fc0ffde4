"""What the OpenAPI schemas say about errors, for any framework's schema generator.

The components are built from the catalog: `ErrorResponse` (the body, exactly),
`ProblemDetails` (the problem+json variant), one `Error<status>` per status with that
status's codes as an enum. `django_apierrors.drf.openapi` (drf-spectacular) and
`django_apierrors.ninja` put them into their schemas.

Which error statuses a view can answer, beyond what its framework's configuration shows:
our decorators note what they add (`@ratelimit`: 429 and 503, `@idempotent`: 400, 409 and
422, preconditions: 412); `@api_errors(add=..., remove=...)` lets a project say the rest.
The schema generators read these notes. The attributes survive
`functools.wraps` and `method_decorator`, which copy a wrapper's `__dict__`: one attribute
per status, so that copies made in any order add up instead of overwriting each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from .catalog import CODE_PATTERN, ERROR_TYPES, catalog, reason_phrase
from .conf import api_settings
from .exceptions import APIError

T = TypeVar("T")

ADDED = "_apierrors_adds_"
REMOVED = "_apierrors_removes_"


def note_statuses(target: Any, add: Iterable[int] = (), remove: Iterable[int] = ()) -> None:
    """Add to what `target` (a view function, method or class) documents."""
    if hasattr(target, "cls"):  # the function DRF's @api_view / as_view() returns
        note_statuses(target.cls, add, remove)
    for status in add:
        setattr(target, f"{ADDED}{int(status)}", True)
    for status in remove:
        setattr(target, f"{REMOVED}{int(status)}", True)


def noted_statuses(*targets: Any) -> tuple[frozenset[int], frozenset[int]]:
    added: set[int] = set()
    removed: set[int] = set()
    for target in targets:
        for name in dir(target):  # dir(): a ViewSet inherits its bases' notes
            if name.startswith(ADDED):
                added.add(int(name.removeprefix(ADDED)))
            elif name.startswith(REMOVED):
                removed.add(int(name.removeprefix(REMOVED)))
    return frozenset(added), frozenset(removed)


def api_errors(add: Iterable[int] = (), remove: Iterable[int] = ()) -> Callable[[T], T]:
    """Document more (or fewer) error statuses for a view, a view method or a ViewSet.

    @api_errors(add=[409, 422])
    def create(self, request): ...
    """

    def decorator(target: T) -> T:
        note_statuses(target, add, remove)
        return target

    return decorator


# JSON Schema patterns search; anchored, a code like "Bad-Code" does not pass.
CODE_REGEX = f"^{CODE_PATTERN.pattern}$"
BODY_METHODS = ("POST", "PUT", "PATCH")
INPUT_LOCATIONS = ("body", "query", "path", "header", "cookie", "form", "file")
WRITE_METHODS = (*BODY_METHODS, "DELETE")
#: `Retry-After` and the X-RateLimit-* headers ("x-ratelimit" in RATELIMIT_HEADER_STYLES).
RATE_LIMIT_HEADERS = {
    "Retry-After": "Seconds to wait before retrying.",
    "X-RateLimit-Limit": "Requests allowed in the current window.",
    "X-RateLimit-Remaining": "Requests left in the current window.",
    "X-RateLimit-Reset": "When the window ends, as Unix time (UTC seconds).",
}
#: The IETF RateLimit fields ("ietf" in RATELIMIT_HEADER_STYLES), as
#: `rate_limit_headers.add_rate_limit_headers` writes them.
IETF_RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": 'The limit as a structured field: `"<policy>";q=<requests>;w=<window '
    "seconds>`.",
    "RateLimit": 'What is left of it as a structured field: `"<policy>";r=<requests left>;'
    "t=<seconds until the window ends>`.",
}


def rate_limit_headers() -> dict[str, dict[str, Any]]:
    """The rate-limit headers of the configured RATELIMIT_HEADER_STYLES (OpenAPI header
    objects), without `Retry-After`."""
    styles = rate_limit_header_styles()
    headers: dict[str, dict[str, Any]] = {}
    if "x-ratelimit" in styles:
        headers.update(
            {
                name: {"schema": {"type": "integer"}, "description": description}
                for name, description in RATE_LIMIT_HEADERS.items()
                if name != "Retry-After"
            }
        )
    if "ietf" in styles:
        headers.update(
            {
                name: {"schema": {"type": "string"}, "description": description}
                for name, description in IETF_RATE_LIMIT_HEADERS.items()
            }
        )
    return headers


def rate_limit_header_styles() -> tuple[str, ...]:
    """RATELIMIT_HEADER_STYLES, or none when its value is not a list."""
    styles = api_settings.RATELIMIT_HEADER_STYLES
    # A bad value is reported by the system check (E003); documentation goes on without it.
    if isinstance(styles, str) or not isinstance(styles, list | tuple):
        return ()
    return tuple(styles)


def codes_by_status() -> dict[int, list[str]]:
    """Every catalog code under the status it answers with (VALIDATION_STATUS applied)."""
    statuses: dict[int, list[str]] = {}
    for entry in catalog:
        statuses.setdefault(APIError.for_code(entry.code).status, []).append(entry.code)
    return statuses


def field_error_schema(codes: list[str] | None = None) -> dict[str, Any]:
    code: dict[str, Any] = {"type": "string", "pattern": CODE_REGEX}
    if codes:
        code = {"type": "string", "enum": codes}
    return {
        "type": "object",
        "required": ["message", "code", "param", "pointer"],
        "additionalProperties": False,
        "properties": {
            "message": {"type": "string"},
            "code": code,
            "param": {"type": "string", "nullable": True},
            "pointer": {"type": "string", "description": "RFC 6901 JSON pointer"},
            "index": {"type": "integer", "description": "the batch item"},
            "location": {
                "type": "string",
                "enum": list(INPUT_LOCATIONS),
                "description": "where the input came from, where the framework says",
            },
        },
    }


def error_response_schema(
    status: int | None = None,
    code_schema: dict[str, Any] | None = None,
    type_schema: dict[str, Any] | None = None,
    field_codes: list[str] | None = None,
) -> dict[str, Any]:
    """The error body as JSON Schema (OpenAPI 3.0 dialect), narrowed to a status if given."""
    schema: dict[str, Any] = {
        "type": "object",
        "required": ["message", "type", "code", "param", "request_id", "status", "retryable"],
        "additionalProperties": False,
        "properties": {
            "message": {"type": "string"},
            "type": type_schema or {"type": "string", "enum": sorted(ERROR_TYPES)},
            "code": code_schema or {"type": "string", "pattern": CODE_REGEX},
            "param": {"type": "string", "nullable": True},
            "request_id": {"type": "string"},
            "status": {"type": "integer", "minimum": status or 400, "maximum": status or 599},
            "retryable": {"type": "boolean"},
            "errors": {"type": "array", "items": field_error_schema(field_codes)},
            "doc_url": {"type": "string"},
            "meta": {"type": "object", "additionalProperties": True},
            "debug": {
                "type": "object",
                "description": "only with settings.DEBUG on: exception, detail, traceback",
            },
        },
    }
    if api_settings.ENVELOPE == "error":
        return {
            "type": "object",
            "required": ["error"],
            "additionalProperties": False,
            "properties": {"error": schema},
        }
    return schema


def problem_details_schema(type_schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "title", "status", "detail", "code", "error_type", "request_id"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "code": {"type": "string", "pattern": CODE_REGEX},
            "error_type": type_schema or {"type": "string", "enum": sorted(ERROR_TYPES)},
            "param": {"type": "string", "nullable": True},
            "request_id": {"type": "string"},
            "retryable": {"type": "boolean"},
            "errors": {"type": "array", "items": field_error_schema()},
            "meta": {"type": "object", "additionalProperties": True},
        },
    }


def as_openapi_31(schema: Any) -> Any:
    """A schema of ours in OpenAPI 3.1's dialect (plain JSON Schema): `nullable` becomes a
    `"null"` member of `type`."""
    if isinstance(schema, list):
        return [as_openapi_31(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: as_openapi_31(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable") and isinstance(schema.get("type"), str):
        converted["type"] = [schema["type"], "null"]
    return converted


def error_response_headers(status: int) -> dict[str, Any]:
    """The headers an error response of `status` documents (OpenAPI header objects): the
    request id under REQUEST_ID_HEADER; `Retry-After` on 429 and 503; on 429 the rate-limit
    headers of RATELIMIT_HEADER_STYLES (X-RateLimit-*, the IETF RateLimit fields, or both).
    """
    headers: dict[str, Any] = {
        api_settings.request_id_header: {
            "schema": {"type": "string"},
            "description": "The request id; equals `request_id` in the body.",
        }
    }
    if status in (429, 503):
        headers["Retry-After"] = {
            "schema": {"type": "integer"},
            "description": RATE_LIMIT_HEADERS["Retry-After"],
        }
    if status == 429:
        headers.update(rate_limit_headers())
    return headers


def error_response(
    status: int,
    codes: list[str],
    component: Callable[[str, dict[str, Any]], dict[str, Any]],
    *,
    body_name: str | None = None,
    field_codes: list[str] | None = None,
) -> dict[str, Any]:
    """The OpenAPI response object of an error `status` whose codes are `codes`.
    `component(name, schema)` registers a named schema with the schema generator and
    returns a reference to it: `type` and `code` are named components too (drf-spectacular's
    enum hook would otherwise lift every inline enum into components of its own naming)."""
    type_ref = component("ErrorType", {"type": "string", "enum": sorted(ERROR_TYPES)})
    code_schema: dict[str, Any] = {"type": "string", "pattern": CODE_REGEX}
    if codes:
        code_schema = component(f"Error{status}Code", {"type": "string", "enum": codes})
    component("ErrorResponse", error_response_schema(type_schema=type_ref))
    body_ref = component(
        body_name or f"Error{status}",
        error_response_schema(status, code_schema, type_ref, field_codes),
    )
    problem_ref = component("ProblemDetails", problem_details_schema(type_ref))
    return {
        "description": reason_phrase(status),
        "headers": error_response_headers(status),
        "content": {
            "application/json": {"schema": body_ref},
            "application/problem+json": {"schema": problem_ref},
        },
    }
