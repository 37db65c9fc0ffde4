"""One consistent, documented error response for every endpoint of a Django, Django REST
framework or Django Ninja API.

The names below are loaded on first use, so that `django_apierrors.client` (for scripts
that call an API) imports without Django.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .catalog import CatalogEntry, catalog
    from .exceptions import (
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
    )
    from .field_errors import FieldError
    from .request_id import get_request_id

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "AlreadyExists",
    "AuthenticationFailed",
    "BadGateway",
    "BadRequest",
    "CSRFFailed",
    "CatalogEntry",
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
    "catalog",
    "get_request_id",
]

#: Where each name of `__all__` lives.
_MODULES = {
    "CatalogEntry": "catalog",
    "catalog": "catalog",
    "FieldError": "field_errors",
    "get_request_id": "request_id",
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_MODULES.get(name, 'exceptions')}")
    value = getattr(module, name)
    globals()[name] = value  # once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
