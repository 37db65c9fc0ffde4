"""Rate limiting: exact numbers in X-RateLimit-*, Retry-After and meta, on django-ratelimit's
counters, in LocMemCache and in a real Redis (REDIS_URL)."""

import json
import logging
import math
import os
import time
import uuid
from typing import Any

import pytest
from django.test import override_settings
from django_ratelimit.core import _get_window, _split_rate

from django_apierrors import ratelimit as ratelimit_module
from django_apierrors.cache import ratelimit_failure_log
from django_apierrors.ratelimit import measure_rate_limit, window_seconds

from .conftest import basic_auth
from .contract import assert_contract

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("REDIS_URL", "")
HOUR = 3600


def cache_settings(kind: str) -> dict:
    if kind == "redis":
        backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    else:
        backend = {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ratelimit-tests",
        }
    return {
        "CACHES": {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "ratelimit": backend,
        },
        "RATELIMIT_USE_CACHE": "ratelimit",
        # Counters of one test never meet another's, in Redis as in memory.
        "RATELIMIT_CACHE_PREFIX": f"rl-test-{uuid.uuid4().hex}:",
    }


@pytest.fixture(params=["locmem", "redis"])
def limiter_cache(request):
    if request.param == "redis" and not REDIS_URL:
        pytest.skip("set REDIS_URL=redis://127.0.0.1:6379/0 to run against a real Redis")
    with override_settings(**cache_settings(request.param)):
        yield request.param


def rate_headers(response) -> tuple[int, int, int]:
    return (
        int(response["X-RateLimit-Limit"]),
        int(response["X-RateLimit-Remaining"]),
        int(response["X-RateLimit-Reset"]),
    )


def test_window_arithmetic(client, limiter_cache):
    window_end = _get_window("127.0.0.1", HOUR)
    reset = window_end + 1  # the window counts second window_end; the next begins after it
    remaining = []
    for _ in range(3):
        response = client.get("/api/test/limited/ip/")
        assert response.status_code == 200
        limit, left, reported_reset = rate_headers(response)
        assert (limit, reported_reset) == (3, reset)
        remaining.append(left)
    assert remaining == [2, 1, 0]

    asked = time.time()
    response = client.get("/api/test/limited/ip/")
    answered = time.time()
    body = assert_contract(response, 429, "rate_limited")
    assert rate_headers(response) == (3, 0, reset)
    retry_after = int(response["Retry-After"])
    # The seconds left, rounded up, at a moment between asking and the answer (however
    # long a busy machine takes in between).
    assert math.ceil(reset - answered) <= retry_after <= math.ceil(reset - asked)
    assert retry_after >= 1
    assert body["meta"] == {
        "limit": 3,
        "remaining": 0,
        "reset": reset,
        "retry_after": retry_after,
    }
    exposed = response["Access-Control-Expose-Headers"]
    for name in (
        "X-Request-ID",
        "Retry-After",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    ):
        assert name in exposed


def test_a_second_ending_while_counting_does_not_make_the_reset_late(
    client, limiter_cache, monkeypatch
):
    """django-ratelimit counts `time_left` from a second of its own; when the clock turns
    to the next one before ours is read (a worker descheduled under load), the window end
    must not come out one second late."""
    offset = [0]
    real_time = time.time
    real_get_usage = ratelimit_module.get_usage
    monkeypatch.setattr(time, "time", lambda: real_time() + offset[0])

    def get_usage_then_tick(*args, **kwargs):
        counts = real_get_usage(*args, **kwargs)
        if not offset[0]:
            offset[0] = 1  # the next second starts as soon as this count is taken
        return counts

    monkeypatch.setattr(ratelimit_module, "get_usage", get_usage_then_tick)
    window_end = _get_window("127.0.0.1", HOUR)
    if window_end - real_time() < 3:  # the shifted clock must stay in this window
        time.sleep(window_end - real_time() + 0.1)
        window_end = _get_window("127.0.0.1", HOUR)
    response = client.get("/api/test/limited/ip/")
    assert response.status_code == 200
    assert rate_headers(response) == (3, 2, window_end + 1)


def test_a_window_ending_while_counting_does_not_report_the_next_one(
    client, limiter_cache, monkeypatch
):
    """When the second that ends during the count is the window's own, the request was
    counted in the old window, which has ended: its reset is now, not the next window's
    end, and never in the past."""
    offset = [0.0]
    real_time = time.time
    real_get_usage = ratelimit_module.get_usage
    monkeypatch.setattr(time, "time", lambda: real_time() + offset[0])
    window_end = _get_window("127.0.0.1", HOUR)
    offset[0] = window_end - 10 - real_time()  # ten seconds before the window ends
    for _ in range(3):
        assert client.get("/api/test/limited/ip/").status_code == 200
    ticks: list[int] = []

    def get_usage_then_tick(*args, **kwargs):
        counts = real_get_usage(*args, **kwargs)
        if not ticks:
            ticks.append(1)
            offset[0] += 1  # the window's last second ends as soon as this count is taken
        return counts

    monkeypatch.setattr(ratelimit_module, "get_usage", get_usage_then_tick)
    offset[0] = window_end + 0.5 - real_time()  # the window's last second
    response = client.get("/api/test/limited/ip/")
    assert_contract(response, 429, "rate_limited")
    # Answered at window_end + 1.5, after the old window ended at window_end + 1.
    assert int(response["X-RateLimit-Reset"]) == window_end + 2
    assert response["Retry-After"] == "1"


def test_keys_are_isolated_per_ip(client, limiter_cache):
    for _ in range(3):
        assert client.get("/api/test/limited/ip/", REMOTE_ADDR="10.0.0.1").status_code == 200
    assert client.get("/api/test/limited/ip/", REMOTE_ADDR="10.0.0.1").status_code == 429
    other = client.get("/api/test/limited/ip/", REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 200
    assert other["X-RateLimit-Remaining"] == "2"


def test_keys_are_isolated_per_user(client, limiter_cache, customer, staff):
    for _ in range(2):
        assert client.get("/api/test/limited/user/", **basic_auth("carol")).status_code == 200
    # Basic auth is DRF's; this plain view sees the session user, so log in instead.
    client.force_login(customer)
    assert client.get("/api/test/limited/user/").status_code == 200
    assert client.get("/api/test/limited/user/").status_code == 200
    assert_contract(client.get("/api/test/limited/user/"), 429, "rate_limited")
    client.force_login(staff)
    response = client.get("/api/test/limited/user/")
    assert response.status_code == 200 and response["X-RateLimit-Remaining"] == "1"


def test_the_tightest_of_two_limits_is_reported(client, limiter_cache):
    first = client.get("/api/test/limited/two/")
    assert rate_headers(first)[:2] == (3, 2)  # burst 3/h is tighter than sustained 5/h
    for _ in range(2):
        client.get("/api/test/limited/two/")
    response = client.get("/api/test/limited/two/")
    assert_contract(response, 429, "rate_limited")
    assert rate_headers(response)[:2] == (3, 0)


def test_of_two_exhausted_limits_the_later_reset_is_reported(client, limiter_cache):
    assert client.get("/api/test/limited/two-exhausted/").status_code == 200
    response = client.get("/api/test/limited/two-exhausted/")
    assert_contract(response, 429, "rate_limited")
    hourly = _get_window("127.0.0.1", HOUR)
    minutely = _get_window("127.0.0.1", 60)
    assert int(response["X-RateLimit-Reset"]) == max(hourly, minutely) + 1
    assert int(response["Retry-After"]) >= max(hourly, minutely) + 1 - time.time()


@pytest.mark.parametrize(
    "url",
    [
        "/api/test/limited/class/",
        "/api/test/limited/drf-method/",
        "/api/test/limited/drf-throttle/",
    ],
    ids=["class-based", "drf-method-decorator", "drf-throttle"],
)
def test_every_kind_of_view(client, limiter_cache, url):
    statuses = [client.get(url).status_code for _ in range(2)]
    assert statuses == [200, 200]
    response = client.get(url)
    body = assert_contract(response, 429, "rate_limited")
    assert rate_headers(response)[:2] == (2, 0)
    assert int(response["Retry-After"]) == body["meta"]["retry_after"]


async def test_async_views(async_client, limiter_cache):
    for remaining in ("1", "0"):
        response = await async_client.get("/api/test/limited/async/")
        assert response.status_code == 200
        assert response["X-RateLimit-Remaining"] == remaining
    response = await async_client.get("/api/test/limited/async/")
    assert_contract(response, 429, "rate_limited")
    assert response["Retry-After"]


def test_block_false_lets_the_view_decide(client, limiter_cache):
    assert json.loads(client.get("/api/test/limited/not-blocking/").content)["limited"] is False
    response = client.get("/api/test/limited/not-blocking/")
    assert response.status_code == 200
    assert json.loads(response.content)["limited"] is True


def test_other_methods_are_not_counted(client, limiter_cache):
    for _ in range(3):
        response = client.get("/api/test/limited/posts/")
        assert response.status_code == 200 and "X-RateLimit-Limit" not in response
    assert client.post("/api/test/limited/posts/").status_code == 200


def test_ietf_header_style(client, limiter_cache):
    with override_settings(API_ERRORS={"RATELIMIT_HEADER_STYLES": ["x-ratelimit", "ietf"]}):
        response = client.get("/api/test/limited/ip/")
        seconds_left = _get_window("127.0.0.1", HOUR) + 1 - time.time()
        assert response["RateLimit-Policy"] == '"per_ip";q=3;w=3600'
        policy, r, t = response["RateLimit"].split(";")
        assert (policy, r) == ('"per_ip"', "r=2")
        assert 0 <= int(t.removeprefix("t=")) - seconds_left < 1  # rounded up
        assert response["X-RateLimit-Limit"] == "3"
    with override_settings(API_ERRORS={"RATELIMIT_HEADER_STYLES": ["ietf"]}):
        response = client.get("/api/test/limited/ip/")
        assert "X-RateLimit-Limit" not in response
        assert response["RateLimit"].startswith('"per_ip";r=1;')


def test_no_headers_on_success_when_switched_off(client, limiter_cache):
    with override_settings(API_ERRORS={"RATELIMIT_HEADERS_ON_SUCCESS": False}):
        for _ in range(3):
            assert "X-RateLimit-Limit" not in client.get("/api/test/limited/ip/")
        response = client.get("/api/test/limited/ip/")
    assert_contract(response, 429, "rate_limited")
    assert response["X-RateLimit-Remaining"] == "0"


def test_django_ratelimits_own_decorator_answers_429(client, limiter_cache):
    assert client.get("/api/test/limited/upstream/").status_code == 200
    response = client.get("/api/test/limited/upstream/")
    assert_contract(response, 429, "rate_limited")
    # django-ratelimit's decorator keeps its numbers to itself: none are invented.
    assert "Retry-After" not in response and "X-RateLimit-Limit" not in response


def test_django_ratelimits_decorator_with_ours_reports_what_ours_measured(client, limiter_cache):
    assert client.get("/api/test/limited/upstream-and-ours/").status_code == 200
    response = client.get("/api/test/limited/upstream-and-ours/")
    assert_contract(response, 429, "rate_limited")
    assert rate_headers(response)[:2] == (5, 3)
    assert int(response["Retry-After"]) >= 1


def test_drf_scoped_throttle_429_reports_its_numbers(client, customer, mug):
    from model_bakery import baker

    from shop.models import Product

    baker.make(Product, sku="PEN-9", price="1.00", stock=100)
    order = {"items": [{"sku": "PEN-9", "quantity": 1}]}
    for _ in range(10):
        response = client.post(
            "/api/orders/", order, content_type="application/json", **basic_auth("carol")
        )
        assert response.status_code == 201
    response = client.post(
        "/api/orders/", order, content_type="application/json", **basic_auth("carol")
    )
    body = assert_contract(response, 429, "rate_limited")
    limit, remaining, reset = rate_headers(response)
    assert (limit, remaining) == (10, 0)
    assert 0 <= reset - time.time() <= 61
    assert body["meta"]["limit"] == 10
    assert body["meta"]["retry_after"] == int(response["Retry-After"])


# The cache failing: a real Redis client talking to a port where nothing listens.

DEAD_REDIS = {
    "CACHES": {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    },
    "RATELIMIT_USE_CACHE": "ratelimit",
}


@pytest.fixture
def fresh_failure_log():
    ratelimit_failure_log.reset()
    yield
    ratelimit_failure_log.reset()


def test_cache_down_fails_closed_with_503(client, caplog, fresh_failure_log):
    with override_settings(**DEAD_REDIS), caplog.at_level(logging.WARNING):
        responses = [client.get("/api/test/limited/ip/") for _ in range(3)]
        drf = client.get("/api/test/limited/drf-throttle/")
    for response in [*responses, drf]:
        assert_contract(response, 503, "service_unavailable")
        assert response["Retry-After"] == "5"
        assert "X-RateLimit-Limit" not in response
    failures = [r for r in caplog.records if r.name == "django_apierrors.ratelimit"]
    assert len(failures) == 1 and failures[0].levelno == logging.ERROR


def test_cache_down_fails_open_when_asked(client, caplog, fresh_failure_log):
    settings = {**DEAD_REDIS, "API_ERRORS": {"RATELIMIT_FAIL_OPEN": True}}
    with override_settings(**settings), caplog.at_level(logging.WARNING):
        responses = [client.get("/api/test/limited/ip/") for _ in range(5)]
        drf = [client.get("/api/test/limited/drf-throttle/") for _ in range(3)]
    assert [r.status_code for r in [*responses, *drf]] == [200] * 8
    assert all("X-RateLimit-Limit" not in r for r in responses)
    warnings = [r for r in caplog.records if r.name == "django_apierrors.ratelimit"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "RATELIMIT_FAIL_OPEN" in warnings[0].getMessage()


def test_example_search_has_a_burst_and_a_sustained_limit(client, limiter_cache, mug):
    with override_settings(SEARCH_RATE="4/h", SEARCH_BURST_RATE="100/h"):
        response = client.get("/api/catalog/search/?q=mug")
        assert response.status_code == 200
        assert json.loads(response.content)["results"][0]["sku"] == "MUG-1"
        assert rate_headers(response)[:2] == (4, 3)
        for _ in range(3):
            client.get("/api/catalog/search/?q=mug")
        assert_contract(client.get("/api/catalog/search/?q=mug"), 429, "rate_limited")
    assert_contract(client.get("/api/catalog/search/?q="), 400, "invalid_argument", param="q")


@pytest.mark.django_db(transaction=True)  # the async view reads on another thread
async def test_example_async_stock_view_is_limited(async_client, limiter_cache, mug):
    with override_settings(STOCK_RATE="1/h"):
        response = await async_client.get("/api/stock/MUG-1/")
        assert response.status_code == 200 and response["X-RateLimit-Limit"] == "1"
        assert_contract(await async_client.get("/api/stock/MUG-1/"), 429, "rate_limited")


def test_the_raised_exception_carries_the_numbers(rf, limiter_cache):
    from django_apierrors import RateLimited
    from django_apierrors.ratelimit import ratelimit

    @ratelimit(key="ip", rate="1/h", group="carried")
    def view(request):
        return "ok"

    assert view(rf.get("/")) == "ok"
    with pytest.raises(RateLimited) as caught:
        view(rf.get("/"))
    window_end = _get_window("127.0.0.1", HOUR)
    assert caught.value.meta["limit"] == 1
    assert caught.value.meta["remaining"] == 0
    assert caught.value.meta["reset"] == window_end + 1
    assert caught.value.retry_after == caught.value.meta["retry_after"] >= 1


# The window we report (RateLimit-Policy's w=) is the one django-ratelimit counts in. We
# parse the rate ourselves, by its documented grammar; its private _split_rate is the pin.

RATES = [
    *(f"5/{unit}" for unit in "smhd"),  # every unit
    *(f"5/{multiplier}{unit}" for multiplier in (1, 2, 10, 30) for unit in "smhd"),
    "5/10",  # a multiplier without a unit: seconds
    "5/",  # neither: one second
    "5/M",  # units are lowercase: "M" is no unit, one second (django-ratelimit's reading)
    "5/010m",
    "5/mx",  # matched from the start, as django-ratelimit matches it
    "100000000/h",
    (5, 30),
    (1, 1),
    (10, 3600),
    (3, 7 * 86400),
]


def rate_id(rate: object) -> str:
    return repr(rate)


@pytest.mark.parametrize("rate", RATES, ids=rate_id)
def test_our_window_is_django_ratelimits(rate):
    assert window_seconds(rate) == _split_rate(rate)[1]


def twenty_minutes_rate(group: str, request) -> str:
    return "4/20m"


@pytest.mark.parametrize("given", ["as-is", "callable", "callable-tuple", "dotted"])
@pytest.mark.parametrize("rate", ["5/m", "5/10s", "5/M", (5, 90)], ids=rate_id)
def test_the_reported_window_is_the_one_counted_in(rf, rate, given):
    """Whatever form django-ratelimit accepts the rate in (itself, a callable's result, a
    dotted path to a callable), the window reported is the one it counted with."""
    resolved: Any = rate
    argument: Any = rate
    if given == "dotted":
        argument, resolved = "tests.test_ratelimit.twenty_minutes_rate", "4/20m"
    elif given == "callable":
        argument = lambda group, request: rate  # noqa: E731
    elif given == "callable-tuple":
        resolved = (5, _split_rate(rate)[1])
        argument = lambda group, request: resolved  # noqa: E731
    with override_settings(**cache_settings("locmem")):
        usage = measure_rate_limit(rf.get("/"), group=f"window-{given}", key="ip", rate=argument)
    assert usage is not None
    assert usage.window == _split_rate(resolved)[1]
    assert usage.limit == _split_rate(resolved)[0]
