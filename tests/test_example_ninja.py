"""The example's Django Ninja API at /api/v2/: every status each operation documents,
reached by a real request through the whole stack (Django's test client, the middleware)
and checked against the contract and the operation's documented schema; and the OpenAPI
document it serves.

Two statuses need more than a request: a 500 needs a fault, here a database error raised
where the ORM fetches rows; a 415 needs a Content-Type whose charset is no text codec,
which only the example's WSGI entry point (`django_apierrors.wsgi`, what `make run`
serves) refuses. Django's test client builds its requests with Django's own handler, so
the 415's requests go through that entry point directly.
"""

import io
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import signals
from django.db import DatabaseError, close_old_connections, connection
from django.test import Client, override_settings
from model_bakery import baker
from openapi_spec_validator import validate as validate_openapi

from django_apierrors.wsgi import APIErrorsWSGIHandler
from shop.models import Account, Order, Product
from shop.ninja_api import api

from .conftest import basic_auth, post_json
from .contract import assert_contract
from .schema_tools import validate

pytestmark = pytest.mark.django_db

PREFIX = "/api/v2"
UNSET: Any = object()
#: The example's rate limits, each down to one request a minute.
ONE_A_MINUTE = {
    "CATALOG_READ_RATE": "1/m",
    "STOCK_RATE": "1/m",
}
#: A cache nothing listens behind: the limits cannot count (fail closed: 503).
DEAD_CACHE = {
    "CACHES": {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    },
    "RATELIMIT_USE_CACHE": "default",
}
ORDER = {"items": [{"sku": "MUG-1", "qty": 2}]}
PRODUCT = {"sku": "TEE-M", "name": "T-shirt, medium", "price": "19.00", "stock": 12}


@pytest.fixture(autouse=True)
def shop(customer, staff, mug):
    """carol (a customer, 100.00 on her account), sam (staff) and MUG-1 (9.50, 5 left)."""


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix=PREFIX + "/")))


def orders_rate(rate: str) -> dict[str, Any]:
    """The settings with the "orders" rate (ORDERS_RATE) at `rate`."""
    return {
        "REST_FRAMEWORK": {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"orders": rate}}
    }


@contextmanager
def database_fault() -> Iterator[None]:
    """Every query fails with an error nobody expects (a 500), through Django's own
    database instrumentation (`connection.execute_wrapper`)."""

    def fail(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        raise DatabaseError("simulated database fault")

    with connection.execute_wrapper(fail):
        yield


@dataclass
class WireResponse:
    """A response read off the WSGI interface, shaped as `assert_contract` reads one."""

    status_code: int
    headers: dict[str, str]
    content: bytes

    def __getitem__(self, name: str) -> str:
        return self.headers[name.lower()]

    def __contains__(self, name: str) -> bool:
        return name.lower() in self.headers

    def get(self, name: str, default: Any = None) -> Any:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        return json.loads(self.content)


def through_the_wsgi_entry_point(
    method: str, path: str, content_type: str, body: bytes, headers: dict[str, str]
) -> WireResponse:
    """A request as `make run` (runserver on example_project.wsgi) receives it."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "SERVER_NAME": "testserver",
        **headers,
    }
    setup_testing_defaults(environ)
    started: list[Any] = []

    def start_response(status: str, response_headers: list[Any], exc_info: Any = None) -> Any:
        started.extend([status, response_headers])
        return lambda data: None

    # As Django's test client does: the test's transaction keeps its connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        chunks = APIErrorsWSGIHandler()(environ, start_response)
        content = b"".join(chunks)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    status, header_list = started
    return WireResponse(int(status.split()[0]), {k.lower(): v for k, v in header_list}, content)


Send = Callable[[Client], Any]
Check = Callable[[Any, dict[str, Any]], object]

CAROL = basic_auth("carol")
SAM = basic_auth("sam")


def get(path: str, **extra: Any) -> Send:
    return lambda client: client.get(PREFIX + path, **extra)


def post(path: str, data: Any, **extra: Any) -> Send:
    return lambda client: post_json(client, PREFIX + path, data, **extra)


def other_method(method: str, path: str) -> Send:
    return lambda client: client.generic(method, PREFIX + path)


def limited(send: Send, orders: bool = False) -> Send:
    """The response once the limit (down to one a minute) was used up."""

    def exhausted(client: Client) -> Any:
        overrides = orders_rate("1/minute") if orders else ONE_A_MINUTE
        with override_settings(**overrides):
            send(client)
            return send(client)

    return exhausted


def faulty(send: Send) -> Send:
    def with_fault(client: Client) -> Any:
        with database_fault():
            return send(client)

    return with_fault


def dead_cache(send: Send) -> Send:
    def without_cache(client: Client) -> Any:
        with override_settings(**DEAD_CACHE):
            return send(client)

    return without_cache


def too_large(path: str, **auth: Any) -> Send:
    body = json.dumps({"items": [{"sku": "MUG-1", "qty": 1}] * 5000})  # > 64 KiB
    return lambda client: client.post(PREFIX + path, body, content_type="application/json", **auth)


def unreadable_charset(path: str, **auth: str) -> Send:
    return lambda client: through_the_wsgi_entry_point(
        "POST", PREFIX + path, "application/json; charset=rot13", b"{}", auth
    )


def expensive_order(client: Client) -> Any:
    baker.make(Product, sku="TV-1", name="Television", price=Decimal("500.00"), stock=3)
    return post_json(client, PREFIX + "/orders", {"items": [{"sku": "TV-1", "qty": 1}]}, **CAROL)


def session_without_csrf_token(client: Client) -> Any:
    session = Client(enforce_csrf_checks=True, raise_request_exception=False)
    session.force_login(User.objects.get(username="carol"))
    return post_json(session, PREFIX + "/orders", ORDER)


# What each case checks besides the contract and the documented schema.


def rate_headers(response: Any, body: dict[str, Any]) -> None:
    assert int(response["Retry-After"]) >= 1
    assert response["X-RateLimit-Limit"] == "1"
    assert response["X-RateLimit-Remaining"] == "0"
    assert int(response["X-RateLimit-Reset"]) > 0
    assert body["meta"]["limit"] == 1
    assert body["meta"]["retry_after"] == int(response["Retry-After"])


def unavailable(response: Any, body: dict[str, Any]) -> None:
    assert response["Retry-After"] == "5"
    assert "X-RateLimit-Limit" not in response


def basic_challenge(response: Any, body: dict[str, Any]) -> None:
    assert response["WWW-Authenticate"] == 'Basic realm="api"'


def allows(methods: str) -> Check:
    return lambda response, body: sorted(response["Allow"].split(", ")) == methods.split()


def errors_at(*expected: tuple[str, ...]) -> Check:
    """Each error's param, pointer and location (and code, where given)."""

    def check(response: Any, body: dict[str, Any]) -> None:
        keys = ["param", "pointer", "location", "code"][: len(expected[0])]
        assert [tuple(e[key] for key in keys) for e in body["errors"]] == list(expected)

    return check


def meta(expected: dict[str, Any]) -> Check:
    return lambda response, body: body["meta"] == expected


def listed(response: Any, body: dict[str, Any]) -> None:
    mug = {"sku": "MUG-1", "name": "Mug", "price": "9.50", "stock": 5, "version": 1}
    assert body == {"count": 1, "results": [mug]}


def created(response: Any, body: dict[str, Any]) -> None:
    assert body == {**PRODUCT, "version": 1}
    assert Product.objects.filter(sku="TEE-M").exists()


def ordered(response: Any, body: dict[str, Any]) -> None:
    assert body["items"] == [{"sku": "MUG-1", "qty": 2, "unit_price": "9.50"}]
    assert body["total"] == "19.00"
    mug = Product.objects.get(sku="MUG-1")
    assert (mug.stock, mug.version) == (3, 2)
    assert Account.objects.get(user__username="carol").balance == Decimal("81.00")


@dataclass
class Case:
    operation: str  # "GET /products/{sku}", the path as the schema names it
    status: int
    send: Send
    code: str | None = None  # None: a success
    param: Any = UNSET
    check: Check | None = None

    def __str__(self) -> str:
        return f"{self.operation} {self.status}"


#: More query fields than DATA_UPLOAD_MAX_NUMBER_FIELDS (1000) lets Django read.
TOO_MANY_FIELDS = "&".join(f"f{i}=1" for i in range(1001))
BAD_QTY = {"items": [{"sku": "MUG-1", "qty": 1}, {"sku": "MUG-1", "qty": 0}]}
IN_THE_PATH = errors_at(("sku", "/sku", "path"))

CASES = [
    Case("GET /products", 200, get("/products?q=mug&max_price=10&limit=5"), check=listed),
    Case(
        "GET /products",
        400,
        get("/products?max_price=abc"),
        "validation_failed",
        param="max_price",
        check=errors_at(("max_price", "/max_price", "query")),
    ),
    Case(
        "GET /products",
        405,
        other_method("DELETE", "/products"),
        "method_not_allowed",
        check=allows("GET POST"),
    ),
    Case("GET /products", 413, get("/products?" + TOO_MANY_FIELDS), "request_too_large"),
    Case("GET /products", 429, limited(get("/products")), "rate_limited", check=rate_headers),
    Case("GET /products", 500, faulty(get("/products")), "internal_error"),
    Case(
        "GET /products",
        503,
        dead_cache(get("/products")),
        "service_unavailable",
        check=unavailable,
    ),
    Case("POST /products", 201, post("/products", PRODUCT, **SAM), check=created),
    Case(
        "POST /products",
        400,
        post("/products", {**PRODUCT, "price": "-1"}, **SAM),
        "validation_failed",
        param="price",
        check=errors_at(("price", "/price", "body")),
    ),
    Case(
        "POST /products",
        401,
        post("/products", PRODUCT),
        "unauthenticated",
        check=basic_challenge,
    ),
    Case(
        "POST /products",
        403,
        post("/products", PRODUCT, **CAROL),
        "permission_denied",
        check=lambda response, body: (
            body["message"] == "Only staff members may change the catalog."
        ),
    ),
    Case(
        "POST /products",
        405,
        other_method("PUT", "/products"),
        "method_not_allowed",
        check=allows("GET POST"),
    ),
    Case(
        "POST /products",
        409,
        post("/products", {**PRODUCT, "sku": "MUG-1"}, **SAM),
        "already_exists",
        param="sku",
    ),
    Case("POST /products", 413, too_large("/products", **SAM), "request_too_large"),
    Case(
        "POST /products",
        415,
        unreadable_charset("/products", **SAM),
        "unsupported_media_type",
        param="Content-Type",
        check=meta({"charset": "rot13"}),
    ),
    Case("POST /products", 500, faulty(post("/products", PRODUCT, **SAM)), "internal_error"),
    Case("GET /products/{sku}", 200, get("/products/MUG-1")),
    Case(
        "GET /products/{sku}",
        400,
        get("/products/MUG.1"),
        "validation_failed",
        param="sku",
        check=IN_THE_PATH,
    ),
    Case("GET /products/{sku}", 404, get("/products/NOPE"), "not_found"),
    Case(
        "GET /products/{sku}",
        405,
        other_method("POST", "/products/MUG-1"),
        "method_not_allowed",
        check=allows("GET"),
    ),
    Case(
        "GET /products/{sku}",
        429,
        limited(get("/products/MUG-1")),
        "rate_limited",
        check=rate_headers,
    ),
    Case("GET /products/{sku}", 500, faulty(get("/products/MUG-1")), "internal_error"),
    Case(
        "GET /products/{sku}",
        503,
        dead_cache(get("/products/MUG-1")),
        "service_unavailable",
        check=unavailable,
    ),
    Case(
        "GET /products/{sku}/stock",
        200,
        get("/products/MUG-1/stock"),
        check=lambda response, body: body == {"sku": "MUG-1", "stock": 5},
    ),
    Case(
        "GET /products/{sku}/stock",
        400,
        get("/products/%F0%9F%98%80/stock"),
        "validation_failed",
        param="sku",
        check=IN_THE_PATH,
    ),
    Case("GET /products/{sku}/stock", 404, get("/products/NOPE/stock"), "not_found"),
    Case(
        "GET /products/{sku}/stock",
        405,
        other_method("DELETE", "/products/MUG-1/stock"),
        "method_not_allowed",
        check=allows("GET"),
    ),
    Case(
        "GET /products/{sku}/stock",
        429,
        limited(get("/products/MUG-1/stock")),
        "rate_limited",
        check=rate_headers,
    ),
    Case("GET /products/{sku}/stock", 500, faulty(get("/products/MUG-1/stock")), "internal_error"),
    Case(
        "GET /products/{sku}/stock",
        503,
        dead_cache(get("/products/MUG-1/stock")),
        "service_unavailable",
        check=unavailable,
    ),
    Case("POST /orders", 201, post("/orders", ORDER, **CAROL), check=ordered),
    Case(
        "POST /orders",
        400,
        post("/orders", BAD_QTY, **CAROL),
        "validation_failed",
        param="items[1].qty",
        check=errors_at(("items[1].qty", "/items/1/qty", "body", "greater_than_equal")),
    ),
    Case("POST /orders", 401, post("/orders", ORDER), "unauthenticated", check=basic_challenge),
    Case(
        "POST /orders",
        402,
        expensive_order,
        "insufficient_balance",
        check=meta({"balance": "100.00", "total": "500.00"}),
    ),
    Case("POST /orders", 403, session_without_csrf_token, "csrf_failed"),
    Case(
        "POST /orders",
        405,
        other_method("GET", "/orders"),
        "method_not_allowed",
        check=allows("POST"),
    ),
    Case("POST /orders", 413, too_large("/orders", **CAROL), "request_too_large"),
    Case(
        "POST /orders",
        415,
        unreadable_charset("/orders", **CAROL),
        "unsupported_media_type",
        param="Content-Type",
    ),
    Case(
        "POST /orders",
        422,
        post("/orders", {"items": [{"sku": "MUG-1", "qty": 6}]}, **CAROL),
        "out_of_stock",
        param="items[0].qty",
        check=meta({"available": 5}),
    ),
    Case(
        "POST /orders",
        429,
        limited(post("/orders", ORDER, **CAROL), orders=True),
        "rate_limited",
        check=rate_headers,
    ),
    Case("POST /orders", 500, faulty(post("/orders", ORDER, **CAROL)), "internal_error"),
    Case(
        "POST /orders",
        503,
        dead_cache(post("/orders", ORDER, **CAROL)),
        "service_unavailable",
        check=unavailable,
    ),
]


def documented_statuses(schema: dict[str, Any]) -> set[str]:
    return {
        f"{method.upper()} {path.removeprefix(PREFIX)} {status}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for status in operation["responses"]
    }


def response_schema(schema: dict[str, Any], case: Case) -> dict[str, Any]:
    method, path = case.operation.split()
    operation = schema["paths"][PREFIX + path][method.lower()]
    return operation["responses"][str(case.status)]["content"]["application/json"]["schema"]


def test_every_documented_status_has_its_case(schema):
    cases = [str(case) for case in CASES]
    assert len(cases) == len(set(cases))
    assert documented_statuses(schema) == set(cases)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_every_documented_status_is_reached(client, schema, case):
    response = case.send(client)
    assert response.status_code == case.status, response.content[:500]
    if case.code is None:
        body = response.json()
    else:
        param = {} if case.param is UNSET else {"param": case.param}
        body = assert_contract(response, case.status, case.code, **param)
    # The body the operation documents for this status.
    validate(response.json(), response_schema(schema, case), schema["components"])
    if case.check is not None:
        assert case.check(response, body) is not False


# --- the details ----------------------------------------------------------------------


def test_query_errors_name_each_query_parameter(client):
    response = client.get(PREFIX + "/products?q=&max_price=100000000&limit=0&offset=-1")
    body = assert_contract(response, 400, "validation_failed", param=None)
    assert [(e["param"], e["pointer"], e["location"], e["code"]) for e in body["errors"]] == [
        ("q", "/q", "query", "string_too_short"),
        ("max_price", "/max_price", "query", "decimal_whole_digits"),
        ("limit", "/limit", "query", "greater_than_equal"),
        ("offset", "/offset", "query", "greater_than_equal"),
    ]
    assert [e["message"] for e in body["errors"]] == [
        "String should have at least 1 character",  # pydantic's: Ninja drops the input
        "Ensure that there are no more than 8 digits before the decimal point.",
        "Ensure this value is greater than or equal to 1.",
        "Ensure this value is greater than or equal to 0.",
    ]
    assert body["message"] == "4 parameters are invalid."
    control = assert_contract(client.get(PREFIX + "/products?q=a%00b"), 400, "validation_failed")
    assert control["errors"][0]["param"] == "q"
    assert control["errors"][0]["location"] == "query"


def test_body_errors_name_each_nested_input(client):
    items = [{"sku": "MUG-1", "qty": 1}, {"sku": "no such sku!", "qty": "many"}, {}]
    response = post_json(client, PREFIX + "/orders", {"items": items}, **CAROL)
    body = assert_contract(response, 400, "validation_failed", param=None)
    assert [(e["param"], e["pointer"], e["location"], e["code"]) for e in body["errors"]] == [
        ("items[1].sku", "/items/1/sku", "body", "string_pattern_mismatch"),
        ("items[1].qty", "/items/1/qty", "body", "int_parsing"),
        ("items[2].sku", "/items/2/sku", "body", "missing"),
        ("items[2].qty", "/items/2/qty", "body", "missing"),
    ]
    assert [e["message"] for e in body["errors"]] == [
        "Enter a valid value.",
        "Enter a whole number.",
        "This field is required.",
        "This field is required.",
    ]


def test_an_unknown_sku_is_a_field_error_of_its_item(client):
    items = [{"sku": "MUG-1", "qty": 1}, {"sku": "NOPE", "qty": 1}]
    response = post_json(client, PREFIX + "/orders", {"items": items}, **CAROL)
    body = assert_contract(response, 400, "validation_failed", param="items[1].sku")
    assert [(e["pointer"], e["location"], e["code"]) for e in body["errors"]] == [
        ("/items/1/sku", "body", "does_not_exist")
    ]


def test_one_sku_on_several_lines_is_checked_against_the_stock_together(client):
    items = [{"sku": "MUG-1", "qty": 3}, {"sku": "MUG-1", "qty": 3}]
    response = post_json(client, PREFIX + "/orders", {"items": items}, **CAROL)
    body = assert_contract(response, 422, "out_of_stock", param="items[1].qty")
    assert body["meta"] == {"available": 2}
    assert Product.objects.get(sku="MUG-1").stock == 5


def test_a_body_that_is_no_json_is_a_parse_error(client):
    response = client.post(PREFIX + "/orders", "{oops", content_type="application/json", **CAROL)
    assert_contract(response, 400, "parse_error")


@pytest.mark.parametrize("path", ["/products", "/orders"])
def test_401_without_and_with_wrong_credentials(client, path):
    without = post_json(client, PREFIX + path, {})
    body = assert_contract(without, 401, "unauthenticated")
    assert body["message"] == "Authentication credentials were not provided."
    assert without["WWW-Authenticate"] == 'Basic realm="api"'
    for auth in [basic_auth("carol", "wrong"), {"HTTP_AUTHORIZATION": "Basic !!"}]:
        wrong = post_json(client, PREFIX + path, {}, **auth)
        assert_contract(wrong, 401, "authentication_failed")
        assert wrong["WWW-Authenticate"] == 'Basic realm="api"'


def test_an_inactive_user_is_not_authenticated(client, customer):
    customer.is_active = False
    customer.save()
    response = post_json(client, PREFIX + "/orders", ORDER, **CAROL)
    assert_contract(response, 401, "authentication_failed")


def test_a_customer_is_refused_before_the_body_is_read(client):
    response = client.post(PREFIX + "/products", "{oops", content_type="application/json", **CAROL)
    assert_contract(response, 403, "permission_denied")


def test_a_logged_in_session_orders_with_its_csrf_token(customer):
    session = Client(enforce_csrf_checks=True)
    session.force_login(customer)
    token = "a" * 32
    session.cookies["csrftoken"] = token
    response = post_json(session, PREFIX + "/orders", ORDER, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content


def test_the_orders_throttle_counts_per_user(client, staff):
    with override_settings(**orders_rate("1/minute")):
        assert post_json(client, PREFIX + "/orders", ORDER, **CAROL).status_code == 201
        assert_contract(post_json(client, PREFIX + "/orders", ORDER, **CAROL), 429, "rate_limited")
        # sam has a quota of his own (and no balance).
        response = post_json(client, PREFIX + "/orders", ORDER, **SAM)
        assert_contract(response, 402, "insufficient_balance")


def test_the_stock_limit_counts_per_ip(client):
    with override_settings(STOCK_RATE="2/m"):
        first = client.get(PREFIX + "/products/MUG-1/stock")
        assert (first["X-RateLimit-Limit"], first["X-RateLimit-Remaining"]) == ("2", "1")
        client.get(PREFIX + "/products/MUG-1/stock")
        assert_contract(client.get(PREFIX + "/products/MUG-1/stock"), 429, "rate_limited")
        other = client.get(PREFIX + "/products/MUG-1/stock", REMOTE_ADDR="10.0.0.2")
        assert other.status_code == 200


def test_a_failed_order_writes_nothing(client):
    items = [{"sku": "MUG-1", "qty": 2}, {"sku": "MUG-1", "qty": 4}]
    response = post_json(client, PREFIX + "/orders", {"items": items}, **CAROL)
    assert_contract(response, 422, "out_of_stock")
    assert Order.objects.count() == 0
    assert Account.objects.get(user__username="carol").balance == Decimal("100.00")


def test_problem_json_when_asked(client):
    response = client.get(PREFIX + "/products/NOPE", HTTP_ACCEPT="application/problem+json")
    body = assert_contract(response, 404, "not_found")
    assert response["Content-Type"] == "application/problem+json"
    assert body["status"] == 404


# --- DEBUG on and off ------------------------------------------------------------------


def without_debug(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in {"debug", "request_id"}}


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_a_validation_error_with_debug_on_and_off(client, debug):
    items = [{"sku": "MUG-1", "qty": 1}, {"sku": "MUG-1", "qty": 0}]
    with override_settings(DEBUG=debug):
        response = post_json(client, PREFIX + "/orders", {"items": items}, **CAROL)
    body = assert_contract(response, 400, "validation_failed", param="items[1].qty", debug=debug)
    assert without_debug(body)["errors"] == [
        {
            "message": "Ensure this value is greater than or equal to 1.",
            "code": "greater_than_equal",
            "param": "items[1].qty",
            "pointer": "/items/1/qty",
            "location": "body",
        }
    ]


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_an_unexpected_exception_with_debug_on_and_off(client, debug, caplog):
    with override_settings(DEBUG=debug), database_fault():
        response = client.get(PREFIX + "/products/MUG-1")
    body = assert_contract(response, 500, "internal_error", debug=debug)
    assert without_debug(body) == {
        "message": "An internal error occurred. Quote the request id when reporting it.",
        "type": "api_error",
        "code": "internal_error",
        "param": None,
        "status": 500,
        "retryable": True,
    }
    text = response.content.decode()
    assert ("simulated database fault" in text) is debug
    assert body["request_id"] == response["X-Request-ID"]
    assert any(r.name == "django.request" and r.exc_info for r in caplog.records)


# --- the OpenAPI document --------------------------------------------------------------


def test_the_schema_is_served_and_valid_openapi_3_1(client, schema):
    response = client.get(PREFIX + "/openapi.json")
    assert response.status_code == 200
    served = response.json()
    assert served == schema
    assert served["openapi"] == "3.1.0"
    assert served["info"]["title"] == "Shop API v2"
    validate_openapi(served)
    assert {"ErrorResponse", "ProblemDetails", "Error404"} <= set(served["components"]["schemas"])


def test_each_operation_documents_its_errors(schema):
    operations = [
        (path, operation)
        for path, methods in schema["paths"].items()
        for operation in methods.values()
    ]
    assert len(operations) == 5
    for path, operation in operations:
        statuses = {int(status) for status in operation["responses"]}
        parameters = operation.get("parameters", [])
        assert 500 in statuses, path
        if any(parameter["in"] == "path" for parameter in parameters):
            assert 404 in statuses, path
        if operation.get("security"):
            assert {401, 403} <= statuses, path
        else:
            assert not {401, 403} & statuses, path
        for status in statuses - {200, 201}:
            content = operation["responses"][str(status)]["content"]
            assert content["application/json"]["schema"] == {
                "$ref": f"#/components/schemas/Error{status}"
            }
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/ProblemDetails"
            }


def test_the_documented_codes_of_the_shop(schema):
    components = schema["components"]["schemas"]
    assert "out_of_stock" in components["Error422Code"]["enum"]
    assert "insufficient_balance" in components["Error402Code"]["enum"]
    assert "csrf_failed" in components["Error403Code"]["enum"]


def test_the_docs_page_loads_nothing_from_another_host(client):
    response = client.get(PREFIX + "/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert not re.search(r"(?:https?:)?//[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", page)
    assert 'url: "/api/v2/openapi.json"' in page
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert len(assets) == 4
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
