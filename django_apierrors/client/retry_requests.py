"""The retry policy for `requests` (and any urllib3 pool): a `urllib3.Retry` subclass.

    session = retrying_session()                      # or: RetryPolicy(budget=30, ...)
    response = raise_for_error(session.get(url))

`PolicyRetry` decides each retry with a `RetryPolicy` (statuses, full-jitter backoff,
Retry-After and X-RateLimit-Reset, the time budget). urllib3 does not show a Retry object
the request's headers, so `RetryingHTTPAdapter` hands them over for each request: only
through it is a POST with an `Idempotency-Key` retried. Mounted on a plain `HTTPAdapter`,
`PolicyRetry` retries safe methods only. When retries run out, the last response is
returned (not an exception), so `raise_for_error` raises the typed error it stands for.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from .policy import RetryPolicy

# (request headers, monotonic time the request started), for the request being sent.
_sending: ContextVar[tuple[Mapping[str, str], float] | None] = ContextVar(
    "django_apierrors_client_sending", default=None
)


class PolicyRetry(Retry):
    """A `urllib3.Retry` whose decisions and waits come from a `RetryPolicy`."""

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        started: float | None = None,
        wait: float | None = None,
        **kwargs: Any,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.started = started
        self.wait = wait  # before the next attempt, as decided in increment()
        kwargs.setdefault("total", self.policy.max_retries)
        kwargs.setdefault("status_forcelist", self.policy.statuses)
        kwargs.setdefault("allowed_methods", None)  # _is_method_retryable decides
        kwargs.setdefault("raise_on_status", False)
        kwargs.setdefault("backoff_max", self.policy.backoff_cap)
        super().__init__(**kwargs)

    def new(self, **kw: Any) -> PolicyRetry:
        kw.setdefault("policy", self.policy)
        kw.setdefault("started", self.started)
        return super().new(**kw)

    def _is_method_retryable(self, method: str) -> bool:
        sending = _sending.get()
        return self.policy.may_repeat(method, sending[0] if sending else None)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        return status_code in self.policy.statuses and self._is_method_retryable(method)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> PolicyRetry:
        retry: PolicyRetry = super().increment(method, url, response, error, _pool, _stacktrace)
        sending = _sending.get()
        started = self.started
        if started is None:
            started = sending[1] if sending else self.policy.clock()
        retry.started = started
        if response is None or error is not None or response.get_redirect_location():
            return retry  # a connection error: get_backoff_time() paces it
        wait = self.policy.wait_before_retry(
            method=method or "GET",
            status=response.status,
            request_headers=sending[0] if sending else None,
            response_headers=response.headers,
            retries_done=len(self.history),
            elapsed=self.policy.clock() - started,
        )
        if wait is None:
            reason = ResponseError(f"no retry for {response.status} within the policy")
            raise MaxRetryError(_pool, url or "", reason)
        retry.wait = wait
        return retry

    def get_backoff_time(self) -> float:
        return self.policy.backoff(max(0, len(self.history) - 1)) if self.history else 0.0

    def sleep(self, response: Any = None) -> None:
        wait = self.wait if self.wait is not None else self.get_backoff_time()
        if wait > 0:
            self.policy.sleep(wait)


class RetryingHTTPAdapter(HTTPAdapter):
    """An HTTPAdapter retrying by a `RetryPolicy`, knowing each request's headers."""

    def __init__(self, policy: RetryPolicy | None = None, **kwargs: Any) -> None:
        self.policy = policy or RetryPolicy()
        kwargs.setdefault("max_retries", PolicyRetry(self.policy))
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        token = _sending.set((request.headers, self.policy.clock()))
        try:
            return super().send(request, *args, **kwargs)
        finally:
            _sending.reset(token)


def retrying_session(policy: RetryPolicy | None = None) -> requests.Session:
    """A `requests.Session` that retries by `policy` on http:// and https://."""
    session = requests.Session()
    adapter = RetryingHTTPAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
