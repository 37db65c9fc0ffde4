"""An all-async middleware stack under ASGI: APIErrorsMiddleware runs in async mode."""

import json

import pytest
from django.test import Client, override_settings

from django_apierrors.middleware import APIErrorsMiddleware

from .contract import assert_contract

pytestmark = pytest.mark.django_db

ASYNC_STACK = [
    "django.middleware.security.SecurityMiddleware",
    "django_apierrors.middleware.APIErrorsMiddleware",
    "django.middleware.common.CommonMiddleware",
]


@pytest.fixture
def acall_spy(monkeypatch):
    calls = []
    original = APIErrorsMiddleware.__acall__

    async def spy(self, request):
        calls.append(request.path)
        return await original(self, request)

    monkeypatch.setattr(APIErrorsMiddleware, "__acall__", spy)
    return calls


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
async def test_errors_through_the_async_middleware(acall_spy, async_client, debug):
    client = async_client
    with override_settings(MIDDLEWARE=ASYNC_STACK, DEBUG=debug):
        missing = await client.get("/api/nowhere/", headers={"X-Request-ID": "a-1"})
        crash = await client.get("/api/test/araise/runtime/")
        sync_crash = await client.get("/api/test/raise/integrity/")
        ok = await client.get("/api/test/ok/", headers={"X-Request-ID": "a-2"})
    assert acall_spy == [
        "/api/nowhere/",
        "/api/test/araise/runtime/",
        "/api/test/raise/integrity/",
        "/api/test/ok/",
    ]
    assert_contract(missing, 404, "not_found")
    assert missing["X-Request-ID"] == "a-1"
    assert_contract(crash, 500, "internal_error")
    assert_contract(sync_crash, 409, "conflict")
    assert ok.status_code == 200 and ok["X-Request-ID"] == "a-2"
    assert json.loads(ok.content) == {"ok": True}


def test_expose_headers_appended_to_an_inner_middlewares(client: Client):
    stack = [
        "django_apierrors.middleware.APIErrorsMiddleware",
        "tests.testapp.middleware.ExposeETagMiddleware",
    ]
    with override_settings(MIDDLEWARE=stack):
        ok = client.get("/api/test/ok/")
        throttled = client.get("/api/test/raise/drf_throttled/")
    assert ok["Access-Control-Expose-Headers"] == "ETag, X-Request-ID"
    # The inner middleware overwrote what render exposed; the outermost layer appends again.
    assert throttled["Access-Control-Expose-Headers"] == "ETag, X-Request-ID, Retry-After"
