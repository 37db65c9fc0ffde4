"""Rate-limit clocks: a client that waits exactly `Retry-After` seconds after a 429, or until
`X-RateLimit-Reset`, gets through, and one second less would not do; every number of the 429
agrees. And HEAD counts as GET, on the same counter, for every limit and throttle.

The clock is the test's own: `time.time`, which django-ratelimit, LocMemCache and our code
read, and DRF's `SimpleRateThrottle.timer` (DRF took `time.time` when it was imported).
Every request is a real one, through the test client, to @ratelimit views, RatelimitThrottle
DRF views and DRF's own throttles, counting on the real packages in LocMemCache and Redis.
"""

import json
import math
import os
import time
import uuid
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, JsonResponse
from django.test import override_settings
from django.urls import include, path
from django_ratelimit.core import _get_window
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import (
    AnonRateThrottle,
    ScopedRateThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)
from rest_framework.views import APIView

from django_apierrors.drf.throttling import RatelimitThrottle
from django_apierrors.ratelimit import ratelimit
from django_apierrors.views import handler400, handler403, handler404, handler500  # noqa: F401

from .contract import assert_contract

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

REDIS_URL = os.environ.get("REDIS_URL", "")
LIMIT = 3
WINDOW = 60
HOUR = 3600
IP = "127.0.0.1"


# Views: three requests a minute, per client IP, every way a project limits them.


def ok(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@ratelimit(key="ip", rate="3/m", group="clock-plain")
def plain(request: HttpRequest) -> JsonResponse:
    return ok(request)


@ratelimit(key="ip", rate="3/m", group="clock-get-only", method="GET")
def get_only(request: HttpRequest) -> JsonResponse:
    return ok(request)


class ThreeAMinute(RatelimitThrottle):
    rate = "3/m"
    key = "ip"


class GetsThreeAMinute(ThreeAMinute):
    method = "GET"


class AnonThreeAMinute(AnonRateThrottle):
    rate = "3/min"


class UserThreeAMinute(UserRateThrottle):
    rate = "3/min"


class ScopedThreeAMinute(ScopedRateThrottle):
    THROTTLE_RATES = {"clock": "3/min"}


class ScopedThreeAnHour(ScopedRateThrottle):
    THROTTLE_RATES = {"clock-hour": "3/hour"}


def drf_view(*throttles: type, scope: str | None = None) -> type[APIView]:
    class View(APIView):
        permission_classes = [AllowAny]
        throttle_classes = list(throttles)
        throttle_scope = scope

        def get(self, request: Request) -> Response:
            return Response({"ok": True})

    return View


urlpatterns = [
    path("api/clock/plain/", plain),
    path("api/clock/get-only/", get_only),
    path("api/clock/throttle/", drf_view(ThreeAMinute).as_view()),
    path("api/clock/throttle-get-only/", drf_view(GetsThreeAMinute).as_view()),
    path("api/clock/anon/", drf_view(AnonThreeAMinute).as_view()),
    path("api/clock/user/", drf_view(UserThreeAMinute).as_view()),
    path("api/clock/scoped/", drf_view(ScopedThreeAMinute, scope="clock").as_view()),
    path(
        "api/clock/minute-and-hour/",
        drf_view(AnonThreeAMinute, ScopedThreeAnHour, scope="clock-hour").as_view(),
    ),
    path("", include("tests.urls")),
]

WINDOW_LIMITS = {"@ratelimit": "/api/clock/plain/", "RatelimitThrottle": "/api/clock/throttle/"}
DRF_THROTTLES = {
    "AnonRateThrottle": "/api/clock/anon/",
    "UserRateThrottle": "/api/clock/user/",
    "ScopedRateThrottle": "/api/clock/scoped/",
}


class Clock:
    """`time.time` of the test: it moves only when told to."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


_real_time = time.time


@pytest.fixture
def clock():
    fake = Clock(float(math.floor(_real_time())))
    with mock.patch("time.time", fake), mock.patch.object(SimpleRateThrottle, "timer", fake):
        yield fake


@pytest.fixture(params=["locmem", "redis"])
def limits_cache(request):
    """Counters and histories in the default cache: LocMemCache, or Redis (REDIS_URL)."""
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("set REDIS_URL=redis://127.0.0.1:6379/7 to run against a real Redis")
        backend = {
            "BACKEND": "django_apierrors.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    else:
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    prefix = f"clock-{uuid.uuid4().hex}"
    with override_settings(
        CACHES={"default": {**backend, "KEY_PREFIX": prefix}},
        RATELIMIT_USE_CACHE="default",
        RATELIMIT_CACHE_PREFIX=f"{prefix}:",
        API_ERRORS={**settings.API_ERRORS, "RATELIMIT_HEADER_STYLES": ["x-ratelimit", "ietf"]},
    ):
        yield caches["default"]


def window_end(now: float) -> int:
    """django-ratelimit's end of the window that `now` falls in (for 127.0.0.1, a minute)."""
    with mock.patch("time.time", lambda: now):
        return int(_get_window(IP, WINDOW))


def numbers(response) -> dict[str, int]:
    """Every number a 429 carries, by where it is read."""
    body = assert_contract(response, 429, "rate_limited")
    _, remaining, t = response["RateLimit"].split(";")
    return {
        "Retry-After": int(response["Retry-After"]),
        "meta.retry_after": body["meta"]["retry_after"],
        "t": int(t.removeprefix("t=")),
        "X-RateLimit-Reset": int(response["X-RateLimit-Reset"]),
        "meta.reset": body["meta"]["reset"],
        "X-RateLimit-Remaining": int(response["X-RateLimit-Remaining"]),
        "r": int(remaining.removeprefix("r=")),
    }


def assert_agree(response, now: float) -> tuple[int, int]:
    """The 429's numbers agree with each other and are never in the past; returns
    (retry_after, reset)."""
    found = numbers(response)
    retry_after = found["Retry-After"]
    reset = found["X-RateLimit-Reset"]
    assert found["meta.retry_after"] == found["t"] == retry_after >= 1, found
    assert found["meta.reset"] == reset > now, found
    assert found["X-RateLimit-Remaining"] == found["r"] == 0, found
    return retry_after, reset


# A start offset within the second (the clock's fraction) and within the window (its first
# second, the middle, its last second).
FRACTIONS = [0.0, 0.001, 0.25, 0.5, 0.75, 0.999]
POSITIONS = {"first-second": -WINDOW + 1, "middle": -WINDOW // 2, "last-second": 0}


def starts(clock: Clock) -> list[float]:
    """One start time per (position, fraction), each in a window of its own, in order."""
    first_end = window_end(clock.now) + 2 * WINDOW
    times = []
    for index, (position, fraction) in enumerate(
        (position, fraction) for position in POSITIONS.values() for fraction in FRACTIONS
    ):
        times.append(first_end + 2 * WINDOW * index + position + fraction)
    return times


@pytest.mark.parametrize("wait_for", ["Retry-After", "X-RateLimit-Reset"])
@pytest.mark.parametrize("url", WINDOW_LIMITS.values(), ids=WINDOW_LIMITS.keys())
def test_waiting_as_told_gets_through_a_window_limit(client, clock, limits_cache, url, wait_for):
    for start in starts(clock):
        limits_cache.clear()
        clock.now = start
        for _ in range(LIMIT):
            assert client.get(url).status_code == 200
        refused = client.get(url)
        retry_after, reset = assert_agree(refused, start)
        # The window counts its last second, window_end: the next begins at window_end + 1.
        next_window = window_end(start) + 1
        assert retry_after == math.ceil(next_window - start), start
        assert reset == next_window == math.floor(start) + retry_after, start

        # One second less does not do: still the same window.
        clock.now = start + retry_after - 1
        if clock.now > start:
            assert client.get(url).status_code == 429, start
        clock.now = start + retry_after if wait_for == "Retry-After" else float(reset)
        assert client.get(url).status_code == 200, start


@pytest.mark.parametrize("wait_for", ["Retry-After", "X-RateLimit-Reset"])
@pytest.mark.parametrize("url", DRF_THROTTLES.values(), ids=DRF_THROTTLES.keys())
def test_waiting_as_told_gets_through_a_drf_throttle(client, clock, limits_cache, url, wait_for):
    """DRF's throttles keep a history of request times: a request passes once the oldest of
    the last three is a minute old, which is when DRF's float wait() ends."""
    for start in starts(clock):
        limits_cache.clear()
        made = [start, start + 0.4, start + 17.3]  # spread: the oldest decides
        for at in made:
            clock.now = at
            assert client.get(url).status_code == 200
        clock.now = now = start + 30.7
        refused = client.get(url)
        retry_after, reset = assert_agree(refused, now)
        frees_at = made[0] + WINDOW
        assert retry_after == math.ceil(frees_at - now), start
        assert reset == math.ceil(frees_at), start
        assert abs(reset - now - retry_after) < 1

        clock.now = now + retry_after - 1
        assert client.get(url).status_code == 429, start
        clock.now = now + retry_after if wait_for == "Retry-After" else float(reset)
        assert client.get(url).status_code == 200, start


def test_of_two_exhausted_drf_throttles_every_number_is_the_later_ones(client, clock, limits_cache):
    """DRF answers the longer wait of the two; the reset reported is the same throttle's."""
    start = clock.now
    for at in (start, start + 1, start + 2):
        clock.now = at
        assert client.get("/api/clock/minute-and-hour/").status_code == 200
    clock.now = now = start + 10.5
    retry_after, reset = assert_agree(client.get("/api/clock/minute-and-hour/"), now)
    assert retry_after == math.ceil(start + HOUR - now)
    assert reset == start + HOUR


def test_a_success_reports_the_same_clock(client, clock, limits_cache):
    clock.now = start = window_end(clock.now) + 0.3  # the window's last second
    response = client.get("/api/clock/plain/")
    assert response.status_code == 200
    assert int(response["X-RateLimit-Reset"]) == math.floor(start) + 1
    assert response["RateLimit"] == '"clock-plain";r=2;t=1'
    assert json.loads(response.content) == {"ok": True}


# HEAD is GET: the same view, the same queries, the same counter.

HEAD_LIMITED = {
    "@ratelimit(method='GET')": "/api/clock/get-only/",
    "RatelimitThrottle(method='GET')": "/api/clock/throttle-get-only/",
    "example CatalogReadThrottle": "/api/products/",
    "AnonRateThrottle": "/api/clock/anon/",
    "UserRateThrottle": "/api/clock/user/",
    "ScopedRateThrottle": "/api/clock/scoped/",
}


@pytest.mark.parametrize("url", HEAD_LIMITED.values(), ids=HEAD_LIMITED.keys())
def test_head_requests_use_up_the_quota_of_gets(client, limits_cache, url):
    with override_settings(CATALOG_READ_RATE="3/m"):
        assert client.head(url).status_code == 200
        assert client.head(url).status_code == 200
        response = client.get(url)
        assert response.status_code == 200
        if "X-RateLimit-Remaining" in response:  # DRF's own throttles report on 429s only
            assert response["X-RateLimit-Remaining"] == "0"
        assert client.head(url).status_code == 429
        assert_contract(client.get(url), 429, "rate_limited")


def test_head_is_not_counted_by_a_limit_of_other_methods(client, limits_cache):
    # /api/test/limited/posts/ counts POSTs only (2/h): neither GET nor HEAD uses it up.
    for _ in range(3):
        response = client.head("/api/test/limited/posts/")
        assert response.status_code == 200 and "X-RateLimit-Limit" not in response
    assert client.post("/api/test/limited/posts/").status_code == 200
