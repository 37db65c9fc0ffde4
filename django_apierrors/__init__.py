"""One consistent, documented error response for every endpoint of a Django, Django REST
framework or Django Ninja API.

Without Django installed, only `django_apierrors.client` (for scripts that call an API)
is usable: the names below need Django.
"""

import importlib.util

if importlib.util.find_spec("django") is not None:
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
