"""The catalog's codes and exception classes, for a client where Django is not installed.

Django's side (`django_apierrors.exceptions`) defines the classes a server raises; a
client in a Django project gets those (and a project's own codes). Without Django, this
module stands in for them: the same class names, hierarchy, codes, statuses, types and
retry rule (a test holds the two equal), and `FieldError` for the `errors` entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]*")

#: (status, code, type, retryable, class, parent class), in the catalog's order: the first
#: code of a status is the one a response with nothing but that status stands for.
CODES: tuple[tuple[int, str, str, bool, str, str], ...] = (
    (400, "bad_request", "invalid_request_error", False, "BadRequest", "APIError"),
    (400, "invalid_argument", "invalid_request_error", False, "InvalidArgument", "APIError"),
    (400, "validation_failed", "validation_error", False, "ValidationFailed", "APIError"),
    (400, "parse_error", "invalid_request_error", False, "ParseError", "APIError"),
    (401, "unauthenticated", "authentication_error", False, "Unauthenticated", "APIError"),
    (
        401,
        "authentication_failed",
        "authentication_error",
        False,
        "AuthenticationFailed",
        "Unauthenticated",
    ),
    (402, "payment_required", "billing_error", False, "PaymentRequired", "APIError"),
    (403, "permission_denied", "permission_error", False, "PermissionDenied", "APIError"),
    (403, "quota_exceeded", "permission_error", False, "QuotaExceeded", "PermissionDenied"),
    (403, "deletion_protected", "permission_error", False, "DeletionProtected", "PermissionDenied"),
    (403, "csrf_failed", "permission_error", False, "CSRFFailed", "PermissionDenied"),
    (404, "not_found", "not_found_error", False, "NotFound", "APIError"),
    (405, "method_not_allowed", "invalid_request_error", False, "MethodNotAllowed", "APIError"),
    (406, "not_acceptable", "invalid_request_error", False, "NotAcceptable", "APIError"),
    (409, "conflict", "conflict_error", False, "Conflict", "APIError"),
    (409, "already_exists", "conflict_error", False, "AlreadyExists", "Conflict"),
    (409, "idempotency_key_in_use", "idempotency_error", True, "IdempotencyKeyInUse", "Conflict"),
    (412, "failed_precondition", "invalid_request_error", False, "FailedPrecondition", "APIError"),
    (413, "request_too_large", "invalid_request_error", False, "RequestTooLarge", "APIError"),
    (
        415,
        "unsupported_media_type",
        "invalid_request_error",
        False,
        "UnsupportedMediaType",
        "APIError",
    ),
    (422, "unprocessable_entity", "validation_error", False, "UnprocessableEntity", "APIError"),
    (
        422,
        "idempotency_key_reused",
        "idempotency_error",
        False,
        "IdempotencyKeyReused",
        "UnprocessableEntity",
    ),
    (429, "rate_limited", "rate_limit_error", True, "RateLimited", "APIError"),
    (500, "internal_error", "api_error", True, "InternalError", "APIError"),
    (502, "bad_gateway", "api_error", True, "BadGateway", "APIError"),
    (503, "service_unavailable", "api_error", True, "ServiceUnavailable", "APIError"),
    (504, "gateway_timeout", "api_error", True, "GatewayTimeout", "APIError"),
)


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Client Error" if status < 500 else "Server Error"


@dataclass(slots=True)
class FieldError:
    """One failing input of an error response's `errors`."""

    message: str
    code: str
    param: str | None
    pointer: str
    index: int | None = None
    location: str | None = None


class APIError(Exception):
    """An error response of the API, as a typed exception."""

    code: str = "internal_error"
    status: int = 500
    type: str = "api_error"
    retryable: bool = True
    request_id: str | None = None
    rate_limit: Any = None
    response: Any = None

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        param: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        retry_after: int | None = None,
        status: int | None = None,
    ) -> None:
        cls = type(self)
        self.code = code or cls.code
        self.status = status if status is not None else cls.status
        self.type = cls.type
        self.retryable = cls.retryable
        self.message = message if message is not None else reason_phrase(self.status) + "."
        self.param = param
        self.errors = [_field_error(item) for item in errors or ()]
        self.meta: dict[str, Any] = dict(meta or {})
        self.headers: dict[str, str] = dict(headers or {})
        self.retry_after = retry_after
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status} {self.code}>"


def _field_error(item: dict[str, Any]) -> FieldError:
    index = item.get("index")
    return FieldError(
        message=str(item.get("message", "")),
        code=str(item.get("code") or "invalid"),
        param=item.get("param") if isinstance(item.get("param"), str) else None,
        pointer=str(item.get("pointer") or ""),
        index=index if isinstance(index, int) else None,
        location=item.get("location") if isinstance(item.get("location"), str) else None,
    )


_class_for_code: dict[str, type[APIError]] = {}
_code_for_status: dict[int, str] = {}
_ENTRIES = {code: (status, type_, retryable) for status, code, type_, retryable, _, _ in CODES}


def _registered(cls: type[APIError]) -> type[APIError]:
    cls.status, cls.type, cls.retryable = _ENTRIES[cls.code]
    _class_for_code.setdefault(cls.code, cls)
    return cls


@_registered
class BadRequest(APIError):
    code = "bad_request"


@_registered
class InvalidArgument(APIError):
    code = "invalid_argument"


@_registered
class ValidationFailed(APIError):
    code = "validation_failed"


@_registered
class ParseError(APIError):
    code = "parse_error"


@_registered
class Unauthenticated(APIError):
    code = "unauthenticated"


@_registered
class AuthenticationFailed(Unauthenticated):
    code = "authentication_failed"


@_registered
class PaymentRequired(APIError):
    code = "payment_required"


@_registered
class PermissionDenied(APIError):
    code = "permission_denied"


@_registered
class QuotaExceeded(PermissionDenied):
    code = "quota_exceeded"


@_registered
class DeletionProtected(PermissionDenied):
    code = "deletion_protected"


@_registered
class CSRFFailed(PermissionDenied):
    code = "csrf_failed"


@_registered
class NotFound(APIError):
    code = "not_found"


@_registered
class MethodNotAllowed(APIError):
    code = "method_not_allowed"


@_registered
class NotAcceptable(APIError):
    code = "not_acceptable"


@_registered
class Conflict(APIError):
    code = "conflict"


@_registered
class AlreadyExists(Conflict):
    code = "already_exists"


@_registered
class IdempotencyKeyInUse(Conflict):
    code = "idempotency_key_in_use"


@_registered
class FailedPrecondition(APIError):
    code = "failed_precondition"


@_registered
class RequestTooLarge(APIError):
    code = "request_too_large"


@_registered
class UnsupportedMediaType(APIError):
    code = "unsupported_media_type"


@_registered
class UnprocessableEntity(APIError):
    code = "unprocessable_entity"


@_registered
class IdempotencyKeyReused(UnprocessableEntity):
    code = "idempotency_key_reused"


@_registered
class RateLimited(APIError):
    code = "rate_limited"


@_registered
class InternalError(APIError):
    code = "internal_error"


@_registered
class BadGateway(APIError):
    code = "bad_gateway"


@_registered
class ServiceUnavailable(APIError):
    code = "service_unavailable"


@_registered
class GatewayTimeout(APIError):
    code = "gateway_timeout"


for _status, _code, _type, _retryable, _name, _parent in CODES:
    _code_for_status.setdefault(_status, _code)
    _class_for_code.setdefault(_code, globals()[_name])


def class_for_code(code: str) -> type[APIError]:
    return _class_for_code.get(code, APIError)


def code_for_status(status: int) -> str | None:
    return _code_for_status.get(status)


def is_known_code(code: str) -> bool:
    return code in _class_for_code
