"""drf-spectacular integration: each operation documents the error responses it can give.

    REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "django_apierrors.drf.openapi.AutoSchema", ...}

The components come from the catalog (`django_apierrors.openapi`), and for operations
with a request serializer a `<Serializer>Error400` whose `errors[].code` lists the field
codes the serializer can give. Which statuses an operation documents follows from the view
(see `error_statuses`); `@api_errors(add=..., remove=...)` adjusts them.

The docstrings of this package's own classes (`IdempotentMixin`, ...) describe the class to
a developer, not the endpoint to its clients: an operation's description never comes from
them (see `AutoSchema.get_description`).
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, get_doc
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny

from ..conf import api_settings
from ..openapi import (
    BODY_METHODS,
    WRITE_METHODS,
    api_errors,
    codes_by_status,
    error_response,
    error_response_schema,
    noted_statuses,
)

__all__ = ["AutoSchema", "api_errors", "error_response_schema"]


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema, adding the error responses of each operation."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        by_status = codes_by_status()
        for status in sorted(self.error_statuses()):
            if str(status) not in responses:
                responses[str(status)] = self._error_response(status, by_status.get(status, []))
        return responses

    def error_statuses(self) -> set[int]:
        view, method = self.view, self.method.upper()
        statuses = {405, 406, 500}
        # DRF parses any body the view reads, declared or not: a malformed one is 400
        # parse_error, an unsupported Content-Type 415.
        has_body = method in BODY_METHODS
        if has_body or self._has_query_parameters():
            statuses.add(400)
        if has_body:
            statuses.add(415)
            if self.get_request_serializer() is not None:
                statuses.add(api_settings.VALIDATION_STATUS)
        authenticators = view.get_authenticators()
        if authenticators:
            statuses.add(401)  # wrong credentials answer 401 even where anyone may call
        permissions = view.get_permissions()
        if any(not isinstance(permission, AllowAny) for permission in permissions) or (
            method in WRITE_METHODS
            and any(isinstance(auth, SessionAuthentication) for auth in authenticators)
        ):
            statuses |= {401, 403}
        if "{" in self.path:
            statuses.add(404)
        if view.get_throttles():
            statuses |= {429, 503}
        added, removed = noted_statuses(type(view), self._handler())
        if getattr(view, "idempotency_ttl", None) and method in WRITE_METHODS:
            statuses |= {400, 409, 422}  # IdempotentMixin
        return (statuses | added) - removed

    def get_description(self) -> str:  # type: ignore[override]
        """drf-spectacular's description (the action's docstring, else the view's), leaving
        out the docstrings of this package's own classes and their methods."""
        if spectacular_settings.DISABLE_DOCSTRING_DESCRIPTIONS:
            return ""
        view_class = type(self.view)
        name = getattr(self.view, "action", self.method.lower())
        action = getattr(self.view, name, None) if isinstance(name, str) else None
        action_doc = get_doc(action)
        if action_doc and action_doc in _our_docs(view_class, name):
            action_doc = ""
        return action_doc or _view_doc(view_class)

    def _handler(self) -> Any:
        name = getattr(self.view, "action", None) or self.method.lower()
        return getattr(self.view, name, None)

    def _has_query_parameters(self) -> bool:
        return any(
            parameter.get("in") == "query"
            for parameter in self._get_parameters()
            if isinstance(parameter, dict)
        )

    def _error_response(self, status: int, codes: list[str]) -> dict[str, Any]:
        field_codes = None
        if status == api_settings.VALIDATION_STATUS:
            field_codes = self._field_codes()
        return error_response(
            status,
            codes,
            self._component,
            body_name=self._component_name(status, field_codes),
            field_codes=field_codes,
        )

    def _component(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _component_name(self, status: int, field_codes: list[str] | None) -> str:
        if field_codes is None:
            return f"Error{status}"
        serializer = self.get_request_serializer()
        base = self._get_serializer_name(serializer, "request") if serializer else "Request"
        return f"{base}Error{status}"

    def _field_codes(self) -> list[str] | None:
        """The codes field validation of this operation's request body can give."""
        serializer = self.get_request_serializer()
        if serializer is None or self.method.upper() not in BODY_METHODS:
            return None
        codes: set[str] = {"invalid", "required", "null", "not_a_list", "empty"}
        _collect_field_codes(_instance(serializer), codes, depth=0)
        return sorted(codes)


def _is_ours(cls: type) -> bool:
    module = getattr(cls, "__module__", "") or ""
    return module == "django_apierrors" or module.startswith("django_apierrors.")


def _view_doc(view_class: type) -> str:
    """drf-spectacular's `get_doc(view_class)`, skipping the classes of this package."""
    mro = view_class.__mro__
    barrier = min(
        (mro.index(cls) for cls in spectacular_settings.GET_LIB_DOC_EXCLUDES() if cls in mro),
        default=len(mro),
    )
    for cls in mro[:barrier]:
        if cls.__doc__ and not _is_ours(cls):
            return _clean_doc(cls.__doc__)
    return ""


def _our_docs(view_class: type, name: str) -> set[str]:
    """The docstrings of the methods called `name` that this package's classes in the MRO
    define: what `get_doc` finds for a view's method that has none of its own."""
    docs = set()
    for cls in view_class.__mro__:
        doc = getattr(cls.__dict__.get(name), "__doc__", None) if _is_ours(cls) else None
        if doc:
            docs.add(_clean_doc(doc))
    return docs


def _clean_doc(doc: str) -> str:
    """A docstring as `get_doc` returns it."""
    return "\n".join(line.rstrip() for line in inspect.cleandoc(doc).rstrip().split("\n"))


def _instance(serializer: Any) -> Any:
    return serializer() if isinstance(serializer, type) else serializer


def _collect_field_codes(field: Any, codes: set[str], depth: int) -> None:
    from ..field_errors import clean_code

    if depth > 10:
        return
    codes.update(clean_code(code) for code in getattr(field, "error_messages", {}))
    for validator in getattr(field, "validators", []):
        code = getattr(validator, "code", None)
        if isinstance(code, str):
            codes.add(clean_code(code))
    child = getattr(field, "child", None)
    if child is not None:
        _collect_field_codes(child, codes, depth + 1)
    if isinstance(field, serializers.Serializer):
        for nested in copy.copy(field.fields).values():
            _collect_field_codes(nested, codes, depth + 1)
