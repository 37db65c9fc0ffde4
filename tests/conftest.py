import base64
import json
import os
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connections
from django.test import AsyncClient, Client
from model_bakery import baker

from shop.models import Account, Product

PASSWORD = "correct-horse"


def examples(full: int) -> int:
    """How many examples a fuzzing test generates: `full`, or the share of it that
    APIERRORS_FUZZ_SHARE gives: `make test-compat` sets 0.25 for the other Django series,
    and unset (`make test`) it is the full count."""
    share = float(os.environ.get("APIERRORS_FUZZ_SHARE") or 1)
    return max(1, round(full * share))


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client() -> Client:
    """A test client that answers 5xx like a server does instead of re-raising."""
    return Client(raise_request_exception=False)


@pytest.fixture
async def executor_connections_closed() -> AsyncIterator[None]:
    """Closes afterwards the database connections the test's requests opened on asgiref's
    executor thread.

    Under ASGI, or through `sync_to_async`, sync views (and ATOMIC_REQUESTS) run on
    asgiref's thread-sensitive executor thread, which opens a connection of its own; the
    test keeps Django from closing it, and a PostgreSQL test database cannot be dropped
    while it is open.
    """
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture
def async_client(executor_connections_closed: None) -> AsyncClient:
    """An AsyncClient, closing afterwards the database connections its requests opened."""
    return AsyncClient(raise_request_exception=False)


#: Every endpoint of the example shop, for the tests that sweep them all.
EXAMPLE_ENDPOINTS = [
    "/api/products/",
    "/api/products/MUG-1/",
    "/api/products/batch/",
    "/api/orders/",
    "/api/orders/1/",
    "/api/catalog/import/",
    "/api/catalog/batch/",
    "/api/catalog/search/",
    "/api/catalog/MUG-1/",
    "/api/stock/MUG-1/",
    "/api/shipping/quote/",
    "/api/errors/",
    "/api/v2/products",
    "/api/v2/products/MUG-1",
    "/api/v2/products/MUG-1/stock",
    "/api/v2/orders",
]


def post_json(client, url: str, data: object, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def basic_auth(username: str, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


@pytest.fixture
def customer(db) -> User:
    user = baker.make(User, username="carol", is_staff=False)
    user.set_password(PASSWORD)
    user.save()
    baker.make(Account, user=user, balance=Decimal("100.00"))
    return user


@pytest.fixture
def staff(db) -> User:
    user = baker.make(User, username="sam", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def mug(db) -> Product:
    return baker.make(Product, sku="MUG-1", name="Mug", price=Decimal("9.50"), stock=5)


requires_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run against PostgreSQL",
)
