"""Django REST framework's side of the install, in ``REST_FRAMEWORK``::

    "EXCEPTION_HANDLER": "django_apierrors.drf.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "django_apierrors.drf.negotiation.ContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "django_apierrors.drf.openapi.AutoSchema",  # drf-spectacular

DRF views then answer byte-for-byte like plain ones, in problem+json where asked for.
The room holds the exception handler (`handler`), the translation of DRF's exceptions and
returned error responses (`translate`), content negotiation, the throttles and the
drf-spectacular schema.
"""

from __future__ import annotations

from typing import Any

__all__ = ["exception_handler"]


def __getattr__(name: str) -> Any:
    # DRF imports `negotiation` and `openapi` while it builds `rest_framework.views`, so
    # importing this package may import nothing of DRF: the handler, which needs
    # `rest_framework.views`, is loaded when first asked for.
    if name == "exception_handler":
        from .handler import exception_handler

        return exception_handler
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
