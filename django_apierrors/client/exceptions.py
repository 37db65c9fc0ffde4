"""The exception classes `raise_for_error` raises.

Where Django is installed, Django's side's own (`django_apierrors.exceptions`, a project's
codes included: their `errors` modules register them), so that a client inside a Django
project catches exactly what a server there raises. Without Django, their twins in
`standalone`, which a test holds equal to them.
"""

# ruff: noqa: F405  (the names of __all__ come from the star imports)
from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

# (The type checker reads Django's side, which the twins equal.)
if TYPE_CHECKING or importlib.util.find_spec("django") is not None:
    from ..catalog import CODE_PATTERN as CODE_PATTERN
    from ..catalog import catalog
    from ..catalog import reason_phrase as reason_phrase
    from ..exceptions import *  # noqa: F403
    from ..exceptions import class_for_code as class_for_code
    from ..field_errors import FieldError as FieldError

    def code_for_status(status: int) -> str | None:
        entry = catalog.for_status(status)
        return None if entry is None else entry.code

    def is_known_code(code: str) -> bool:
        return code in catalog

    STANDALONE = False
else:  # pragma: no cover - tested in a subprocess without Django
    from .standalone import *  # noqa: F403

    STANDALONE = True

#: `django_apierrors.exceptions.__all__` (a test holds them equal) and the catalog's readers.
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
