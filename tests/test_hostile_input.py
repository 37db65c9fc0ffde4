"""Hostile input never makes a 5xx: deep JSON, values the database refuses, and what
`read_json` refuses, on DRF, plain and async views, through real requests."""

import json
import logging

import pytest
from django.db import connection
from django.test import override_settings

from shop.models import Product

from .conftest import basic_auth, post_json, requires_postgres
from .contract import assert_contract

pytestmark = pytest.mark.django_db

DEEP = "[" * 3000 + "1" + "]" * 3000  # about 6 KB, deeper than Python recurses

ECHOES = ["/api/test/hostile/echo/", "/api/test/hostile/aecho/", "/api/test/drf/hostile/echo/"]
STORES = ["/api/test/hostile/store/", "/api/test/hostile/astore/", "/api/test/drf/hostile/store/"]


@pytest.mark.parametrize("url", ECHOES)
@pytest.mark.parametrize("debug", [False, True])
def test_json_nested_deeper_than_python_recurses_is_a_parse_error(client, url, debug):
    for body in (DEEP, '{"a":' * 3000 + "1" + "}" * 3000):
        with override_settings(DEBUG=debug):
            response = client.post(url, body, content_type="application/json")
        assert_contract(response, 400, "parse_error")


def test_deep_json_on_the_example_endpoints(client, staff, customer):
    cases = [
        ("/api/catalog/import/", {}),
        ("/api/catalog/batch/", {}),
        ("/api/products/", basic_auth("sam")),
        ("/api/products/batch/", basic_auth("sam")),
        ("/api/orders/", basic_auth("carol")),
    ]
    for url, auth in cases:
        response = client.post(url, DEEP, content_type="application/json", **auth)
        assert_contract(response, 400, "parse_error")


def test_a_recursion_or_overflow_error_of_the_servers_own_is_still_a_500(client):
    for name in ("recursion", "overflow"):
        response = client.get(f"/api/test/raise/{name}/")
        assert_contract(response, 500, "internal_error")


def test_deep_json_from_upstream_is_the_upstreams_fault_not_the_clients(client, httpserver):
    """The server decoding an upstream's answer is not the request's body: 502 here (the
    carrier's answer could not be read), never a 400 blaming the client."""
    httpserver.expect_request("/quote").respond_with_data(
        '{"price": ' + DEEP + "}", content_type="application/json"
    )
    with override_settings(SHIPPING_API_URL=httpserver.url_for("/")):
        response = client.get("/api/shipping/quote/", {"postcode": "AB123"})
    assert_contract(response, 502, "bad_gateway")


@pytest.mark.parametrize("url", ECHOES[:2])
def test_read_json_refuses_lone_surrogates_and_keeps_pairs(client, url):
    for body in ('{"name": "\\ud800"}', '["a\\udfffb"]', '{"\\uDBFF": 1}'):
        response = client.post(url, body, content_type="application/json")
        assert_contract(response, 400, "parse_error")
    response = client.post(url, '["\\ud83d\\ude00"]', content_type="application/json")
    assert response.status_code == 200 and response.json()["value"] == ["\U0001f600"]


@pytest.mark.parametrize("url", STORES[:2])
def test_a_lone_surrogate_never_reaches_the_database(client, url):
    response = client.post(
        url, '{"sku": "S-1", "name": "\\ud800"}', content_type="application/json"
    )
    assert_contract(response, 400, "parse_error")


@pytest.mark.parametrize("url", ECHOES)
def test_what_read_json_accepts_and_refuses_like_drf(client, url):
    ok = client.post(url, '{"a": [1, 2.5, "é"]}', content_type="application/json")
    assert ok.status_code == 200 and ok.json()["value"] == {"a": [1, 2.5, "é"]}
    latin = client.post(url, '{"a": "é"}', content_type="application/json; charset=latin-1")
    assert latin.status_code == 200 and latin.json()["value"] == {"a": "é"}
    if "drf" not in url:
        # DRF's parser takes vendor types only when told; ours takes any +json.
        vendor = client.post(url, "[1]", content_type="application/vnd.shop+json")
        assert vendor.status_code == 200 and vendor.json()["value"] == [1]

    refused = ["[NaN]", "[Infinity]", "[-Infinity]", "{bad", "[" + "9" * 5000 + "]"]
    if "drf" not in url:
        refused.append("[1e999]")  # DRF's parser takes it as infinity
    for body in refused:
        response = client.post(url, body, content_type="application/json")
        assert_contract(response, 400, "parse_error")
    response = client.post(url, b'{"a": "\xff\xfe"}', content_type="application/json")
    assert_contract(response, 400, "parse_error")

    response = client.post(url, "a=1", content_type="application/x-www-form-urlencoded")
    assert_contract(response, 415, "unsupported_media_type", param="Content-Type")
    response = client.post(url, {"a": "1"})  # multipart, the test client's default
    assert_contract(response, 415, "unsupported_media_type", param="Content-Type")


def test_read_json_refuses_an_empty_or_too_large_body(client, settings):
    for url in ECHOES[:2]:
        response = client.post(url, "", content_type="application/json")  # no Content-Type
        assert_contract(response, 400, "parse_error")
        response = client.generic("POST", url, b"", CONTENT_TYPE="application/json")
        assert_contract(response, 400, "parse_error")
        big = json.dumps(["x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)])
        response = client.post(url, big, content_type="application/json")
        assert_contract(response, 413, "request_too_large")


def refused_value_records(caplog):
    return [
        record
        for record in caplog.records
        if record.name == "django.request" and "refused a value" in record.getMessage()
    ]


@pytest.mark.parametrize("url", STORES)
@pytest.mark.django_db(transaction=True)
def test_an_integer_the_database_cannot_store(client, url, caplog):
    # SQLite: OverflowError over 2**63; PostgreSQL: a DataError over 2**31.
    too_big = 2**63 if connection.vendor == "sqlite" else 2**31
    with caplog.at_level(logging.WARNING):
        response = post_json(client, url, {"sku": "BIG-1", "stock": too_big})
    body = assert_contract(response, 400, "invalid_argument")
    assert body["message"] == "A request parameter is invalid."  # nothing of the database's
    records = refused_value_records(caplog)
    assert len(records) == 1, [r.getMessage() for r in caplog.records]
    assert records[0].levelno == logging.WARNING and records[0].exc_info
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not Product.objects.filter(sku="BIG-1").exists()


@requires_postgres
@pytest.mark.parametrize("url", STORES)
@pytest.mark.parametrize(
    "fields",
    [
        {"name": "nul\x00byte"},  # PostgreSQL text cannot hold NUL
        {"sku": "X" * 33},  # longer than varchar(32)
        {"price": "1e20"},  # over numeric(10, 2)
        {"stock": -1},  # the PositiveIntegerField's CHECK is an IntegrityError: 409
    ],
)
@pytest.mark.django_db(transaction=True)
def test_values_postgresql_refuses(client, url, fields, caplog):
    response = post_json(client, url, {"sku": "PG-1", **fields})
    if fields.get("stock") == -1:
        assert_contract(response, 409, "conflict")
        return
    assert_contract(response, 400, "invalid_argument")
    assert len(refused_value_records(caplog)) == 1


def test_exception_map_still_overrides_the_refused_value_row(client):
    overrides = {"builtins.OverflowError": "conflict", "django.db.DataError": "conflict"}
    with override_settings(API_ERRORS={"EXCEPTION_MAP": overrides}):
        response = post_json(client, STORES[0], {"sku": "BIG-2", "stock": 2**70})
    assert_contract(response, 409, "conflict")


def test_the_example_validates_what_the_database_would_refuse(client, staff):
    response = client.get("/api/catalog/search/", {"q": "mug\x00"})
    assert_contract(response, 400, "invalid_argument", param="q")
    for max_price in ("1e999999999", "100000000", "-1", "NaN", "Infinity", "x"):
        response = client.get("/api/products/", {"max_price": max_price})
        assert_contract(response, 400, "invalid_argument", param="max_price")
    assert client.get("/api/products/", {"max_price": "99999999.99"}).status_code == 200

    item = {"sku": "BIG-3", "name": "Big", "price": "1.00", "stock": 2**31}
    response = post_json(client, "/api/catalog/batch/", {"products": [item]})
    body = assert_contract(response, 422, "unprocessable_entity")
    assert [(e["param"], e["code"]) for e in body["errors"]] == [("products[0].stock", "max_value")]
    response = post_json(client, "/api/products/batch/", {"items": [item]}, **basic_auth("sam"))
    body = assert_contract(response, 422, "unprocessable_entity")
    assert [(e["param"], e["code"]) for e in body["errors"]] == [("items[0].stock", "max_value")]
    response = post_json(client, "/api/products/", item, **basic_auth("sam"))
    body = assert_contract(response, 400, "validation_failed")
    assert [(e["param"], e["code"]) for e in body["errors"]] == [("stock", "max_value")]
    assert not Product.objects.filter(sku="BIG-3").exists()


def test_the_example_keeps_no_lost_update(client, staff, customer, mug):
    """DELETE honours If-Match, and an order's stock change is a new version: a PATCH with
    the ETag from before the order answers 412 instead of writing the old stock back."""
    etag = client.get("/api/products/MUG-1/")["ETag"]
    response = client.delete(
        "/api/products/MUG-1/", HTTP_IF_MATCH='"MUG-1-v999"', **basic_auth("sam")
    )
    assert_contract(response, 412, "failed_precondition", param="If-Match")
    assert Product.objects.filter(sku="MUG-1").exists()

    order = {"items": [{"sku": "MUG-1", "quantity": 1}]}
    assert post_json(client, "/api/orders/", order, **basic_auth("carol")).status_code == 201
    response = client.patch(
        "/api/products/MUG-1/",
        json.dumps({"stock": 5}),
        content_type="application/json",
        HTTP_IF_MATCH=etag,
        **basic_auth("sam"),
    )
    body = assert_contract(response, 412, "failed_precondition", param="If-Match")
    assert response["ETag"] != etag and body["code"] == "failed_precondition"
    assert Product.objects.get(sku="MUG-1").stock == 4


@pytest.mark.parametrize("url", ["/api/test/limited/ip/", "/api/stock/MUG-1/", "/api/products/"])
def test_a_client_address_that_is_no_ip_is_400_not_500(client, mug, url):
    """uvicorn takes REMOTE_ADDR from X-Forwarded-For when it trusts the proxy: a client's
    text there must not crash django-ratelimit's IP key."""
    for address in ("nope", "1.2.3.4.5", "::zz"):
        response = client.get(url, REMOTE_ADDR=address)
        assert_contract(response, 400, "bad_request")
