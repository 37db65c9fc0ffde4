"""The cache failing under rate limits, DRF's throttles and idempotency keys; and a Redis
cache backend that counts in one round trip.

When Redis is down or hangs, a limited or idempotent request never answers 500: a limit
that cannot be measured lets the request through (`API_ERRORS["RATELIMIT_FAIL_OPEN"]`) or
answers 503 `service_unavailable` with Retry-After; a request with an Idempotency-Key
answers 503 in both modes. How long a hung Redis can hold a request is the client's socket
timeouts, so set them:

    CACHES = {
        "default": {
            "BACKEND": "django_apierrors.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }

`RedisCache` is Django's own, opt-in, with two differences. DRF's rate throttles
(`AnonRateThrottle`, `UserRateThrottle`, `ScopedRateThrottle`) read and write their
histories in the default cache themselves: a history that cannot be read or written follows
RATELIMIT_FAIL_OPEN like our limits do. Every other key (django-ratelimit's counters, the
idempotency records, sessions) fails exactly as in Django's RedisCache, so no failure is
ever hidden from the code that must see it. And `incr` (so `decr`) is one round trip, a Lua
script, instead of Django's two (EXISTS, then INCRBY): a django-ratelimit count then takes
two round trips (`add`, then `incr`), one on the first request of a window.

Once a cache failed during a request, the limits and idempotency checks after it on the
same request do not wait for it again: a request waits at most one cache timeout for all of
them together.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.signals import request_started

from .conf import api_settings
from .exceptions import ServiceUnavailable
from .private_apis import redis_write_client

if TYPE_CHECKING:
    from redis.commands.core import Script

__all__ = ["RedisCache", "is_cache_failure"]

#: Retry-After of the 503 answered while a cache of limits or idempotency keys fails.
CACHE_FAILURE_RETRY_AFTER = 5
#: A failing cache is logged at most once per this many seconds, per process and path.
CACHE_FAILURE_LOG_INTERVAL = 60.0

#: Exceptions cache clients raise, for the paths that only talk to the cache.
CACHE_CLIENT_ERRORS = (
    ("redis.exceptions", "RedisError"),
    ("pymemcache.exceptions", "MemcacheError"),
    ("pylibmc", "Error"),
)
#: Exceptions that mean the cache server is unreachable or did not answer in time, wherever
#: they are raised: the translation answers them 503 (a dependency is down, not a bug).
CACHE_OUTAGE_ERRORS = (
    ("redis.exceptions", "ConnectionError"),  # refused, reset, busy loading, auth
    ("redis.exceptions", "TimeoutError"),
    ("redis.exceptions", "ReadOnlyError"),  # a replica during a failover
)

ratelimit_logger = logging.getLogger("django_apierrors.ratelimit")


def _raised_any(exc: BaseException, names: tuple[tuple[str, str], ...]) -> bool:
    for module_name, class_name in names:
        error_class = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(error_class, type) and isinstance(exc, error_class):
            return True
    return False


def is_cache_failure(exc: BaseException) -> bool:
    """Whether `exc`, raised by a cache call, means the cache failed (not a bug of ours)."""
    if isinstance(exc, OSError):  # refused, reset, timed out, name resolution
        return True
    return _raised_any(exc, CACHE_CLIENT_ERRORS)


def is_cache_outage(exc: BaseException) -> bool:
    """Whether `exc` says the cache server is down or hung, wherever it was raised."""
    return _raised_any(exc, CACHE_OUTAGE_ERRORS)


def cache_outage_error(exc: BaseException) -> ServiceUnavailable | None:
    """The 503 for a cache outage that reached the translation, else None."""
    if is_cache_outage(exc):
        return ServiceUnavailable(retry_after=CACHE_FAILURE_RETRY_AFTER)
    return None


class FailureLog:
    """One record per interval and process, not one per request, for an outage."""

    def __init__(self, interval: float = CACHE_FAILURE_LOG_INTERVAL) -> None:
        self.interval = interval
        self.last = -math.inf

    def due(self) -> bool:
        now = time.monotonic()
        if now - self.last < self.interval:
            return False
        self.last = now
        return True

    def reset(self) -> None:
        self.last = -math.inf


#: Shared by @ratelimit, RatelimitThrottle and DRF's throttles: one outage, one record.
ratelimit_failure_log = FailureLog()


EARLIER = "it failed earlier in this request"


def limit_cache_failed(failure: BaseException | None, what: str, reason: str = "no count") -> None:
    """A limit could not be measured because `what` failed (`failure`, else `reason`): log
    it (once per interval) and let the request through under RATELIMIT_FAIL_OPEN, else
    raise the 503."""
    fail_open = api_settings.RATELIMIT_FAIL_OPEN
    if ratelimit_failure_log.due():
        reason = str(failure) if failure is not None else reason
        if fail_open:
            ratelimit_logger.warning(
                "Rate limiting is off: %s failed (%s); requests pass unmeasured "
                "(RATELIMIT_FAIL_OPEN). Logged once per %d s.",
                what,
                reason,
                ratelimit_failure_log.interval,
            )
        else:
            ratelimit_logger.error(
                "Rate limiting failed: %s failed (%s); answering 503. Logged once per %d s.",
                what,
                reason,
                ratelimit_failure_log.interval,
                exc_info=failure,
            )
    if not fail_open:
        raise ServiceUnavailable(retry_after=CACHE_FAILURE_RETRY_AFTER) from failure


# A cache that failed during this request is not waited for again by the checks after it.
# The memo is new for each request (request_started) and, outside requests, forgets a
# failure after FAILURE_MEMO_SECONDS, so that it never outlives the request that saw it.
FAILURE_MEMO_SECONDS = 1.0
_failed_caches: ContextVar[dict[int, float] | None] = ContextVar(
    "apierrors_failed_caches", default=None
)


def _new_request(**kwargs: Any) -> None:
    _failed_caches.set({})


request_started.connect(_new_request, dispatch_uid="django_apierrors.cache.new_request")


def note_cache_failure(cache: BaseCache) -> None:
    failures = _failed_caches.get()
    if failures is None:
        failures = {}
        _failed_caches.set(failures)
    failures[id(cache)] = time.monotonic()


def failed_on_this_request(cache: BaseCache) -> bool:
    failed_at = (_failed_caches.get() or {}).get(id(cache))
    return failed_at is not None and time.monotonic() - failed_at < FAILURE_MEMO_SECONDS


THROTTLE_CACHE = "the cache of DRF's throttle histories"

#: Django's RedisCacheClient.incr (EXISTS, then INCRBY), in one atomic round trip. Django
#: stores ints unpickled (RedisSerializer), so INCRBY counts what `add` and `set` stored;
#: INCRBY keeps the key's TTL. A missing key answers nil (None): nothing is created.
INCR_SCRIPT = """\
if redis.call("EXISTS", KEYS[1]) == 0 then
    return false
end
return redis.call("INCRBY", KEYS[1], ARGV[1])
"""


class RedisCache(DjangoRedisCache):
    """Django's RedisCache, where DRF's throttle histories follow RATELIMIT_FAIL_OPEN and
    `incr` is one round trip.

    Keys that start with one of `throttle_key_prefixes` (DRF's `SimpleRateThrottle.
    cache_format` is "throttle_%(scope)s_%(ident)s") are read and written by DRF's rate
    throttles. When Redis fails on one of them, `get` answers the default (an empty history:
    the request passes) under RATELIMIT_FAIL_OPEN and raises the 503 otherwise, and a
    history that could not be read is not written back (it would replace the stored one).
    Every other key fails exactly as in Django's RedisCache.

    `incr` (and `decr`, which is `incr` by -delta, and their async twins `aincr` and
    `adecr`) answers and raises what Django's does (the new value; ValueError for a missing
    key), as one Lua script (INCR_SCRIPT, through redis-py's `register_script`: EVALSHA,
    loading the script once per server when it answers NOSCRIPT) instead of EXISTS then
    INCRBY (and, for `aincr` before Django 6.1, of BaseCache's get then set). The script
    is atomic, too: Django's two commands re-create, without a TTL, a key that expires
    between them. Where Redis refuses scripts (an ACL without @scripting, a server without
    EVALSHA), or where Django's client is not the one this relies on, `incr` is Django's.
    """

    throttle_key_prefixes: tuple[str, ...] = ("throttle_",)
    _incr_script: Script | None = None
    _scripts_refused = False

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        if self._scripts_refused:
            return super().incr(key, delta, version)
        made_key = self.make_and_validate_key(key, version=version)
        client = redis_write_client(self, made_key)
        if client is None:
            return super().incr(key, delta, version)
        if self._incr_script is None:
            self._incr_script = client.register_script(INCR_SCRIPT)
        try:
            value = self._incr_script(keys=[made_key], args=[delta], client=client)
        except Exception as error:
            if not _refused_scripts(error):
                raise
            self._scripts_refused = True  # nothing ran: count the way Django does
            return super().incr(key, delta, version)
        if value is None:
            raise ValueError(f"Key '{made_key}' not found.")  # Django's message
        return int(value)

    async def aincr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # Before Django 6.1, BaseCache's (Django's RedisCache has no other) is aget then
        # aset: two calls that another client's increment can fall between, lost, and the
        # aset gives the key the default timeout instead of its own. Django 6.1's runs the
        # backend's incr in a thread, as this does. `adecr` is `aincr(key, -delta)`.
        return await sync_to_async(self.incr, thread_sensitive=True)(key, delta, version)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        if not self._is_throttle_key(key):
            return super().get(key, default, version)
        if failed_on_this_request(self):
            limit_cache_failed(None, THROTTLE_CACHE, EARLIER)
            return default
        try:
            return super().get(key, default, version)
        except Exception as failure:
            self._throttle_failed(failure)
            return default

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        if not self._is_throttle_key(key):
            return super().set(key, value, timeout, version)
        if failed_on_this_request(self):
            limit_cache_failed(None, THROTTLE_CACHE, EARLIER)
            return None
        try:
            return super().set(key, value, timeout, version)
        except Exception as failure:
            self._throttle_failed(failure)
            return None

    def _is_throttle_key(self, key: Any) -> bool:
        return isinstance(key, str) and key.startswith(self.throttle_key_prefixes)

    def _throttle_failed(self, failure: Exception) -> None:
        if not is_cache_failure(failure):
            raise failure
        note_cache_failure(self)
        limit_cache_failed(failure, THROTTLE_CACHE)


def _refused_scripts(error: BaseException) -> bool:
    """Whether Redis refused to run the script at all (so nothing of it ran)."""
    import redis

    if isinstance(error, redis.exceptions.NoPermissionError):
        return True  # an ACL without @scripting
    return isinstance(error, redis.exceptions.ResponseError) and str(error).lower().startswith(
        "unknown command"
    )
