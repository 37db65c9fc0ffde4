"""Rate limiting that answers 429 with the numbers a client needs, on django-ratelimit.

    from django_apierrors.ratelimit import ratelimit

    @ratelimit(key="user_or_ip", rate="100/m")
    @ratelimit(key="user_or_ip", rate="10/s", group="search-burst")
    def search(request): ...

The arguments and the counters are django-ratelimit's (`get_usage(..., increment=True)`),
so a view can move from its decorator to this one without resetting anybody's quota.
Over the limit, it raises `RateLimited`; every response of the view then carries the
X-RateLimit headers of the tightest limit. When the cache fails, the request is let through
(`RATELIMIT_FAIL_OPEN`) or answered 503 with Retry-After, never 500 and never a 429 for a
limit nobody measured.
"""

from __future__ import annotations

import functools
import logging
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django_ratelimit import ALL, UNSAFE
from django_ratelimit.core import _split_rate, get_usage

from .conf import api_settings
from .exceptions import RateLimited, ServiceUnavailable
from .limits import RateLimitUsage, record_usage
from .statuses import note_statuses

__all__ = ["ALL", "UNSAFE", "measure_rate_limit", "ratelimit"]

logger = logging.getLogger("django_apierrors.ratelimit")

#: Retry-After of the 503 answered while the rate-limit cache is failing (fail-closed).
CACHE_FAILURE_RETRY_AFTER = 5
#: A failing cache is logged at most once per this many seconds, per process.
CACHE_FAILURE_LOG_INTERVAL = 60.0

_last_failure_logged = 0.0

#: What a limited view can answer besides its own statuses (503: the cache failed).
LIMITED_STATUSES = (429, 503)

View = TypeVar("View", bound=Callable[..., Any])


def ratelimit(
    group: str | None = None,
    key: str | Callable[..., str] | None = None,
    rate: str | tuple[int, int] | Callable[..., Any] | None = None,
    method: Any = ALL,
    block: bool = True,
) -> Callable[[View], View]:
    """django-ratelimit's `@ratelimit`, answering 429 with Retry-After and X-RateLimit-*.

    With `block=False` the view runs anyway and `request.limited` says whether it was over.
    Works on function views, async views, and methods through `method_decorator`.
    """

    def decorator(view: View) -> View:
        def limit(request: Any) -> None:
            usage = measure_rate_limit(
                request, group=group, fn=view, key=key, rate=rate, method=method
            )
            if usage is None:
                return
            if usage.exceeded:
                request.limited = True
                if block:
                    raise RateLimited(retry_after=usage.retry_after, meta=usage.as_meta())
            else:
                request.limited = getattr(request, "limited", False)

        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
                await sync_to_async(limit)(request)
                return await view(request, *args, **kwargs)

            note_statuses(async_wrapped, add=LIMITED_STATUSES)
            return async_wrapped  # type: ignore[return-value]

        @functools.wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            limit(request)
            return view(request, *args, **kwargs)

        note_statuses(wrapped, add=LIMITED_STATUSES)
        return wrapped  # type: ignore[return-value]

    return decorator


def measure_rate_limit(
    request: Any,
    *,
    group: str | None = None,
    fn: Callable[..., Any] | None = None,
    key: Any = None,
    rate: Any = None,
    method: Any = ALL,
) -> RateLimitUsage | None:
    """Count this request against one limit and record the usage on the request.

    None when the limit does not apply (another method, no rate, RATELIMIT_ENABLE off) or
    when the cache failed and RATELIMIT_FAIL_OPEN lets requests through.
    """
    resolved: list[Any] = []

    def rate_for(group_name: str, request: Any) -> Any:
        # django-ratelimit resolves callable and dotted rates with the group it derives;
        # keep what it resolved, to report the window length.
        value = rate
        if isinstance(value, str) and "." in value:
            from django.utils.module_loading import import_string

            value = import_string(value)
        if callable(value):
            value = value(group_name, request)
        resolved.append(value)
        return value

    def counted(increment: bool) -> tuple[Any, int | None]:
        """django-ratelimit's counts, and the whole second its `time_left` was counted
        from, where it is known: when no second ended while it counted."""
        before = int(time.time())
        counts = get_usage(
            request, group=group, fn=fn, key=key, rate=rate_for, method=method, increment=increment
        )
        return counts, before if int(time.time()) == before else None

    try:
        counts, counted_at = counted(increment=True)
        if counts is not None and counted_at is None:
            # Its time_left may be from the second before ours (a reset one second late):
            # ask again, without counting, for one whose second is known.
            again, counted_at = counted(increment=False)
            if again is None or counted_at is None or again["time_left"] > counts["time_left"]:
                # Not known again, or the second that ended was the window's: a new window
                # has begun, and the count was the old one's.
                counted_at = None
            else:
                counts["time_left"] = again["time_left"]
    except Exception as failure:
        if not is_cache_failure(failure):
            raise  # a bug (say, in a rate callable) is a 500, not an outage
        _cache_failed(failure)  # raises unless RATELIMIT_FAIL_OPEN
        return None
    if counts is None:
        return None
    if counts["time_left"] == -1 and counts["limit"] == 0:
        # django-ratelimit's answer when the cache returned no count.
        _cache_failed(None)
        return None

    _, window = _split_rate(resolved[-1])
    usage = RateLimitUsage.from_counts(
        name=group or _view_name(fn),
        limit=counts["limit"],
        count=counts["count"],
        window=window,
        seconds_left=counts["time_left"],
        exceeded=counts["should_limit"],
        counted_at=counted_at,
    )
    record_usage(request, usage)
    return usage


#: Exceptions cache clients raise when their server is down or slow (imported if in use).
CACHE_CLIENT_ERRORS = (
    ("redis.exceptions", "RedisError"),
    ("pymemcache.exceptions", "MemcacheError"),
    ("pylibmc", "Error"),
)


def is_cache_failure(exc: BaseException) -> bool:
    if isinstance(exc, OSError):  # refused, reset, timed out, name resolution
        return True
    for module_name, class_name in CACHE_CLIENT_ERRORS:
        error_class = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(error_class, type) and isinstance(exc, error_class):
            return True
    return False


def _view_name(fn: Callable[..., Any] | None) -> str:
    if isinstance(fn, functools.partial):
        fn = fn.func
    return getattr(fn, "__qualname__", None) or "default"


def _cache_failed(failure: Exception | None) -> None:
    global _last_failure_logged
    now = time.monotonic()
    if now - _last_failure_logged >= CACHE_FAILURE_LOG_INTERVAL:
        _last_failure_logged = now
        cache_alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
        if api_settings.RATELIMIT_FAIL_OPEN:
            logger.warning(
                "Rate limiting is off: cache %r failed (%s); requests pass unmeasured "
                "(RATELIMIT_FAIL_OPEN). Logged once per %d s.",
                cache_alias,
                failure or "no count",
                CACHE_FAILURE_LOG_INTERVAL,
            )
        else:
            logger.error(
                "Rate limiting failed: cache %r failed (%s); answering 503. Logged once per %d s.",
                cache_alias,
                failure or "no count",
                CACHE_FAILURE_LOG_INTERVAL,
                exc_info=failure,
            )
    if not api_settings.RATELIMIT_FAIL_OPEN:
        raise ServiceUnavailable(retry_after=CACHE_FAILURE_RETRY_AFTER) from failure
