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

HEAD is counted as GET: a limit with `method="GET"` counts HEAD requests too, on the same
counter (django-ratelimit's key holds the limit's `method` argument, which stays as given).
"""

from __future__ import annotations

import functools
import math
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext_lazy
from django_ratelimit import ALL, UNSAFE
from django_ratelimit import core as ratelimit_core
from django_ratelimit.core import get_usage

from .cache import (
    EARLIER,
    failed_on_this_request,
    is_cache_failure,
    limit_cache_failed,
    note_cache_failure,
)
from .exceptions import BadRequest, RateLimited
from .openapi import note_statuses
from .rate_limit_headers import RateLimitUsage, record_usage
from .request_id import django_request
from .translate import traceback_code

__all__ = ["ALL", "UNSAFE", "measure_rate_limit", "ratelimit"]

#: What a limited view can answer besides its own statuses (503: the cache failed).
LIMITED_STATUSES = (429, 503)

View = TypeVar("View", bound=Callable[..., Any])

#: django-ratelimit's rate grammar: "count/[multiplier]unit", the unit one of s, m, h, d
#: (none: seconds); matched from the start, as django-ratelimit does, or a tuple
#: (count, seconds).
RATE = re.compile(r"([\d]+)/([\d]*)([smhd])?")
PERIOD_SECONDS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}


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
                    meta = usage.as_meta()
                    raise RateLimited(retry_after=meta["retry_after"], meta=meta)
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

    def counted(increment: bool) -> tuple[Any, int | None, float]:
        """django-ratelimit's counts; the whole second its `time_left` was counted from,
        where it is known (no second ended while it counted); and the time after."""
        before = time.time()
        with _head_counted_as_get(request, method):
            counts = get_usage(
                request,
                group=group,
                fn=fn,
                key=key,
                rate=rate_for,
                method=method,
                increment=increment,
            )
        after = time.time()
        second = math.floor(before)
        return counts, second if math.floor(after) == second else None, after

    cache_alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    cache = caches[cache_alias]
    what = f"cache {cache_alias!r}"
    if failed_on_this_request(cache):
        # An earlier limit of this request waited for it already: do not wait again.
        limit_cache_failed(None, what, EARLIER)  # raises unless RATELIMIT_FAIL_OPEN
        return None
    try:
        counts, second, after = counted(increment=True)
        if counts is None:
            return None  # the limit does not apply to this request
        if _no_count(counts):
            raise _NoCount
        if second is None:
            # Its time_left may be from the second before ours: ask again, without
            # counting, for one whose second is known.
            again, second, _ = counted(increment=False)
            if (
                again is None
                or second is None
                or _no_count(again)
                or again["time_left"] > counts["time_left"]
            ):
                # Unknown, or a new window began meanwhile (the count was the old one's,
                # which has ended): the latest second the old window can end at.
                second = math.floor(after)
            else:
                counts["time_left"] = again["time_left"]
    except Exception as failure:
        if isinstance(failure, ValueError) and _raised_reading_the_ip(failure):
            # REMOTE_ADDR (or RATELIMIT_IP_META_KEY's header) is no IP address: a proxy
            # that trusts X-Forwarded-For hands the client's text on (uvicorn by default).
            raise BadRequest(
                gettext_lazy("The client's address is not an IP address.")
            ) from failure
        if not isinstance(failure, _NoCount) and not is_cache_failure(failure):
            raise  # a bug (say, in a rate callable) is a 500, not an outage
        note_cache_failure(cache)
        limit_cache_failed(None if isinstance(failure, _NoCount) else failure, what)
        return None  # RATELIMIT_FAIL_OPEN: the request passes, unmeasured

    usage = RateLimitUsage.from_window(
        name=group or _view_name(fn),
        limit=counts["limit"],
        count=counts["count"],
        window=window_seconds(resolved[-1]),
        window_end=second + counts["time_left"],
        exceeded=counts["should_limit"],
    )
    record_usage(request, usage)
    return usage


def window_seconds(rate: str | tuple[int, int]) -> int:
    """The window, in seconds, django-ratelimit counts `rate` in (a rate it has accepted)."""
    if isinstance(rate, tuple):
        return rate[1]
    match = RATE.match(rate)
    if match is None:
        raise ValueError(f"Not a rate: {rate!r}")  # django-ratelimit refused it already
    _, multiplier, unit = match.groups()
    return PERIOD_SECONDS[unit or "s"] * int(multiplier or 1)


def _raised_reading_the_ip(exc: BaseException) -> bool:
    """Whether `exc` was raised while django-ratelimit read the client's IP address."""
    return any(
        code.co_name == "_get_ip" and code.co_filename == ratelimit_core.__file__
        for code in traceback_code(exc)
    )


class _NoCount(Exception):
    """The cache answered no count (django-ratelimit's `time_left` -1 with limit 0)."""


def _no_count(counts: dict[str, Any]) -> bool:
    return bool(counts["time_left"] == -1 and counts["limit"] == 0)


def _matches(method: Any, name: str) -> bool:
    """Whether a limit's `method` argument covers the HTTP method `name` (as django-ratelimit
    matches them)."""
    if method == ALL:
        return True
    methods = method if isinstance(method, list | tuple) else [method]
    return name in [str(m).upper() for m in methods]


@contextmanager
def _head_counted_as_get(request: Any, method: Any) -> Iterator[None]:
    """Present a HEAD request to django-ratelimit as the GET it is, where the limit counts
    GETs but not HEADs: HEAD runs the same view (the same queries) and shares its counter."""
    underlying = django_request(request)
    if underlying.method != "HEAD" or _matches(method, "HEAD") or not _matches(method, "GET"):
        yield
        return
    underlying.method = "GET"
    try:
        yield
    finally:
        underlying.method = "HEAD"


def _view_name(fn: Callable[..., Any] | None) -> str:
    if isinstance(fn, functools.partial):
        fn = fn.func
    return getattr(fn, "__qualname__", None) or "default"
