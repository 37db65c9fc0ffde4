"""`locked_row_condition`: of concurrent writes carrying the same If-Match exactly one goes
through and the others answer 412 with the ETag of what it wrote; one at a time, the same
answers as Django's `condition` (412, 200 with the new ETag, 304, the view's 404).

The endpoints: the example's DRF ProductViewSet (PATCH, in the request's transaction), and
the test app's plain views (tests/testapp/preconditions_views.py): sync with
ATOMIC_REQUESTS, sync without, async on the async ORM."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import connection, connections
from django.test import AsyncClient, Client
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from shop.models import Product
from tests.testapp.preconditions_views import EPOCH

from .conftest import basic_auth, requires_postgres
from .contract import assert_contract

WRITERS = 40
ROUNDS = 3


@dataclass(frozen=True)
class Endpoint:
    url: str  # of MUG-1
    is_async: bool = False
    auth: bool = False  # the ProductViewSet lets staff write
    last_modified: bool = True  # the test views send Last-Modified too

    def of(self, sku: str) -> str:
        return self.url.replace("MUG-1", sku)

    def headers(self, **headers: str) -> dict[str, str]:
        if self.auth:
            headers["Authorization"] = basic_auth("sam")["HTTP_AUTHORIZATION"]
        return headers

    def patch(self, stock: int, sku: str = "MUG-1", **headers: str) -> Any:
        """A PATCH through a client of its own (sync or async, as the view is)."""
        data = json.dumps({"stock": stock})
        kwargs: dict[str, Any] = {"content_type": "application/json"}
        kwargs["headers"] = self.headers(**headers)
        if self.is_async:

            async def send() -> Any:
                client = AsyncClient(raise_request_exception=False)
                return await client.patch(self.of(sku), data, **kwargs)

            return async_to_sync(send)()
        return Client(raise_request_exception=False).patch(self.of(sku), data, **kwargs)


ROWS = "/api/test/preconditions/rows/MUG-1/"
ENDPOINTS = {
    "drf-viewset": Endpoint("/api/products/MUG-1/", auth=True, last_modified=False),
    "sync-atomic-requests": Endpoint(ROWS),
    "sync-no-transaction": Endpoint(ROWS + "non-atomic/"),
    "async": Endpoint(ROWS + "async/", is_async=True),
}


@pytest.fixture(params=list(ENDPOINTS))
def endpoint(request: pytest.FixtureRequest) -> Endpoint:
    return ENDPOINTS[request.param]


def patch_at_once(endpoint: Endpoint, if_match: str, stocks: list[int]) -> list[Any]:
    """One PATCH per stock, each from a thread and a client of its own, all released at
    once by a barrier; every thread closes the database connections it opened."""
    barrier = threading.Barrier(len(stocks))
    responses: list[Any] = [None] * len(stocks)

    def send(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            responses[index] = endpoint.patch(stocks[index], **{"If-Match": if_match})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(stocks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    assert all(response is not None for response in responses), "a thread failed"
    return responses


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_with_one_if_match_let_exactly_one_through(endpoint, staff, mug):
    assert connection.vendor == "postgresql"
    for round_number in range(ROUNDS):
        before = Product.objects.get(sku="MUG-1")
        stocks = [100 * (round_number + 1) + index for index in range(WRITERS)]
        responses = patch_at_once(endpoint, before.etag, stocks)

        statuses = Counter(response.status_code for response in responses)
        assert statuses == {200: 1, 412: WRITERS - 1}, statuses
        [winner] = [index for index, r in enumerate(responses) if r.status_code == 200]
        after = Product.objects.get(sku="MUG-1")
        # The row is the one successful write, nothing of the 39 others.
        assert (after.version, after.stock) == (before.version + 1, stocks[winner])
        assert after.name == before.name
        assert responses[winner]["ETag"] == after.etag
        assert json.loads(responses[winner].content)["stock"] == stocks[winner]
        for index, response in enumerate(responses):
            if index != winner:
                assert_contract(response, 412, "failed_precondition", param="If-Match")
                assert response["ETag"] == after.etag


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_concurrent_writes_lose_no_update(endpoint, staff, mug):
    """SQLite has one write lock for the whole database. The test database is in memory in
    shared-cache mode, where a writer that finds the lock taken is refused at once ("database
    table is locked", 503) instead of waiting as on a database file: one write, and the
    others 412 or 503, never two writes."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own locking")
    for round_number in range(ROUNDS):
        before = Product.objects.get(sku="MUG-1")
        stocks = [100 * (round_number + 1) + index for index in range(WRITERS)]
        responses = patch_at_once(endpoint, before.etag, stocks)

        winners = [index for index, r in enumerate(responses) if r.status_code == 200]
        assert len(winners) == 1, Counter(response.status_code for response in responses)
        after = Product.objects.get(sku="MUG-1")
        assert (after.version, after.stock) == (before.version + 1, stocks[winners[0]])
        for response in responses:
            if response.status_code == 412:
                assert_contract(response, 412, "failed_precondition", param="If-Match")
                assert response["ETag"] == after.etag
            elif response.status_code != 200:
                assert_contract(response, 503, "service_unavailable")


@pytest.mark.django_db(transaction=True)  # the async view's queries run on other threads
def test_one_at_a_time_the_answers_are_djangos(endpoint, staff, mug):
    stale = endpoint.patch(3, **{"If-Match": '"MUG-1-v0"'})
    assert_contract(stale, 412, "failed_precondition", param="If-Match")
    assert stale["ETag"] == '"MUG-1-v1"'
    if endpoint.last_modified:
        assert stale["Last-Modified"] == http_date(EPOCH.timestamp() + 1)

    fresh = endpoint.patch(7, **{"If-Match": '"MUG-1-v1"'})
    assert fresh.status_code == 200, fresh.content
    assert fresh["ETag"] == '"MUG-1-v2"'
    assert json.loads(fresh.content)["stock"] == 7
    again = endpoint.patch(8, **{"If-Match": '"MUG-1-v1"'})
    assert_contract(again, 412, "failed_precondition", param="If-Match")
    assert again["ETag"] == '"MUG-1-v2"'
    assert endpoint.patch(9, **{"If-Match": '"MUG-1-v2"'}).status_code == 200

    create_only = endpoint.patch(1, **{"If-None-Match": "*"})
    assert_contract(create_only, 412, "failed_precondition", param="If-None-Match")
    if endpoint.last_modified:  # version 3 is EPOCH + 3 s
        unmodified = endpoint.patch(1, **{"If-Unmodified-Since": http_date(EPOCH.timestamp())})
        assert_contract(unmodified, 412, "failed_precondition", param="If-Unmodified-Since")
        assert unmodified["Last-Modified"] == http_date(EPOCH.timestamp() + 3)
        since = endpoint.patch(4, **{"If-Unmodified-Since": http_date(EPOCH.timestamp() + 3)})
        assert since.status_code == 200
    product = Product.objects.get(sku="MUG-1")
    expected = (4, 4) if endpoint.last_modified else (3, 9)
    assert (product.version, product.stock) == expected

    # No such row: no validator, so If-Match fails (as Django has it); without, the 404.
    assert_contract(endpoint.patch(1, sku="NOPE"), 404, "not_found")
    missing = endpoint.patch(1, sku="NOPE", **{"If-Match": '"NOPE-v1"'})
    assert_contract(missing, 412, "failed_precondition", param="If-Match")
    assert "ETag" not in missing


@pytest.mark.parametrize("url", [ROWS, ROWS + "non-atomic/"])
def test_reads_take_no_lock_and_answer_304(client, mug, url):
    with CaptureQueriesContext(connection) as queries:
        read = client.get(url)
    assert read.status_code == 200
    assert (read["ETag"], read["Last-Modified"]) == ('"MUG-1-v1"', http_date(EPOCH.timestamp() + 1))
    assert not locks(queries.captured_queries)
    unchanged = client.get(url, headers={"If-None-Match": '"MUG-1-v1"'})
    assert unchanged.status_code == 304
    assert unchanged["ETag"] == '"MUG-1-v1"'
    assert client.get(url, headers={"If-None-Match": '"MUG-1-v0"'}).status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_async_view_reads_and_writes_through_the_async_client(async_client):
    await Product.objects.acreate(sku="MUG-1", name="Mug", price=1, stock=5)
    url = ROWS + "async/"
    unchanged = await async_client.get(url, headers={"If-None-Match": '"MUG-1-v1"'})
    assert unchanged.status_code == 304
    stale = await async_client.patch(
        url, {"stock": 2}, content_type="application/json", headers={"If-Match": '"MUG-1-v0"'}
    )
    assert_contract(stale, 412, "failed_precondition", param="If-Match")
    assert stale["ETag"] == '"MUG-1-v1"'
    fresh = await async_client.patch(
        url, {"stock": 2}, content_type="application/json", headers={"If-Match": '"MUG-1-v1"'}
    )
    assert (fresh.status_code, fresh["ETag"]) == (200, '"MUG-1-v2"')
    product = await Product.objects.aget(sku="MUG-1")
    assert (product.version, product.stock) == (2, 2)


def test_a_drf_patch_is_checked_and_locked_once(client, staff, mug):
    """partial_update calls update, both decorated: the second finds the check made."""
    with CaptureQueriesContext(connection) as queries:
        response = ENDPOINTS["drf-viewset"].patch(6, **{"If-Match": '"MUG-1-v1"'})
    assert response.status_code == 200
    assert len(locks(queries.captured_queries)) == 1


def locks(queries: list[dict[str, str]]) -> list[str]:
    """The statements that lock a product row: FOR UPDATE / FOR NO KEY UPDATE, or on
    SQLite the no-op UPDATE that takes the write lock."""
    sql = [query["sql"] for query in queries if "shop_product" in query["sql"]]
    return [s for s in sql if re.search(r' FOR (NO KEY )?UPDATE\b| SET "id" = ', s)]
