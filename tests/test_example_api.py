"""Every status of the catalog, reached by real requests to the example shop's endpoints,
with DEBUG off and on: the same status, code and body, DEBUG adding only `debug`."""

import json
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from model_bakery import baker
from werkzeug import Response as UpstreamResponse

from django_apierrors import catalog
from shop.models import Account, Order, OrderItem, Product

from .conftest import basic_auth, post_json, requires_postgres
from .contract import assert_contract

pytestmark = pytest.mark.django_db

REACHED: set[tuple[bool, int]] = set()


@pytest.fixture(autouse=True, params=[False, True], ids=["debug-off", "debug-on"])
def debug(request):
    with override_settings(DEBUG=request.param):
        yield request.param


@pytest.fixture
def check(debug):
    def check(response, status, code, **kwargs):
        REACHED.add((debug, status))
        return assert_contract(response, status, code, debug=debug, **kwargs)

    return check


def without_debug(body):
    """What a client sees whatever DEBUG is (`debug` shows the exception, by design)."""
    return {key: value for key, value in body.items() if key != "debug"}


def order(client, items, user="carol", **extra):
    return post_json(client, "/api/orders/", {"items": items}, **basic_auth(user), **extra)


# 400


def test_invalid_query_parameter(client, check):
    check(client.get("/api/products/?max_price=abc"), 400, "invalid_argument", param="max_price")
    assert client.get("/api/products/?max_price=10").status_code == 200


def test_invalid_order_fields(client, check, customer, mug):
    body = check(
        order(client, [{"sku": "MUG-1", "quantity": 0}, {"sku": "NOPE", "quantity": 1}]),
        400,
        "validation_failed",
        param=None,
    )
    assert [(e["param"], e["code"]) for e in body["errors"]] == [
        ("items[0].quantity", "min_value"),
        ("items[1].sku", "does_not_exist"),
    ]
    assert body["message"] == "2 parameters are invalid."


def test_malformed_json(client, check, customer):
    response = client.post(
        "/api/orders/", "{oops", content_type="application/json", **basic_auth("carol")
    )
    check(response, 400, "parse_error")
    check(
        client.post("/api/catalog/import/", "{oops", content_type="application/json"),
        400,
        "parse_error",
    )


def test_bad_host(client, check):
    check(client.get("/api/products/", HTTP_HOST="attacker.example"), 400, "bad_request")


# 401, 402, 403


def test_missing_and_wrong_credentials(client, check, customer):
    response = post_json(client, "/api/products/", {"sku": "A"})
    check(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"] == 'Basic realm="api"'
    response = post_json(client, "/api/products/", {"sku": "A"}, **basic_auth("carol", "wrong"))
    check(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == 'Basic realm="api"'


def test_balance_too_low(client, check, customer):
    baker.make(Product, sku="TV-1", price=Decimal("500.00"), stock=3)
    body = check(order(client, [{"sku": "TV-1", "quantity": 1}]), 402, "insufficient_balance")
    assert body["type"] == "billing_error"
    assert body["meta"] == {"balance": "100.00", "total": "500.00"}
    assert not Order.objects.exists()


def test_customer_cannot_create_products(client, check, customer):
    check(
        post_json(client, "/api/products/", {"sku": "A"}, **basic_auth("carol")),
        403,
        "permission_denied",
    )


# 404, 405, 406


def test_unknown_product_everywhere(client, check):
    for url in ("/api/products/NOPE/", "/api/catalog/NOPE/", "/api/stock/NOPE/"):
        check(client.get(url), 404, "not_found")


def test_wrong_methods(client, check, customer, mug):
    response = client.delete("/api/orders/", **basic_auth("carol"))
    check(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]
    check(client.post("/api/catalog/MUG-1/"), 405, "method_not_allowed")
    check(client.post("/api/stock/MUG-1/"), 405, "method_not_allowed")


def test_unacceptable_media_type(client, check):
    check(client.get("/api/products/", HTTP_ACCEPT="application/xml"), 406, "not_acceptable")


# 409, 412, 413, 415, 422


def test_duplicate_sku(client, check, staff, mug):
    data = {"sku": "MUG-1", "name": "Another mug", "price": "3.00"}
    body = check(
        post_json(client, "/api/products/", data, **basic_auth("sam")),
        409,
        "already_exists",
        param="sku",
    )
    assert body["message"] == "A product with this SKU already exists."


def test_deleting_an_ordered_product(client, check, staff, customer, mug, debug):
    baker.make(
        OrderItem,
        product=mug,
        quantity=1,
        unit_price=mug.price,
        order=baker.make(Order, customer=customer, total=mug.price),
    )
    body = check(client.delete("/api/products/MUG-1/", **basic_auth("sam")), 409, "conflict")
    assert Product.objects.filter(sku="MUG-1").exists()
    if debug:
        assert body["debug"]["exception"] == "django.db.models.deletion.ProtectedError"
        assert body["debug"]["detail"].startswith("Cannot delete some instances of model")
    # The ProtectedError's text prints the protected OrderItems, which would query their
    # products: building `debug` says what it can without a query.
    executed: dict[bool, list[str]] = {False: [], True: []}
    for debug_on, queries in executed.items():

        def count(execute, sql, params, many, context, queries=queries):
            result = execute(sql, params, many, context)
            queries.append(sql)  # reached only by a query the database ran
            return result

        with override_settings(DEBUG=debug_on), connection.execute_wrapper(count):
            client.delete("/api/products/MUG-1/", **basic_auth("sam"))
    assert len(executed[True]) == len(executed[False])


def test_stale_etag(client, check, staff, mug):
    etag = client.get("/api/products/MUG-1/")["ETag"]
    fresh = client.patch(
        "/api/products/MUG-1/",
        {"stock": 9},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
        **basic_auth("sam"),
    )
    assert fresh.status_code == 200
    stale = client.patch(
        "/api/products/MUG-1/",
        {"stock": 1},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
        **basic_auth("sam"),
    )
    check(stale, 412, "failed_precondition", param="If-Match")
    assert stale["ETag"] == '"MUG-1-v2"'
    assert Product.objects.get(sku="MUG-1").stock == 9


def test_body_too_large(client, check):
    products = [{"sku": f"S{i}", "name": "x" * 100, "price": "1"} for i in range(1000)]
    payload = json.dumps({"products": products})
    assert len(payload) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    check(
        client.post("/api/catalog/import/", payload, content_type="application/json"),
        413,
        "request_too_large",
    )


def test_unsupported_content_type(client, check, staff):
    response = client.post(
        "/api/products/", "sku=A", content_type="text/plain", **basic_auth("sam")
    )
    check(response, 415, "unsupported_media_type")


def test_out_of_stock(client, check, customer, mug):
    body = check(
        order(client, [{"sku": "MUG-1", "quantity": 1}, {"sku": "MUG-1", "quantity": 6}]),
        422,
        "out_of_stock",
        param="items[1].quantity",
    )
    assert body["type"] == "validation_error"
    assert body["meta"] == {"available": 4}  # 5 left, 1 of them on the first line


# 429


def test_order_rate_limit(client, check, customer):
    baker.make(Product, sku="PEN-1", price=Decimal("1.00"), stock=100)
    for _ in range(10):
        assert order(client, [{"sku": "PEN-1", "quantity": 1}]).status_code == 201
    response = order(client, [{"sku": "PEN-1", "quantity": 1}])
    body = check(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert body["meta"]["retry_after"] == int(response["Retry-After"])
    assert Order.objects.count() == 10


# 5xx


@pytest.fixture
def carrier(httpserver):
    with override_settings(SHIPPING_API_URL=httpserver.url_for("/"), SHIPPING_API_TIMEOUT=0.5):
        yield httpserver


def test_shipping_quote(client, carrier):
    carrier.expect_request("/quote", query_string="postcode=69001").respond_with_json(
        {"price": "4.90", "carrier": "Acme"}
    )
    response = client.get("/api/shipping/quote/?postcode=69001")
    assert response.status_code == 200
    assert response.json() == {"postcode": "69001", "price": "4.90", "carrier": "Acme"}


def test_shipping_quote_bad_postcode(client, check, carrier):
    check(client.get("/api/shipping/quote/?postcode=!"), 400, "invalid_argument", param="postcode")


def test_shipping_not_configured(client, check, caplog):
    body = check(client.get("/api/shipping/quote/?postcode=69001"), 500, "internal_error")
    assert "SHIPPING_API_URL" not in json.dumps(without_debug(body))
    assert any("SHIPPING_API_URL" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_carrier_fails(client, check, carrier):
    carrier.expect_request("/quote").respond_with_data("oops", status=500)
    check(client.get("/api/shipping/quote/?postcode=69001"), 502, "bad_gateway")
    carrier.clear()
    carrier.expect_request("/quote").respond_with_data("<html>", status=200)
    check(client.get("/api/shipping/quote/?postcode=69001"), 502, "bad_gateway")


def test_carrier_briefly_down_is_a_503_with_its_retry_after(client, check, carrier):
    carrier.expect_request("/quote").respond_with_data(
        "busy", status=503, headers={"Retry-After": "7"}
    )
    response = client.get("/api/shipping/quote/?postcode=69001")
    check(response, 503, "service_unavailable")
    assert response["Retry-After"] == "7"
    carrier.clear()
    carrier.expect_request("/quote").respond_with_data("busy", status=503)
    response = client.get("/api/shipping/quote/?postcode=69001")
    check(response, 503, "service_unavailable")
    assert "Retry-After" not in response


def test_carrier_unreachable(client, check):
    with override_settings(SHIPPING_API_URL="http://127.0.0.1:9/"):
        check(client.get("/api/shipping/quote/?postcode=69001"), 502, "bad_gateway")


def test_carrier_too_slow(client, check, carrier):
    def slow(request):
        time.sleep(1.0)
        return UpstreamResponse("{}", content_type="application/json")

    carrier.expect_request("/quote").respond_with_handler(slow)
    check(client.get("/api/shipping/quote/?postcode=69001"), 504, "gateway_timeout")


def test_maintenance_mode(client, check):
    with override_settings(MAINTENANCE_MODE=True):
        response = client.get("/api/products/")
    body = check(response, 503, "service_unavailable")
    assert response["Retry-After"] == "120"
    assert body["message"] == "The shop is down for maintenance."


# success paths and the transaction


def test_order_is_placed(client, customer, mug):
    response = order(client, [{"sku": "MUG-1", "quantity": 2}])
    assert response.status_code == 201, response.content
    assert response.json()["total"] == "19.00"
    assert Account.objects.get(user=customer).balance == Decimal("81.00")
    assert Product.objects.get(sku="MUG-1").stock == 3


def test_import_creates_products(client):
    response = post_json(
        client, "/api/catalog/import/", {"products": [{"sku": "A-1", "name": "A", "price": "1.50"}]}
    )
    assert response.status_code == 201
    assert Product.objects.filter(sku="A-1").exists()


def test_import_field_errors_name_the_item(client, check):
    body = check(
        post_json(
            client,
            "/api/catalog/import/",
            {
                "products": [
                    {"sku": "A-1", "name": "A", "price": "1"},
                    {"sku": "bad sku", "name": "B", "price": "-1"},
                ]
            },
        ),
        400,
        "validation_failed",
        param=None,
    )
    assert [(e["param"], e["code"]) for e in body["errors"]] == [
        ("products[1].sku", "invalid_sku"),
        ("products[1].price", "min_value"),
    ]


def import_with_a_duplicate(client, check):
    """The database's unique constraint fails after a first row was written."""
    baker.make(Product, sku="DUP-1", price=Decimal("1"))
    before = Product.objects.count()
    response = post_json(
        client,
        "/api/catalog/import/",
        {
            "products": [
                {"sku": "NEW-1", "name": "New", "price": "2"},
                {"sku": "DUP-1", "name": "Dup", "price": "3"},
            ]
        },
    )
    body = check(response, 409, "conflict")
    assert "unique" not in json.dumps(without_debug(body)).lower()
    assert "DUP-1" not in json.dumps(without_debug(body))
    # ATOMIC_REQUESTS rolled back the row written before the failure.
    assert not Product.objects.filter(sku="NEW-1").exists()
    assert Product.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_duplicate_in_import_is_409_and_writes_nothing(client, check):
    import_with_a_duplicate(client, check)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_integrity_error_on_postgresql(client, check, staff, mug):
    assert connection.vendor == "postgresql"
    import_with_a_duplicate(client, check)
    # A DRF update that breaks the constraint: 409, and the version bump is rolled back too.
    response = client.patch(
        "/api/products/MUG-1/",
        {"sku": "DUP-1"},
        content_type="application/json",
        **basic_auth("sam"),
    )
    check(response, 409, "conflict")
    assert Product.objects.get(sku="MUG-1").version == 1


def test_every_catalog_status_was_reached(request):
    """Runs last in this module: the tests above reached every documented status."""
    selected = {
        item.originalname for item in request.session.items if item.module is request.module
    }
    defined = {name for name in globals() if name.startswith("test_")}
    if not defined <= selected | {"test_integrity_error_on_postgresql"}:
        pytest.skip("only meaningful when the whole module runs")
    expected = {(debug, entry.status) for entry in catalog for debug in (False, True)}
    assert expected <= REACHED, f"never reached: {sorted(expected - REACHED)}"


def test_values_postgresql_refuses_never_reach_it(client, customer, staff, mug):
    """A NUL byte in a SKU is a 400 or a 404, never a DataError (500) from PostgreSQL."""
    body = order(client, [{"sku": "MUG\x00", "quantity": 1}]).json()
    assert (body["status"], body["errors"][0]["param"]) == (400, "items[0].sku")
    created = post_json(
        client, "/api/products/", {"sku": "A\x00", "name": "x", "price": "1"}, **basic_auth("sam")
    )
    assert_contract(created, 400, "validation_failed", param="sku")
    for url in ("/api/products/MUG%00/", "/api/catalog/MUG%00/", "/api/stock/MUG%00/"):
        assert_contract(client.get(url), 404, "not_found")


def test_one_sku_on_several_lines_is_checked_against_the_stock_together(client, customer, mug):
    """MUG-1 has 5 left: two lines of 3 are out of stock, not a database conflict."""
    order = {"items": [{"sku": "MUG-1", "quantity": 3}, {"sku": "MUG-1", "quantity": 3}]}
    response = post_json(client, "/api/orders/", order, **basic_auth("carol"))
    body = assert_contract(response, 422, "out_of_stock", param="items[1].quantity")
    assert body["meta"]["available"] == 2


def test_a_negative_price_is_refused(client, staff):
    product = {"sku": "NEG-1", "name": "Negative", "price": "-10.00"}
    response = post_json(client, "/api/products/", product, **basic_auth("sam"))
    assert_contract(response, 400, "validation_failed", param="price")


def test_a_client_without_cookies_needs_no_csrf_token(staff):
    """curl, as the example's table writes the requests: CSRF is checked where a session
    cookie could have made the request, not for API clients without cookies."""
    curl = Client(enforce_csrf_checks=True)
    assert_contract(curl.post("/api/catalog/MUG-1/"), 405, "method_not_allowed")
    body = json.dumps({"products": [{"sku": "C-1", "name": "C", "price": "1.00"}]})
    created = curl.post("/api/catalog/import/", body, content_type="application/json")
    assert created.status_code == 201


def test_a_session_cookie_without_its_csrf_token_is_refused(staff):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    body = json.dumps({"products": [{"sku": "C-2", "name": "C", "price": "1.00"}]})
    refused = browser.post("/api/catalog/import/", body, content_type="application/json")
    assert_contract(refused, 403, "csrf_failed")
    assert not Product.objects.filter(sku="C-2").exists()
