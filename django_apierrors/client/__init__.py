"""The client side of the contract, for Python code calling an API that uses django-apierrors.

Importable without Django settings. `raise_for_error` turns an error response into the
typed exception the server raised; `RetryPolicy` says which requests to repeat and when.
The adapters live in their own modules so that neither `requests` nor `httpx` is imported
unless used: `client.retry_requests` (`retrying_session`, `RetryingHTTPAdapter`,
`PolicyRetry`) and `client.retry_httpx` (`RetryTransport`, `AsyncRetryTransport`).
"""

from .errors import (
    RateLimit,
    error_from_response,
    raise_for_error,
    rate_limit_from_headers,
    retry_after_seconds,
)
from .exceptions import *  # noqa: F403  (the exception classes and FieldError)
from .exceptions import __all__ as _exception_names
from .policy import IDEMPOTENCY_KEY_HEADER, RETRYABLE_STATUSES, SAFE_METHODS, RetryPolicy

__all__ = [
    *_exception_names,
    "IDEMPOTENCY_KEY_HEADER",
    "RETRYABLE_STATUSES",
    "SAFE_METHODS",
    "RateLimit",
    "RetryPolicy",
    "error_from_response",
    "raise_for_error",
    "rate_limit_from_headers",
    "retry_after_seconds",
]
