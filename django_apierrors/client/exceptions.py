"""The exception classes `raise_for_error` raises.

Where Django is installed, Django's side's own (`django_apierrors.exceptions`, a project's
codes included: their `errors` modules register them), so that a client inside a Django
project catches exactly what a server there raises. Without Django, their twins in
`standalone`, which a test holds equal to them.
"""

from __future__ import annotations

import importlib.util

if importlib.util.find_spec("django") is not None:
    from ..catalog import CODE_PATTERN, catalog, reason_phrase
    from ..exceptions import (
        AlreadyExists,
        APIError,
        AuthenticationFailed,
        BadGateway,
        BadRequest,
        Conflict,
        CSRFFailed,
        DeletionProtected,
        FailedPrecondition,
        GatewayTimeout,
        IdempotencyKeyInUse,
        IdempotencyKeyReused,
        InternalError,
        InvalidArgument,
        MethodNotAllowed,
        NotAcceptable,
        NotFound,
        ParseError,
        PaymentRequired,
        PermissionDenied,
        QuotaExceeded,
        RateLimited,
        RequestTooLarge,
        ServiceUnavailable,
        Unauthenticated,
        UnprocessableEntity,
        UnsupportedMediaType,
        ValidationFailed,
        class_for_code,
    )
    from ..field_errors import FieldError

    def code_for_status(status: int) -> str | None:
        entry = catalog.for_status(status)
        return None if entry is None else entry.code

    def is_known_code(code: str) -> bool:
        return code in catalog

    STANDALONE = False
else:  # pragma: no cover - tested in a subprocess without Django
    from .standalone import (  # type: ignore[assignment]
        CODE_PATTERN,
        AlreadyExists,
        APIError,
        AuthenticationFailed,
        BadGateway,
        BadRequest,
        Conflict,
        CSRFFailed,
        DeletionProtected,
        FailedPrecondition,
        FieldError,
        GatewayTimeout,
        IdempotencyKeyInUse,
        IdempotencyKeyReused,
        InternalError,
        InvalidArgument,
        MethodNotAllowed,
        NotAcceptable,
        NotFound,
        ParseError,
        PaymentRequired,
        PermissionDenied,
        QuotaExceeded,
        RateLimited,
        RequestTooLarge,
        ServiceUnavailable,
        Unauthenticated,
        UnprocessableEntity,
        UnsupportedMediaType,
        ValidationFailed,
        class_for_code,
        code_for_status,
        is_known_code,
        reason_phrase,
    )

    STANDALONE = True

__all__ = [
    "CODE_PATTERN",
    "STANDALONE",
    "APIError",
    "AlreadyExists",
    "AuthenticationFailed",
    "BadGateway",
    "BadRequest",
    "CSRFFailed",
    "Conflict",
    "DeletionProtected",
    "FailedPrecondition",
    "FieldError",
    "GatewayTimeout",
    "IdempotencyKeyInUse",
    "IdempotencyKeyReused",
    "InternalError",
    "InvalidArgument",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "ParseError",
    "PaymentRequired",
    "PermissionDenied",
    "QuotaExceeded",
    "RateLimited",
    "RequestTooLarge",
    "ServiceUnavailable",
    "Unauthenticated",
    "UnprocessableEntity",
    "UnsupportedMediaType",
    "ValidationFailed",
    "class_for_code",
    "code_for_status",
    "is_known_code",
    "reason_phrase",
]
