"""Idempotency keys: replay byte for byte, refuse a reused key, scope keys per user, and
let exactly one of two simultaneous requests run (live server, real threads)."""

import json
import threading
import urllib.error
import urllib.request
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import JsonResponse
from django.test import Client
from django.test.client import encode_multipart
from django.urls import include, path
from model_bakery import baker
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from django_apierrors.idempotency import IdempotentMixin, idempotent
from shop.models import Account, Order, Product
from tests.testapp import views as test_views

from .conftest import PASSWORD, basic_auth, requires_postgres
from .contract import assert_contract
from .servers import WireResponse

pytestmark = pytest.mark.django_db

ORDER = {"items": [{"sku": "MUG-1", "quantity": 1}]}


def place_order(client, key=None, data=ORDER, user="carol"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(
        "/api/orders/",
        json.dumps(data),
        content_type="application/json",
        **basic_auth(user),
        **headers,
    )


def test_a_retry_replays_the_first_response(client, customer, mug):
    first = place_order(client, "order-1")
    assert first.status_code == 201
    retry = place_order(client, "order-1")
    assert (retry.status_code, retry.content) == (first.status_code, first.content)
    assert retry["Idempotent-Replayed"] == "true"
    assert retry["X-Request-ID"] == first["X-Request-ID"]
    assert retry["Content-Type"] == first["Content-Type"]
    assert "Idempotent-Replayed" not in first
    assert Order.objects.count() == 1
    assert Account.objects.get(user=customer).balance == Decimal("90.50")  # charged once


def test_the_same_key_with_another_request_is_refused(client, customer, mug):
    assert place_order(client, "order-2").status_code == 201
    other = {"items": [{"sku": "MUG-1", "quantity": 2}]}
    body = assert_contract(
        place_order(client, "order-2", other),
        422,
        "idempotency_key_reused",
        param="Idempotency-Key",
    )
    assert body["type"] == "idempotency_error"
    assert Order.objects.count() == 1


def test_keys_are_scoped_per_user(client, customer, mug):
    other = baker.make(User, username="olga")
    other.set_password(PASSWORD)
    other.save()
    baker.make(Account, user=other, balance=Decimal("100"))
    carol = place_order(client, "shared-key", user="carol")
    olga = place_order(client, "shared-key", user="olga")
    assert carol.status_code == olga.status_code == 201
    assert "Idempotent-Replayed" not in olga
    assert carol.json()["id"] != olga.json()["id"]
    assert Order.objects.count() == 2


@pytest.mark.parametrize(
    "key",
    ["", "has space", "é-accent", "k" * 256, "tab\tkey"],
    ids=["empty", "space", "non-ascii", "256-chars", "tab"],
)
def test_malformed_keys(client, customer, mug, key):
    assert_contract(place_order(client, key), 400, "invalid_argument", param="Idempotency-Key")
    assert not Order.objects.exists()


def test_without_a_key_every_request_runs(client, customer, mug):
    assert place_order(client).status_code == 201
    assert place_order(client).status_code == 201
    assert Order.objects.count() == 2


def test_errors_are_not_stored(client, customer, mug):
    bad = {"items": [{"sku": "MUG-1", "quantity": 0}]}
    assert_contract(place_order(client, "order-3", bad), 400, "validation_failed")
    fixed = place_order(client, "order-3")  # same key, corrected request: it runs
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed


def test_safe_methods_ignore_the_key(client, customer):
    response = client.get("/api/orders/", HTTP_IDEMPOTENCY_KEY="bad key", **basic_auth("carol"))
    assert response.status_code == 200


def test_plain_view_decorator(client):
    batch = {"products": [{"sku": "A-1", "name": "A", "price": "1"}]}

    def post(data):
        return client.post(
            "/api/catalog/batch/",
            json.dumps(data),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="batch-1",
        )

    first, retry = post(batch), post(batch)
    assert first.status_code == retry.status_code == 201
    assert retry.content == first.content and retry["Idempotent-Replayed"] == "true"
    assert Product.objects.count() == 1
    assert_contract(post({"products": []}), 422, "idempotency_key_reused")


# Against a live server on 127.0.0.1 (Redis as the cache when REDIS_URL is set).


def send(url, data, key, headers=None):
    request = urllib.request.Request(
        url,
        data=json.dumps(data).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": key, **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status, response_headers, content = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, response_headers, content = error.code, error.headers, error.read()
    return WireResponse(status, {k.lower(): v for k, v in response_headers.items()}, content)


@pytest.mark.django_db(transaction=True)
def test_a_request_still_running_holds_its_key(live_server):
    url = live_server.url + "/api/test/slow-write/"
    test_views.SLOW_WRITE_GATE.clear()
    test_views.SLOW_WRITE_RUNNING.clear()
    results: dict[str, WireResponse] = {}
    first = threading.Thread(target=lambda: results.update(first=send(url, {"sku": "S-1"}, "k1")))
    first.start()
    try:
        assert test_views.SLOW_WRITE_RUNNING.wait(10), "the first request did not start"
        in_use = send(url, {"sku": "S-1"}, "k1")
        assert_contract(in_use, 409, "idempotency_key_in_use", param="Idempotency-Key")
        assert in_use["Retry-After"] == "1"
        assert_contract(send(url, {"sku": "S-2"}, "k1"), 422, "idempotency_key_reused")
    finally:
        test_views.SLOW_WRITE_GATE.set()
        first.join(15)
    assert results["first"].status_code == 201
    replay = send(url, {"sku": "S-1"}, "k1")
    assert replay.content == results["first"].content
    assert replay["Idempotent-Replayed"] == "true"
    assert Product.objects.filter(sku="S-1").count() == 1


@requires_postgres  # SQLite cannot serve concurrent writers from the live server's threads
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_write_once(live_server):
    customer = baker.make(User, username="carol")
    customer.set_password(PASSWORD)
    customer.save()
    baker.make(Account, user=customer, balance=Decimal("100"))
    baker.make(Product, sku="MUG-1", price=Decimal("1"), stock=50)
    auth = {"Authorization": basic_auth("carol")["HTTP_AUTHORIZATION"]}
    url = live_server.url + "/api/orders/"
    rounds = 4
    for round_number in range(rounds):
        barrier = threading.Barrier(2)
        results: list[WireResponse] = []

        def fire(key: str = f"simultaneous-{round_number}", barrier=barrier, results=results):
            barrier.wait()
            results.append(send(url, ORDER, key, auth))

        threads = [threading.Thread(target=fire) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        statuses = sorted(r.status_code for r in results)
        assert statuses in ([201, 201], [201, 409]), statuses
        if statuses == [201, 201]:  # the second came after the first finished: a replay
            assert results[0].content == results[1].content
            assert {r.get("Idempotent-Replayed") for r in results} == {"true", None}
    # Exactly one order per key: one row each, not two (PostgreSQL in CI).
    assert Order.objects.count() == rounds
    assert Account.objects.get(user=customer).balance == Decimal("100") - rounds


# Form and multipart bodies, which Django (the CSRF check reads request.POST) or DRF (its
# parsers, SessionAuthentication's CSRF check) may have read before the fingerprint is made.

FORM_RUNS: list[str] = []


def form_view_body(request) -> dict:
    upload = request.FILES.get("receipt")
    return {
        "run": len(FORM_RUNS),
        "note": request.POST.get("note"),
        "receipt": upload.read().decode() if upload is not None else None,
    }


@idempotent()
def plain_form_view(request):
    FORM_RUNS.append("plain")
    return JsonResponse(form_view_body(request), status=201)


class DRFFormView(IdempotentMixin, APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [FormParser, MultiPartParser]

    def post(self, request):
        FORM_RUNS.append("drf")
        upload = request.data.get("receipt")
        return Response(
            {
                "run": len(FORM_RUNS),
                "note": request.data.get("note"),
                "receipt": upload.read().decode() if upload is not None else None,
            },
            status=201,
        )


urlpatterns = [
    path("api/form/plain/", plain_form_view),
    path("api/form/drf/", DRFFormView.as_view()),
    path("", include("tests.urls")),
]

CSRF_SECRET = "k" * 32


@pytest.fixture
def form_client(customer):
    """A client whose POSTs go through CSRF checks for real, as a browser's do."""
    FORM_RUNS.clear()
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(customer)  # DRF's SessionAuthentication checks CSRF for users only
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    return client


def receipt(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("receipt.txt", text.encode(), content_type="text/plain")


def post_form(client, url, key, fields, kind, boundary="BoUnDaRy-1"):
    fields = {"csrfmiddlewaretoken": CSRF_SECRET, **fields}
    headers = {"HTTP_IDEMPOTENCY_KEY": key}
    if kind == "multipart":
        body = encode_multipart(boundary, fields)
        content_type = f"multipart/form-data; boundary={boundary}"
    else:
        body = urlencode(fields).encode()
        content_type = "application/x-www-form-urlencoded"
    return client.post(url, body, content_type=content_type, **headers)


@pytest.mark.urls("tests.test_idempotency")
@pytest.mark.parametrize("url", ["/api/form/plain/", "/api/form/drf/"], ids=["plain", "drf"])
def test_a_multipart_retry_replays_even_with_another_boundary(form_client, url):
    first = post_form(
        form_client, url, "upload-1", {"note": "a", "receipt": receipt("one")}, "multipart"
    )
    assert first.status_code == 201, first.content
    assert first.json() == {"run": 1, "note": "a", "receipt": "one"}  # the view read it all
    # A client that retries by building the request again picks a new boundary.
    retry = post_form(
        form_client, url, "upload-1", {"note": "a", "receipt": receipt("one")}, "multipart", "other"
    )
    assert (retry.status_code, retry.content) == (201, first.content)
    assert retry["Idempotent-Replayed"] == "true"
    other_file = post_form(
        form_client, url, "upload-1", {"note": "a", "receipt": receipt("two")}, "multipart"
    )
    assert_contract(other_file, 422, "idempotency_key_reused", param="Idempotency-Key")
    other_field = post_form(
        form_client, url, "upload-1", {"note": "b", "receipt": receipt("one")}, "multipart"
    )
    assert_contract(other_field, 422, "idempotency_key_reused", param="Idempotency-Key")
    assert len(FORM_RUNS) == 1


@pytest.mark.urls("tests.test_idempotency")
@pytest.mark.parametrize("url", ["/api/form/plain/", "/api/form/drf/"], ids=["plain", "drf"])
def test_a_form_retry_replays(form_client, url):
    first = post_form(form_client, url, "form-1", {"note": "a"}, "form")
    assert first.status_code == 201, first.content
    assert first.json() == {"run": 1, "note": "a", "receipt": None}
    retry = post_form(form_client, url, "form-1", {"note": "a"}, "form")
    assert (retry.status_code, retry.content) == (201, first.content)
    assert retry["Idempotent-Replayed"] == "true"
    assert_contract(
        post_form(form_client, url, "form-1", {"note": "b"}, "form"), 422, "idempotency_key_reused"
    )
    assert len(FORM_RUNS) == 1


@pytest.mark.urls("tests.test_idempotency")
def test_a_large_upload_is_not_refused_by_the_fingerprint(form_client):
    """Django streams file uploads past DATA_UPLOAD_MAX_MEMORY_SIZE (64 KiB in the example);
    the fingerprint must not read such a body into memory, which Django refuses (413)."""
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE * 2)

    def post():
        fields = {"note": "big", "receipt": receipt(big)}
        return post_form(form_client, "/api/form/plain/", "big-1", fields, "multipart")

    first = post()
    assert first.status_code == 201, first.content
    assert first.json()["receipt"] == big
    retry = post()
    assert retry.content == first.content and retry["Idempotent-Replayed"] == "true"
