"""django_apierrors.cache.RedisCache's `incr`: one round trip instead of Django's two, with
Django's answers and errors, atomic, on a real Redis (REDIS_URL).

Round trips are counted on the client: every command the cache's redis-py connections send
(a `redis.connection.Connection` subclass, given to the connection pool through the cache's
OPTIONS as Django documents). No pipelines are involved, so a command sent is a round trip.
Redis's own INFO counts the EXISTS and INCRBY a script runs too: it is not a count of round
trips.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar
from unittest import mock

import django
import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient, RedisSerializer
from django.test import override_settings

from django_apierrors.cache import INCR_SCRIPT
from django_apierrors.cache import RedisCache as OurRedisCache
from django_apierrors.private_apis import redis_write_client

from .contract import assert_contract
from .servers import free_port, port_open, wait_until

REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="set REDIS_URL=redis://127.0.0.1:6379/0 to run against a real Redis"
)

OURS = "django_apierrors.cache.RedisCache"
DJANGOS = "django.core.cache.backends.redis.RedisCache"
LIMITED = "/api/test/limited/ip/"  # @ratelimit(key="ip", rate="3/h")
UPSTREAM = "/api/test/limited/upstream/"  # django-ratelimit's @ratelimit(key="ip", rate="1/h")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Instead of conftest's: with REDIS_URL set, the default cache is the shared Redis, and
    clearing it is FLUSHDB. Every key here has a prefix of its own test, deleted after it."""
    yield


class CountingConnection(redis.connection.Connection):
    """A redis-py connection that notes the name of every command it sends."""

    sent: ClassVar[list[str]] = []

    def send_command(self, *args: Any, **kwargs: Any) -> None:
        CountingConnection.sent.append(str(args[0]).upper())
        super().send_command(*args, **kwargs)


def cache_config(backend: str, url: str, prefix: str, **options: Any) -> dict[str, Any]:
    return {
        "BACKEND": backend,
        "LOCATION": url,
        "KEY_PREFIX": prefix,
        "OPTIONS": {
            "connection_class": CountingConnection,
            "socket_connect_timeout": 1,
            "socket_timeout": 1,
            **options,
        },
    }


@contextmanager
def limits_cache(
    backend: str, url: str = REDIS_URL, options: dict[str, Any] | None = None, **extra: Any
) -> Iterator[Any]:
    """`caches["limits"]` on `backend`, holding the counters; keys deleted afterwards."""
    prefix = f"redis-backend-{uuid.uuid4().hex}"
    with override_settings(
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "limits": cache_config(backend, url, prefix, **(options or {})),
        },
        RATELIMIT_USE_CACHE="limits",
        RATELIMIT_CACHE_PREFIX=f"{prefix}:",
        **extra,
    ):
        try:
            yield caches["limits"]
        finally:
            delete_keys(url, f"*{prefix}*")


def delete_keys(url: str, pattern: str) -> None:
    raw = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        keys = list(raw.scan_iter(match=pattern, count=1000))
        if keys:
            raw.delete(*keys)
    except redis.exceptions.ConnectionError:
        pass  # a dead server holds no key
    finally:
        raw.close()


@pytest.fixture(params=[OURS, DJANGOS], ids=["ours", "djangos"])
def cache(request) -> Iterator[Any]:
    with limits_cache(request.param) as cache:
        yield cache


@pytest.fixture
def ours() -> Iterator[Any]:
    with limits_cache(OURS) as cache:
        yield cache


def raw_client() -> Any:
    return redis.Redis.from_url(REDIS_URL)


@contextmanager
def counted() -> Iterator[list[str]]:
    """The commands sent meanwhile."""
    CountingConnection.sent.clear()
    sent: list[str] = []
    try:
        yield sent
    finally:
        sent.extend(CountingConnection.sent)
        CountingConnection.sent.clear()


@contextmanager
def one_second() -> Iterator[None]:
    """The clock stopped in the middle of a second: no second ends while a limit counts, so
    our decorator never asks django-ratelimit a second time (which it does, without
    counting, when one does: two more round trips, rarely)."""
    frozen = math.floor(time.time()) + 0.5
    with mock.patch("time.time", lambda: frozen):
        yield


# Round trips per request, through the test client, on the real Redis.


def warmed(cache: Any) -> None:
    """A connection in the pool (its handshake is no round trip of a request) and the
    script known to the server (its first run anywhere loads it: two more, once)."""
    cache.get("warm-up")
    raw = raw_client()
    raw.script_load(INCR_SCRIPT)
    raw.close()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("backend", "url", "later"),
    [
        (OURS, LIMITED, ["SET", "EVALSHA"]),
        (OURS, UPSTREAM, ["SET", "EVALSHA"]),
        (DJANGOS, LIMITED, ["SET", "EXISTS", "INCRBY"]),
        (DJANGOS, UPSTREAM, ["SET", "EXISTS", "INCRBY"]),
    ],
    ids=["ours-@ratelimit", "ours-django-ratelimit", "djangos-@ratelimit", "djangos-upstream"],
)
def test_round_trips_per_request(client, backend, url, later):
    """django-ratelimit's get_usage: `add` (SET NX), then, when the window has begun,
    `incr`: one round trip on the first request of a window, two on each later one with our
    backend, three with Django's. Our decorator adds none; 429s cost the same."""
    with limits_cache(backend) as cache, one_second():
        warmed(cache)
        per_request = []
        statuses = []
        for _ in range(5):
            with counted() as sent:
                statuses.append(client.get(url).status_code)
            per_request.append(sent)
    assert statuses[0] == 200 and statuses[-1] == 429
    assert per_request == [["SET"], *[later] * 4]
    print(f"\n{backend} {url}: round trips per request {[len(s) for s in per_request]}")


@pytest.mark.django_db
def test_two_limits_on_a_view_cost_two_round_trips_each(client):
    with limits_cache(OURS) as cache, one_second():
        warmed(cache)
        with counted() as first:
            client.get("/api/test/limited/two/")
        with counted() as second:
            client.get("/api/test/limited/two/")
    assert first == ["SET", "SET"]
    assert second == ["SET", "EVALSHA", "SET", "EVALSHA"]


def test_the_script_is_loaded_once_per_server():
    """redis-py's Script: EVALSHA; on NOSCRIPT (a server that never saw it, or restarted),
    SCRIPT LOAD and EVALSHA again; then EVALSHA alone."""
    with own_redis() as url, limits_cache(OURS, url) as cache:
        cache.set("n", 0)
        with counted() as first:
            assert cache.incr("n") == 1
        with counted() as second:
            assert cache.incr("n") == 2
    assert first == ["EVALSHA", "SCRIPT LOAD", "EVALSHA"]
    assert second == ["EVALSHA"]


# incr: Django's answers and errors, in one command.


def test_incr_answers_what_djangos_does(cache):
    cache.set("n", 10)
    assert cache.incr("n") == 11
    assert cache.incr("n", 5) == 16
    assert cache.incr("n", -20) == -4
    assert cache.decr("n") == -5
    assert cache.decr("n", 3) == -8
    assert cache.decr("n", -10) == 2
    assert cache.get("n") == 2
    assert cache.add("fresh", 1) is True
    assert cache.incr("fresh") == 2


def test_one_command_per_incr_and_decr(ours):
    ours.set("n", 1)
    ours.get("warm-up")
    with counted() as sent:
        ours.incr("n")
        ours.decr("n")
        ours.incr("n", 7)
    assert sent == ["EVALSHA"] * 3


@pytest.mark.parametrize("protocol", [2, 3], ids=["resp2", "resp3"])
def test_a_missing_key_raises_djangos_value_error_and_creates_nothing(protocol):
    """The script's `false` is nil to redis-py in both protocols: ValueError, as Django's."""
    with limits_cache(OURS, options={"protocol": protocol}) as ours:
        made = ours.make_and_validate_key("missing")
        with pytest.raises(ValueError) as raised:
            ours.incr("missing")
        assert str(raised.value) == f"Key '{made}' not found."
        with pytest.raises(ValueError):
            ours.decr("missing")
        assert raw_client().exists(made) == 0
        ours.set("present", 1)
        assert ours.incr("present") == 2
        # Django's own, for the same key: the same message.
        djangos = DjangoRedisCache(REDIS_URL, {"KEY_PREFIX": ours.key_prefix})
        with pytest.raises(ValueError) as theirs:
            djangos.incr("missing")
        assert str(theirs.value) == str(raised.value)


def test_versioned_keys(cache):
    cache.set("v", 1, version=2)
    assert cache.incr("v", version=2) == 2
    assert cache.decr("v", 5, version=2) == -3
    with pytest.raises(ValueError):
        cache.incr("v")  # version 1: another key
    cache.set("v", 100)
    assert cache.incr("v") == 101
    assert cache.get("v", version=2) == -3


def test_incr_keeps_the_ttl(cache):
    cache.set("t", 1, timeout=100)
    made = cache.make_and_validate_key("t")
    raw = raw_client()
    before = raw.pttl(made)
    cache.incr("t", 3)
    after = raw.pttl(made)
    assert 0 <= before - after < 2000 and after > 95_000
    cache.set("forever", 1, timeout=None)
    cache.incr("forever")
    assert raw.ttl(cache.make_and_validate_key("forever")) == -1  # still no expiry


def test_a_value_that_is_no_integer_raises_what_djangos_raises(cache):
    cache.set("s", "text")
    with pytest.raises(redis.exceptions.ResponseError, match="not an integer"):
        cache.incr("s")
    assert cache.get("s") == "text"


def test_incr_is_atomic_under_concurrency(ours):
    """8 threads x 200 increments: every value from 1 to 1600 handed out exactly once."""
    ours.set("c", 0, timeout=60)
    seen: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def work() -> None:
        mine = []
        start.wait()
        for _ in range(200):
            mine.append(caches["limits"].incr("c"))  # each thread has its own backend
        with lock:
            seen.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(1, 1601))
    assert ours.get("c") == 1600


def test_decr_is_incr_and_adecr_is_aincr():
    """decr is BaseCache's, incr(key, -delta): one round trip too; adecr is BaseCache's,
    aincr(key, -delta). Django's RedisCache keeps BaseCache's aincr (aget, then aset before
    Django 6.1; the backend's incr in a thread from 6.1)."""
    assert OurRedisCache.decr is DjangoRedisCache.decr is BaseCache.decr
    assert OurRedisCache.adecr is DjangoRedisCache.adecr is BaseCache.adecr
    assert DjangoRedisCache.aincr is BaseCache.aincr
    assert OurRedisCache.aincr is not BaseCache.aincr


async def test_aincr_and_adecr_are_the_one_round_trip_incr(ours):
    await sync_to_async(ours.set)("a", 5, timeout=50)
    made = ours.make_and_validate_key("a")
    with counted() as sent:
        assert await ours.aincr("a", 3) == 8
        assert await ours.adecr("a") == 7
    assert sent == ["EVALSHA", "EVALSHA"]
    raw = raw_client()
    assert 0 < raw.ttl(made) <= 50
    with pytest.raises(ValueError, match="not found"):
        await ours.aincr("missing")
    assert raw.exists(ours.make_and_validate_key("missing")) == 0
    with limits_cache(DJANGOS) as djangos:
        await sync_to_async(djangos.set)("a", 5, timeout=50)
        assert await djangos.aincr("a", 3) == 8
        ttl = raw.ttl(djangos.make_and_validate_key("a"))
        if django.VERSION < (6, 1):  # BaseCache's aset: the default timeout, 300 s
            assert ttl > 50
        else:  # Django 6.1's BaseCache.aincr runs the backend's incr in a thread, as ours
            assert 0 < ttl <= 50


async def test_concurrent_aincr_loses_no_increment(ours):
    """200 tasks at once, every value handed out once. (BaseCache's aincr before Django
    6.1, Django's RedisCache's, reads, then writes: an increment in between is lost.)"""
    await sync_to_async(ours.set)("c", 0, timeout=60)
    seen = await asyncio.gather(*(ours.aincr("c") for _ in range(200)))
    assert sorted(seen) == list(range(1, 201))
    assert await sync_to_async(ours.get)("c") == 200


# What incr relies on in Django, pinned.


def test_django_stores_ints_unpickled():
    """INCRBY counts only what Django stored as a plain integer: RedisSerializer leaves ints
    (not bools, not their subclasses) unpickled."""
    serializer = RedisSerializer()
    assert serializer.dumps(1) == 1 and serializer.dumps(-7) == -7
    assert serializer.dumps(True) != True  # noqa: E712 (pickled)
    assert serializer.loads(b"42") == 42


def test_ints_reach_redis_as_integers(cache):
    cache.set("i", 5)
    cache.add("j", 1)
    raw = raw_client()
    assert raw.get(cache.make_and_validate_key("i")) == b"5"
    assert raw.get(cache.make_and_validate_key("j")) == b"1"


def test_djangos_client_is_what_incr_relies_on(ours):
    """What `private_apis.redis_write_client` relies on: the backend's `_cache` (a
    RedisCacheClient) and its `get_client(key, write=True)`, answering a redis.Redis (what
    Django's incr uses)."""
    assert isinstance(ours._cache, RedisCacheClient)
    parameters = inspect.signature(RedisCacheClient.get_client).parameters
    assert parameters["write"].kind is inspect.Parameter.KEYWORD_ONLY
    made = ours.make_and_validate_key("k")
    assert isinstance(ours._cache.get_client(made, write=True), redis.Redis)
    assert isinstance(redis_write_client(ours, made), redis.Redis)
    # Django's own incr still takes the two commands this replaces.
    ours.set("k", 1)
    with counted() as sent:
        DjangoRedisCache.incr(ours, "k")
    assert sent == ["EXISTS", "INCRBY"]


@pytest.mark.parametrize(
    "broken",
    [
        None,  # no _cache
        object(),  # no get_client
        mock.Mock(get_client=mock.Mock(side_effect=TypeError)),  # another signature
        mock.Mock(get_client=lambda key, write: object()),  # no redis.Redis
    ],
    ids=["no-cache", "no-get-client", "other-signature", "not-redis"],
)
def test_when_djangos_client_changes_incr_is_djangos(ours, broken):
    ours.set("k", 1)
    with mock.patch.object(ours, "_cache", broken):  # the instance's cached_property
        assert redis_write_client(ours, ours.make_and_validate_key("k")) is None
    with (
        mock.patch("django_apierrors.cache.redis_write_client", lambda cache, key: None),
        counted() as sent,
    ):
        assert ours.incr("k", 2) == 3
        with pytest.raises(ValueError):
            ours.incr("missing")
    assert sent == ["EXISTS", "INCRBY", "EXISTS"]


# A Redis that refuses scripts: Django's incr, after one refused command.


@contextmanager
def own_redis(*arguments: str) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if not binary:
        pytest.skip("needs redis-server on PATH")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: port_open(port), 10, f"redis-server did not start on port {port}")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def refusing_scripts(how: str) -> Iterator[str]:
    if how == "acl":
        with own_redis() as url:
            redis.Redis.from_url(url).acl_setuser(
                "counter",
                enabled=True,
                passwords=["+secret"],
                keys=["*"],
                commands=["+@all", "-@scripting"],
            )
            yield url.replace("redis://", "redis://counter:secret@")
    else:
        with own_redis("--rename-command", "EVALSHA", "") as url:
            yield url


@pytest.mark.parametrize("how", ["acl", "no-evalsha"])
def test_a_redis_that_refuses_scripts_gets_djangos_incr(how):
    with refusing_scripts(how) as url, limits_cache(OURS, url) as cache:
        cache.set("n", 1)
        with counted() as first:
            assert cache.incr("n") == 2
        with counted() as later:
            assert cache.incr("n", 3) == 5
            with pytest.raises(ValueError):
                cache.incr("missing")
        assert cache.get("n") == 5
    assert first == ["EVALSHA", "EXISTS", "INCRBY"]  # refused: nothing of it ran
    assert later == ["EXISTS", "INCRBY", "EXISTS"]


# The backend's failure handling, unchanged.


DEAD = "redis://127.0.0.1:1/0"


@pytest.fixture
def fresh_failure_log():
    from django_apierrors.cache import ratelimit_failure_log

    ratelimit_failure_log.reset()
    yield
    ratelimit_failure_log.reset()


@pytest.mark.django_db
@pytest.mark.parametrize("fail_open", [False, True], ids=["fail-closed", "fail-open"])
def test_redis_down_fails_as_configured(client, fail_open, fresh_failure_log):
    api_errors = {**settings.API_ERRORS, "RATELIMIT_FAIL_OPEN": fail_open}
    with limits_cache(OURS, DEAD, API_ERRORS=api_errors) as cache:
        with pytest.raises(redis.exceptions.ConnectionError):
            cache.incr("n")
        responses = [client.get(LIMITED) for _ in range(2)]
    for response in responses:
        if fail_open:
            assert response.status_code == 200 and "X-RateLimit-Limit" not in response
        else:
            assert_contract(response, 503, "service_unavailable")
            assert response["Retry-After"] == "5"
