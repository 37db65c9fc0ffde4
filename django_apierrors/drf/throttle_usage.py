"""What DRF's own rate throttles know, for the headers of the 429 one of them answered."""

from __future__ import annotations

import functools

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle
from rest_framework.views import APIView

from ..rate_limit_headers import RateLimitUsage, record_throttle_usage


def record_throttle_usages(request: Request, view: APIView) -> None:
    """Report what DRF's own rate throttles know when one of them answered 429."""
    for throttle in view.get_throttles():
        if isinstance(throttle, SimpleRateThrottle):
            record_throttle_usage(
                request, functools.partial(_simple_throttle_usage, throttle, request, view)
            )


def _simple_throttle_usage(
    throttle: SimpleRateThrottle, request: Request, view: APIView
) -> RateLimitUsage | None:
    """Read (never add to) a SimpleRateThrottle's request history, as allow_request sees it."""
    if isinstance(throttle, ScopedRateThrottle):
        # ScopedRateThrottle learns its rate from the view in allow_request.
        throttle.scope = getattr(view, throttle.scope_attr, None)
        if not throttle.scope:
            return None
        throttle.rate = throttle.get_rate()
    num_requests, duration = throttle.parse_rate(throttle.rate)
    if num_requests is None or duration is None:
        return None
    cache_key = throttle.get_cache_key(request, view)
    if cache_key is None:
        return None
    # The clock DRF's throttle reads (its `timer`), so that these numbers and DRF's wait()
    # (the 429's Retry-After) come from the same time.
    return RateLimitUsage.from_history(
        name=throttle.scope or type(throttle).__name__,
        limit=num_requests,
        window=duration,
        history=throttle.cache.get(cache_key, []),
        now=throttle.timer(),
    )
