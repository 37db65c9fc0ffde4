"""drf-spectacular integration: each operation documents the error responses it can give.

    REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "django_apierrors.drf.openapi.AutoSchema", ...}

The components come from the catalog (`django_apierrors.openapi`), and for operations
with a request body a `<Serializer>Error400`
whose `errors[].code` lists the field codes the serializer can give. Which statuses an
operation documents follows from the view (see `error_statuses`); `@api_errors(add=...,
remove=...)` adjusts them.
"""

from __future__ import annotations

import copy
from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
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
        has_body = method in BODY_METHODS and self.get_request_serializer() is not None
        if has_body or self._has_query_parameters():
            statuses.add(400)
        if has_body:
            statuses |= {415, api_settings.VALIDATION_STATUS}
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
