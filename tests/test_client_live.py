"""django_apierrors.client against the example project under gunicorn on 127.0.0.1.

The server answers in the `{"error": {...}}` envelope (API_ERRORS_ENVELOPE=error), the
shape OpenAI-style clients read. Time is injected: waits are recorded on a fake clock, and
only the 1-second rate-limit window is really waited out.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
import requests
import urllib3
from pytest_httpserver import HTTPServer

from django_apierrors import NotFound, RateLimited, ServiceUnavailable
from django_apierrors.client import RetryPolicy, raise_for_error
from django_apierrors.client.retry_httpx import AsyncRetryTransport, RetryTransport
from django_apierrors.client.retry_requests import retrying_session

from .servers import example_server

pytestmark = pytest.mark.load

SEARCH = "/api/catalog/search/?q=mug"
BURST_PER_SECOND = 3


class FakeTime:
    """A clock that moves only when the policy sleeps; really sleeps at most `real_cap`."""

    def __init__(self, real_cap: float = 0.0) -> None:
        self.now = 1_000.0
        self.waits: list[float] = []
        self.real_cap = real_cap

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
        if self.real_cap:
            time.sleep(min(seconds, self.real_cap))

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def policy(self, **kwargs: object) -> RetryPolicy:
        return RetryPolicy(
            clock=self.clock,
            sleep=self.sleep,
            async_sleep=self.async_sleep,
            random=lambda: 0.5,
            **kwargs,  # type: ignore[arg-type]
        )


@pytest.fixture(scope="module")
def carrier(make_httpserver: HTTPServer) -> Iterator[HTTPServer]:
    yield make_httpserver
    make_httpserver.clear()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory, carrier: HTTPServer) -> Iterator[str]:
    env = {
        "API_ERRORS_ENVELOPE": "error",
        "REDIS_URL": "",  # one worker, counters in its own memory: nothing left from other runs
        "RATELIMIT_CACHE_PREFIX": f"rl-client-{uuid.uuid4().hex}:",
        "SEARCH_RATE": "100000/m",
        "SEARCH_BURST_RATE": f"{BURST_PER_SECOND}/s",
        "ORDERS_RATE": "1/minute",
        "SHIPPING_API_URL": carrier.url_for("/"),
        "SHIPPING_API_TIMEOUT": "2",
    }
    with example_server(tmp_path_factory.mktemp("client"), env, workers=1, seed=True) as url:
        yield url


def retried(response: requests.Response | urllib3.BaseHTTPResponse) -> list[int | None]:
    """The statuses urllib3 retried on before this response."""
    raw = response if isinstance(response, urllib3.BaseHTTPResponse) else response.raw
    assert raw.retries is not None
    return [entry.status for entry in raw.retries.history]


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


# 429: drained, then the advertised wait, then success


def test_requests_session_waits_the_advertised_time_then_succeeds(base_url):
    fake = FakeTime(real_cap=1.0)  # the burst window is one second: really wait it out
    session = retrying_session(fake.policy())
    for _ in range(4 * BURST_PER_SECOND):  # drain the window until a request needs a retry
        response = session.get(base_url + SEARCH)
        if retried(response):
            break
    else:
        pytest.fail("the burst limit never answered 429")
    raise_for_error(response)
    assert response.status_code == 200
    assert retried(response) == [429]
    # The wait is exactly what the 429 asked for (Retry-After, whole seconds).
    assert fake.waits == [1.0]


def test_httpx_transport_waits_the_advertised_time_then_succeeds(base_url):
    fake = FakeTime(real_cap=1.0)
    attempts: list[int] = []

    class Counting(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            attempts.append(response.status_code)
            return response

    with httpx.Client(transport=RetryTransport(Counting(), fake.policy())) as client:
        for _ in range(4 * BURST_PER_SECOND):
            response = client.get(base_url + SEARCH)
            if 429 in attempts:
                break
    raise_for_error(response)
    assert response.status_code == 200
    assert attempts[-2:] == [429, 200]
    assert fake.waits == [1.0]


def test_rate_limited_error_carries_the_limit(base_url, fake_time):
    with httpx.Client() as client:  # no retries: look at the 429 itself
        for _ in range(4 * BURST_PER_SECOND):
            response = client.get(base_url + SEARCH)
            if response.status_code == 429:
                break
    with pytest.raises(RateLimited) as caught:
        raise_for_error(response)
    error = caught.value
    assert (error.status, error.code) == (429, "rate_limited")
    assert error.retry_after == int(response.headers["Retry-After"]) >= 1
    assert error.request_id == response.headers["X-Request-ID"]
    assert error.rate_limit.limit == BURST_PER_SECOND
    assert error.rate_limit.remaining == 0
    assert error.rate_limit.reset == int(response.headers["X-RateLimit-Reset"])


def test_urllib3_retry_respects_our_retry_after(base_url, monkeypatch):
    slept: list[float] = []
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        real_sleep(min(seconds, 1.0))

    # urllib3 sleeps through the time module: record its waits, really wait at most 1 s.
    monkeypatch.setattr(urllib3.util.retry.time, "sleep", sleep)
    retry = urllib3.Retry(total=2, status_forcelist=[429], respect_retry_after_header=True)
    with urllib3.PoolManager(retries=retry) as pool:
        for _ in range(4 * BURST_PER_SECOND):
            response = pool.request("GET", base_url + SEARCH)
            if retried(response):
                break
    assert response.status == 200
    assert retried(response) == [429]
    assert slept == [1]  # what our 429 said in Retry-After


# 503 that recovers; a 404 that does not wait


def test_503_recovers_after_two_attempts(base_url, carrier, fake_time):
    carrier.clear()
    for _ in range(2):
        carrier.expect_ordered_request("/quote").respond_with_data(
            "busy", status=503, headers={"Retry-After": "2"}
        )
    carrier.expect_ordered_request("/quote").respond_with_json({"price": "4.90", "carrier": "A"})
    with httpx.Client(transport=RetryTransport(policy=fake_time.policy())) as client:
        response = raise_for_error(client.get(base_url + "/api/shipping/quote/?postcode=69001"))
    assert response.json()["price"] == "4.90"
    assert fake_time.waits == [2.0, 2.0]  # the carrier's Retry-After, passed on by the shop
    assert len(carrier.log) == 3
    carrier.check_assertions()


def test_503_without_retry_after_backs_off_with_jitter(base_url, carrier, fake_time):
    carrier.clear()
    for _ in range(2):
        carrier.expect_ordered_request("/quote").respond_with_data("busy", status=503)
    carrier.expect_ordered_request("/quote").respond_with_json({"price": "1.00", "carrier": "A"})
    session = retrying_session(fake_time.policy())
    response = raise_for_error(session.get(base_url + "/api/shipping/quote/?postcode=69001"))
    assert response.status_code == 200
    assert fake_time.waits == [0.5, 1.0]  # random() = 0.5 of 1 s, then of 2 s


def test_503_past_the_budget_raises_with_the_servers_error(base_url, carrier, fake_time):
    carrier.clear()
    carrier.expect_request("/quote").respond_with_data(
        "busy", status=503, headers={"Retry-After": "40"}
    )
    session = retrying_session(fake_time.policy(budget=100))
    with pytest.raises(ServiceUnavailable) as caught:
        raise_for_error(session.get(base_url + "/api/shipping/quote/?postcode=69001"))
    assert fake_time.waits == [40.0, 40.0]  # a third wait would end at 120 s > 100 s
    assert caught.value.retry_after == 40
    assert len(carrier.log) == 3


def test_404_is_raised_at_once(base_url, fake_time):
    session = retrying_session(fake_time.policy())
    response = session.get(base_url + "/api/products/NOPE-1/")
    with pytest.raises(NotFound) as caught:
        raise_for_error(response)
    assert retried(response) == []
    assert fake_time.waits == []
    assert caught.value.request_id == response.headers["X-Request-ID"]


# POST: retried only with an Idempotency-Key


def test_post_is_retried_only_with_an_idempotency_key(base_url, fake_time):
    session = retrying_session(fake_time.policy())
    session.auth = ("demo", "demo")
    order = {"items": [{"sku": "MUG-1", "quantity": 1}]}
    first = session.post(base_url + "/api/orders/", json=order, headers={"Idempotency-Key": "a1"})
    assert first.status_code == 201, first.content  # the one order the minute allows

    without_key = session.post(base_url + "/api/orders/", json=order)
    assert without_key.status_code == 429
    assert retried(without_key) == []
    assert fake_time.waits == []

    with_key = session.post(
        base_url + "/api/orders/", json=order, headers={"Idempotency-Key": "b2"}
    )
    assert with_key.status_code == 429
    statuses = retried(with_key)
    assert statuses and set(statuses) == {429}
    # Each wait is the throttle's Retry-After; the last retry starts within the budget.
    assert all(0 < wait <= 60 for wait in fake_time.waits)
    assert sum(fake_time.waits) <= RetryPolicy().budget
    assert len(fake_time.waits) == len(statuses)
    with pytest.raises(RateLimited):
        raise_for_error(with_key)


async def test_async_transport_retries_a_503(base_url, carrier, fake_time):
    carrier.clear()
    carrier.expect_ordered_request("/quote").respond_with_data("busy", status=503)
    carrier.expect_ordered_request("/quote").respond_with_json({"price": "2.00", "carrier": "A"})
    transport = AsyncRetryTransport(policy=fake_time.policy())
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.get(base_url + "/api/shipping/quote/?postcode=69001")
    assert raise_for_error(response).json()["price"] == "2.00"
    assert fake_time.waits == [0.5]


# Bodies in the other shapes, off the wire


def test_problem_json_from_the_server(base_url):
    response = requests.get(
        base_url + "/api/catalog/NOPE-1/", headers={"Accept": "application/problem+json"}
    )
    assert response.headers["Content-Type"] == "application/problem+json"
    with pytest.raises(NotFound) as caught:
        raise_for_error(response)
    error = caught.value
    assert (error.status, error.code, error.param) == (404, "not_found", None)
    assert error.type == response.json()["error_type"]
    assert error.request_id == response.headers["X-Request-ID"]


# The official openai package, pointed at the example project


def test_openai_client_surfaces_code_param_type_and_request_id(base_url):
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=base_url + "/api/", api_key="unused", max_retries=0)

    with pytest.raises(openai.NotFoundError) as not_found:
        client.models.retrieve("no-such-model")
    error = not_found.value
    body = json.loads(error.response.content)["error"]
    assert error.status_code == 404
    assert error.code == "not_found"
    assert error.type == body["type"]
    assert error.param is None
    assert error.request_id == body["request_id"] == error.response.headers["X-Request-ID"]
    assert error.message.endswith(body["message"]) or body["message"] in error.message

    with pytest.raises(openai.BadRequestError) as bad_request:
        client.get("/shipping/quote/", cast_to=object, options={"params": {"postcode": "!"}})
    error = bad_request.value
    assert (error.code, error.param) == ("invalid_argument", "postcode")
    assert error.type == json.loads(error.response.content)["error"]["type"]
    assert error.request_id
