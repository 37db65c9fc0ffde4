"""One code, one message: where DRF raises one of its own exceptions with its own text, the
body carries the catalog's message for the code (the one the errors page shows); what the
client sent (a method, a media type, a charset, the JSON decoder's complaint) goes to
`param` or `meta`. A detail the developer wrote is shown as it is."""

import json
from decimal import Decimal

import pytest
import rest_framework
from model_bakery import baker
from rest_framework import exceptions as drf

from django_apierrors import catalog
from shop.models import Product
from tests.testapp import raising

from .conftest import basic_auth
from .contract import assert_contract

pytestmark = pytest.mark.django_db

DRF_VERSION = tuple(int(part) for part in rest_framework.__version__.split(".")[:2])


def catalog_message(code):
    return str(catalog.get(code).message)


def test_method_not_allowed(client, customer):
    response = client.delete("/api/orders/", **basic_auth("carol"))
    body = assert_contract(response, 405, "method_not_allowed", param=None)
    assert body["message"] == catalog_message("method_not_allowed")
    assert body["meta"] == {"method": "DELETE"}


def test_unsupported_media_type(client, staff):
    response = client.post(
        "/api/products/", "sku=A", content_type="text/x-weird", **basic_auth("sam")
    )
    body = assert_contract(response, 415, "unsupported_media_type", param="Content-Type")
    assert body["message"] == catalog_message("unsupported_media_type")
    assert body["meta"] == {"media_type": "text/x-weird"}
    assert "weird" not in body["message"]


def test_malformed_json(client, customer):
    response = client.post(
        "/api/orders/", "{oops", content_type="application/json", **basic_auth("carol")
    )
    body = assert_contract(response, 400, "parse_error", param=None)
    assert body["message"] == catalog_message("parse_error")
    assert body["meta"]["reason"].startswith("Expecting property name enclosed in double quotes")


@pytest.mark.skipif(
    DRF_VERSION < (3, 18),
    reason="DRF refuses a charset that is no text codec from 3.18 on (its ParseError text)",
)
def test_unsupported_charset(client, customer):
    response = client.generic(
        "POST",
        "/api/orders/",
        b'{"items": []}',
        content_type="application/json; charset=zlib_codec",
        **basic_auth("carol"),
    )
    body = assert_contract(response, 400, "parse_error", param="Content-Type")
    assert body["message"] == catalog_message("parse_error")
    assert body["meta"] == {"charset": "zlib_codec"}


def test_not_acceptable(client):
    body = assert_contract(
        client.get("/api/products/", HTTP_ACCEPT="application/xml"), 406, "not_acceptable"
    )
    assert body["message"] == catalog_message("not_acceptable")


def test_authentication_and_permission(client, customer):
    payload = json.dumps({"sku": "A"})
    anonymous = client.post("/api/products/", payload, content_type="application/json")
    assert assert_contract(anonymous, 401, "unauthenticated")["message"] == catalog_message(
        "unauthenticated"
    )
    wrong = client.post(
        "/api/products/", payload, content_type="application/json", **basic_auth("carol", "x")
    )
    # DRF's BasicAuthentication wrote this text for this case; it is shown like a developer's.
    assert assert_contract(wrong, 401, "authentication_failed")["message"] == (
        "Invalid username/password."
    )
    denied = client.post(
        "/api/products/", payload, content_type="application/json", **basic_auth("carol")
    )
    assert assert_contract(denied, 403, "permission_denied")["message"] == catalog_message(
        "permission_denied"
    )


def test_throttled(client, customer):
    baker.make(Product, sku="PEN-1", price=Decimal("1.00"), stock=100)
    order = json.dumps({"items": [{"sku": "PEN-1", "quantity": 1}]})
    for _ in range(11):
        response = client.post(
            "/api/orders/", order, content_type="application/json", **basic_auth("carol")
        )
    body = assert_contract(response, 429, "rate_limited")
    assert body["message"] == catalog_message("rate_limited")
    assert "Expected available" not in response.content.decode()


class Gone(drf.NotFound):
    default_detail = "This product is gone for good."


@pytest.mark.parametrize(
    ("factory", "status", "code", "message"),
    [
        (drf.NotFound, 404, "not_found", None),
        (
            lambda: drf.NotFound("Product MUG-1 is archived."),
            404,
            "not_found",
            "Product MUG-1 is archived.",
        ),
        (Gone, 404, "not_found", "This product is gone for good."),
        (lambda: drf.PermissionDenied(code="quota_exceeded"), 403, "quota_exceeded", None),
        (
            lambda: drf.PermissionDenied("Over quota.", code="quota_exceeded"),
            403,
            "quota_exceeded",
            "Over quota.",
        ),
        (lambda: drf.MethodNotAllowed("BREW"), 405, "method_not_allowed", None),
        (
            lambda: drf.MethodNotAllowed("BREW", detail="Use PUT."),
            405,
            "method_not_allowed",
            "Use PUT.",
        ),
        (lambda: drf.Throttled(wait=1), 429, "rate_limited", None),
        (
            lambda: drf.Throttled(wait=3, detail="Slow down."),
            429,
            "rate_limited",
            "Slow down. Expected available in 3 seconds.",
        ),
        (drf.APIException, 500, "internal_error", None),
        (
            lambda: drf.APIException({"detail": "Ledger locked.", "code": "ledger"}),
            500,
            "internal_error",
            "Ledger locked.",
        ),
        (
            lambda: drf.ValidationError({"detail": "Nothing to validate."}),
            400,
            "validation_failed",
            "Nothing to validate.",
        ),
    ],
)
def test_drf_exceptions_raised_by_a_view(client, monkeypatch, factory, status, code, message):
    monkeypatch.setitem(raising.EXCEPTIONS, "probe", factory)
    body = assert_contract(client.get("/api/test/drf/raise/probe/"), status, code)
    assert body["message"] == (catalog_message(code) if message is None else message)
    assert "errors" not in body
    assert "BREW" not in body["message"]
