"""When to retry a request, and how long to wait first: the rule our error docs give clients.

429 and 500/502/503/504 are retried; every other error means the request itself is wrong.
The wait is what the server asked for (`Retry-After`, seconds or an HTTP date, or on a 429
`X-RateLimit-Reset`), else exponential backoff with full jitter: a random time between 0 and
min(cap, base * 2**n) before retry n+1 (1 s, 2 s, 4 s, ... up to 60 s). No retry starts
once the waits so far plus the next would pass the time budget. A request with an unsafe
method (POST, PUT, PATCH, DELETE) is retried only when it carries an `Idempotency-Key`,
which makes the server answer a repeat without doing the work twice.

Every clock and the sleep are fields, so tests and callers can inject their own. The same
policy object drives `client.retry_requests.PolicyRetry` (requests, urllib3) and
`client.retry_httpx.RetryTransport`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from .errors import rate_limit_from_headers, retry_after_seconds

logger = logging.getLogger("django_apierrors.client")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
#: RFC 9110 9.2.1: these ask for nothing to change. Every other method is repeated only
#: with an Idempotency-Key; add PUT and DELETE where your API makes them idempotent.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class RetryPolicy:
    """Which failed requests to repeat and when. Immutable: share one across threads."""

    statuses: frozenset[int] = RETRYABLE_STATUSES
    #: Retries after the first attempt (so at most max_retries + 1 requests).
    max_retries: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    #: Seconds from the first attempt past which no retry starts (waits included).
    budget: float = 120.0
    #: Methods repeated without an Idempotency-Key.
    methods_without_key: frozenset[str] = SAFE_METHODS
    idempotency_key_header: str = IDEMPOTENCY_KEY_HEADER
    random: Callable[[], float] = field(default=random.random, repr=False)
    #: A monotonic clock for the budget, the wall clock for HTTP dates and reset times.
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    now: Callable[[], float] = field(default=time.time, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    async_sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)

    def may_repeat(self, method: str, request_headers: Mapping[str, str] | None) -> bool:
        """Whether sending this request again is safe."""
        if method.upper() in self.methods_without_key:
            return True
        return bool(request_headers and request_headers.get(self.idempotency_key_header))

    def backoff(self, retry_number: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**retry_number)); retry_number from 0."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** min(retry_number, 62))
        return self.random() * ceiling

    def server_wait(self, status: int, response_headers: Mapping[str, str]) -> float | None:
        """How long the server asked us to wait, if it said."""
        retry_after = retry_after_seconds(response_headers, now=self.now)
        if retry_after is not None:
            return retry_after
        if status == 429:
            usage = rate_limit_from_headers(response_headers, now=self.now)
            if usage is not None and usage.reset is not None:
                return max(0.0, usage.reset - self.now())
        return None

    def wait_before_retry(
        self,
        *,
        method: str,
        status: int,
        request_headers: Mapping[str, str] | None,
        response_headers: Mapping[str, str],
        retries_done: int,
        elapsed: float,
    ) -> float | None:
        """Seconds to wait before repeating this request, or None: do not repeat it."""
        if status not in self.statuses or retries_done >= self.max_retries:
            return None
        if not self.may_repeat(method, request_headers):
            logger.debug(
                "Not retrying %s after %s: no %s", method, status, self.idempotency_key_header
            )
            return None
        wait = self.server_wait(status, response_headers)
        if wait is None:
            wait = self.backoff(retries_done)
        if elapsed + wait > self.budget:
            logger.info(
                "Not retrying %s after %s: waiting %.1f s would pass the %.0f s budget",
                method,
                status,
                wait,
                self.budget,
            )
            return None
        logger.info(
            "Retrying %s after %s in %.2f s (retry %d of %d; request id %s)",
            method,
            status,
            wait,
            retries_done + 1,
            self.max_retries,
            response_headers.get("X-Request-ID", "-"),
        )
        return wait
