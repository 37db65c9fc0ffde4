"""Rate-limit usage as a client sees it: the numbers behind X-RateLimit-* and Retry-After.

A limiter (our `ratelimit` decorator, the DRF throttles) records one `RateLimitUsage` per
limit it measured on the request; every response then reports the tightest of them. This
module counts nothing itself: the numbers come from django-ratelimit's counters.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from .conf import api_settings
from .request_id import django_request

_USAGES_ATTRIBUTE = "_apierrors_ratelimit_usages"

#: Rate-limit headers a client script needs to read (see headers.EXPOSED_HEADERS).
X_RATELIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
IETF_HEADERS = ("RateLimit-Policy", "RateLimit")


@dataclass(frozen=True)
class RateLimitUsage:
    """One limit as measured for one request."""

    name: str
    limit: int
    remaining: int
    window: int  # seconds
    reset: int  # UTC epoch seconds when the window ends
    exceeded: bool = False  # this request was over the limit

    @classmethod
    def from_counts(
        cls,
        name: str,
        limit: int,
        count: int,
        window: int,
        seconds_left: int,
        exceeded: bool,
        counted_at: int | None = None,
    ) -> RateLimitUsage:
        """`seconds_left` as counted at the whole second `counted_at` (default: now)."""
        counted_at = int(time.time()) if counted_at is None else counted_at
        return cls(
            name=name,
            limit=limit,
            remaining=max(0, limit - count),
            window=window,
            reset=counted_at + max(0, seconds_left),
            exceeded=exceeded,
        )

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window ends, at least 1."""
        return max(1, self.reset - int(time.time()))

    def as_meta(self) -> dict[str, int]:
        return {
            "limit": self.limit,
            "remaining": self.remaining,
            "reset": self.reset,
            "retry_after": self.retry_after,
        }


def record_usage(request: Any, usage: RateLimitUsage) -> None:
    """Note a measured limit on the request (a Django HttpRequest or DRF Request)."""
    usages = django_request(request).__dict__.setdefault(_USAGES_ATTRIBUTE, [])
    usages.append(usage)


def recorded_usage(request: HttpRequest) -> RateLimitUsage | None:
    """The tightest limit measured on this request: an exceeded one first, then the fewest
    requests left; among equals the one that resets last (waiting less would not help)."""
    usages: list[RateLimitUsage] | None = request.__dict__.get(_USAGES_ATTRIBUTE)
    if not usages:
        return None
    return min(usages, key=lambda usage: (not usage.exceeded, usage.remaining, -usage.reset))


def add_rate_limit_headers(response: HttpResponseBase, usage: RateLimitUsage) -> list[str]:
    """Set the rate-limit headers of the configured styles; return their names."""
    styles = api_settings.RATELIMIT_HEADER_STYLES
    names: list[str] = []
    if "x-ratelimit" in styles:
        response["X-RateLimit-Limit"] = str(usage.limit)
        response["X-RateLimit-Remaining"] = str(usage.remaining)
        response["X-RateLimit-Reset"] = str(usage.reset)
        names += X_RATELIMIT_HEADERS
    if "ietf" in styles:
        name = _policy_name(usage.name)
        seconds_left = max(0, usage.reset - int(time.time()))
        response["RateLimit-Policy"] = f'"{name}";q={usage.limit};w={usage.window}'
        response["RateLimit"] = f'"{name}";r={usage.remaining};t={seconds_left}'
        names += IETF_HEADERS
    return names


def _policy_name(name: str) -> str:
    # A structured-field string: printable ASCII without quotes or backslashes.
    return re.sub(r'[^\x20-\x7e]|["\\]', "_", name)[:64] or "default"
