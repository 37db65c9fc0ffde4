"""Rate-limit usage as a client sees it: the numbers behind X-RateLimit-* and Retry-After.

A limiter (our `ratelimit` decorator, DRF's and Django Ninja's throttles) records one
`RateLimitUsage` per limit it measured on the request; every response then reports the
tightest of them. This module counts nothing itself: the numbers come from
django-ratelimit's counters and the throttles' request histories.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from .cache import is_cache_failure
from .conf import api_settings
from .exceptions import ServiceUnavailable
from .request_id import django_request

_USAGES_ATTRIBUTE = "_apierrors_ratelimit_usages"

#: Rate-limit headers a client script needs to read (see headers.EXPOSED_HEADERS).
X_RATELIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
IETF_HEADERS = ("RateLimit-Policy", "RateLimit")


@dataclass(frozen=True)
class RateLimitUsage:
    """One limit as measured for one request.

    `frees_at` is the moment (UTC epoch seconds, fractional) from which a request is
    counted afresh: the next window's first second for django-ratelimit, the moment the
    oldest request leaves the history for DRF's throttles. Every number a client reads is
    rounded up from it, from one reading of the clock: waiting `Retry-After` seconds, or
    until `X-RateLimit-Reset`, is always enough, and one second less would not be.
    """

    name: str
    limit: int
    remaining: int
    window: int  # seconds
    frees_at: float
    exceeded: bool = False  # this request was over the limit

    @classmethod
    def from_window(
        cls, name: str, limit: int, count: int, window: int, window_end: int, exceeded: bool
    ) -> RateLimitUsage:
        """A django-ratelimit count in the window ending at second `window_end`. That window
        still counts the requests made during second `window_end` (its `_get_window` answers
        `window_end` until the clock reaches `window_end + 1`): the next one begins then."""
        return cls(
            name=name,
            limit=limit,
            remaining=max(0, limit - count),
            window=window,
            frees_at=float(window_end + 1),
            exceeded=exceeded,
        )

    @classmethod
    def from_history(
        cls, name: str, limit: int, window: int, history: list[float], now: float
    ) -> RateLimitUsage | None:
        """A throttle's request history (DRF's and Django Ninja's `SimpleRateThrottle`:
        request times, newest first, each counted for `window` seconds), read at `now`.
        None when nothing left in it limits the client."""
        # An entry is dropped once it is `window` old (`entry <= now - window`).
        history = [moment for moment in history if moment > now - window]
        if not history:
            return None
        remaining = max(0, limit - len(history))
        # Over the limit, a request passes once fewer than `limit` entries are left: when
        # the one at index limit - 1 leaves. Under it, the next slot frees with the oldest.
        index = limit - 1 if remaining == 0 and limit > 0 else -1
        return cls(
            name=name,
            limit=limit,
            remaining=remaining,
            window=window,
            frees_at=float(history[index] + window),
            exceeded=remaining == 0,
        )

    def seconds_left(self, now: float | None = None) -> int:
        """Whole seconds until `frees_at`, rounded up; at least 1."""
        now = time.time() if now is None else now
        return max(1, math.ceil(self.frees_at - now))

    def reset_at(self, now: float | None = None) -> int:
        """`frees_at` in whole epoch seconds, rounded up, and never in the past."""
        now = time.time() if now is None else now
        return max(math.ceil(self.frees_at), math.floor(now) + 1)

    @property
    def retry_after(self) -> int:
        return self.seconds_left()

    def as_meta(self, now: float | None = None) -> dict[str, int]:
        now = time.time() if now is None else now
        return {
            "limit": self.limit,
            "remaining": self.remaining,
            "reset": self.reset_at(now),
            "retry_after": self.seconds_left(now),
        }


def record_usage(request: Any, usage: RateLimitUsage) -> None:
    """Note a measured limit on the request (a Django HttpRequest or DRF Request)."""
    usages = django_request(request).__dict__.setdefault(_USAGES_ATTRIBUTE, [])
    usages.append(usage)


def record_throttle_usage(request: Any, read: Callable[[], RateLimitUsage | None]) -> None:
    """Record the usage `read()` finds in a throttle's request history, for the headers of
    the 429 the throttle answered. A cache that failed since the throttle read it leaves the
    429 standing without numbers nobody could read."""
    try:
        usage = read()
    except Exception as failure:
        if not (is_cache_failure(failure) or isinstance(failure, ServiceUnavailable)):
            raise
        return
    if usage is not None:
        record_usage(request, usage)


def recorded_usage(request: HttpRequest) -> RateLimitUsage | None:
    """The tightest limit measured on this request: an exceeded one first, then the fewest
    requests left; among equals the one that resets last (waiting less would not help)."""
    usages: list[RateLimitUsage] | None = request.__dict__.get(_USAGES_ATTRIBUTE)
    if not usages:
        return None
    return min(usages, key=lambda usage: (not usage.exceeded, usage.remaining, -usage.frees_at))


def add_rate_limit_headers(response: HttpResponseBase, usage: RateLimitUsage) -> list[str]:
    """Set the rate-limit headers of the configured styles; return their names."""
    styles = api_settings.RATELIMIT_HEADER_STYLES
    names: list[str] = []
    now = time.time()
    if "x-ratelimit" in styles:
        response["X-RateLimit-Limit"] = str(usage.limit)
        response["X-RateLimit-Remaining"] = str(usage.remaining)
        response["X-RateLimit-Reset"] = str(usage.reset_at(now))
        names += X_RATELIMIT_HEADERS
    if "ietf" in styles:
        name = _policy_name(usage.name)
        seconds_left = usage.seconds_left(now)
        if response.status_code == 429 and response.has_header("Retry-After"):
            # The 429's own wait, computed when it was raised (a second may have ended since).
            seconds_left = _whole_seconds(response["Retry-After"], seconds_left)
        response["RateLimit-Policy"] = f'"{name}";q={usage.limit};w={usage.window}'
        response["RateLimit"] = f'"{name}";r={usage.remaining};t={seconds_left}'
        names += IETF_HEADERS
    return names


def _whole_seconds(value: str, default: int) -> int:
    return int(value) if value.isdigit() else default


def _policy_name(name: str) -> str:
    # A structured-field string: printable ASCII without quotes or backslashes.
    return re.sub(r'[^\x20-\x7e]|["\\]', "_", name)[:64] or "default"
