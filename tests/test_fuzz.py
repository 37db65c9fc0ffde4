"""Fuzzing every example-project endpoint with hypothesis (a fixed example budget): random
methods, paths, headers, query strings and bodies (invalid UTF-8, deep nesting, huge numbers,
wrong types). Every response carries a valid X-Request-ID; no input makes a 5xx; every error
on an API path is JSON (never an HTML page) and its body satisfies a JSON Schema generated
from the catalog."""

import base64
import json
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_bakery import baker

from django_apierrors import catalog
from django_apierrors.openapi import error_response_schema, problem_details_schema
from django_apierrors.request_id import is_valid_request_id
from shop.models import Account, Product

from .conftest import PASSWORD
from .schema_tools import validate

EXAMPLES = 600

ENDPOINTS = [
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
    "/api/schema/",
]

# The error body, from the catalog: every documented code, nothing else.
CODES = sorted(entry.code for entry in catalog)
ERROR_SCHEMA = error_response_schema(code_schema={"type": "string", "enum": CODES})
PROBLEM_SCHEMA = problem_details_schema()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(
                ["items", "products", "sku", "name", "price", "quantity", "stock", "q", "postcode"]
            )
            | st.text(max_size=10),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


def deep(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


bodies = st.one_of(
    st.just(b""),
    st.binary(max_size=200),  # invalid UTF-8 and garbage
    json_values.map(lambda value: json.dumps(value).encode()),
    st.integers(min_value=100, max_value=5000).map(lambda depth: deep(depth).encode()),
    st.builds(
        lambda sku, qty: json.dumps({"items": [{"sku": sku, "quantity": qty}]}).encode(),
        st.sampled_from(["MUG-1", "NOPE", "", "\x00"]) | st.text(max_size=8),
        st.integers(min_value=-(10**30), max_value=10**30) | st.text(max_size=5),
    ),
)

paths = st.one_of(
    st.sampled_from(ENDPOINTS),
    st.builds(
        lambda base, tail: base + quote(tail, safe="/%") + "/",
        st.sampled_from(["/api/products/", "/api/catalog/", "/api/", "/"]),
        st.text(max_size=12),
    ),
    st.sampled_from(["/api/products/%00/", "/api/%FF/", "/api/catalog/%E2%28/", "//api"]),
)

header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=60)


@st.composite
def requests(draw):
    method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]))
    headers = {}
    if draw(st.booleans()):
        headers["HTTP_ACCEPT"] = draw(
            st.sampled_from(
                [
                    "application/json",
                    "application/problem+json",
                    "text/html",
                    "*/*",
                    "application/xml",
                    "application/problem+json;q=0.5, */*",
                ]
            )
            | header_text
        )
    if draw(st.booleans()):
        headers["HTTP_X_REQUEST_ID"] = draw(st.sampled_from(["ok-id", "a" * 129]) | header_text)
    if draw(st.booleans()):
        headers["HTTP_IDEMPOTENCY_KEY"] = draw(st.sampled_from(["key-1", ""]) | header_text)
    auth = draw(st.sampled_from([None, "staff", "garbage"]))
    if auth == "staff":
        token = base64.b64encode(f"sam:{PASSWORD}".encode()).decode()
        headers["HTTP_AUTHORIZATION"] = f"Basic {token}"
    elif auth == "garbage":
        headers["HTTP_AUTHORIZATION"] = draw(header_text)
    query = draw(
        st.dictionaries(
            st.sampled_from(["q", "postcode", "max_price", "format"]) | st.text(max_size=5),
            st.text(max_size=20),
            max_size=3,
        )
    )
    content_type = draw(
        st.sampled_from(
            [
                "application/json",
                "application/x-www-form-urlencoded",
                "text/plain",
                "multipart/form-data; boundary=x",
                "application/json; charset=latin-1",
            ]
        )
        | header_text
    )
    return {
        "method": method,
        "path": draw(paths),
        "query": "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items()),
        "body": draw(bodies),
        "content_type": content_type,
        "headers": headers,
    }


@pytest.fixture
def shop(db, httpserver):
    staff = baker.make(User, username="sam", is_staff=True)
    staff.set_password(PASSWORD)
    staff.save()
    baker.make(Account, user=staff, balance=Decimal("100"))
    baker.make(Product, sku="MUG-1", name="Mug", price=Decimal("9.50"), stock=100)
    httpserver.expect_request("/quote").respond_with_json({"price": "4.90", "carrier": "Acme"})
    with override_settings(SHIPPING_API_URL=httpserver.url_for("/")):
        yield


def test_no_input_breaks_the_contract(shop):
    client = Client(raise_request_exception=False)

    @given(request=requests())
    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(request):
        response = client.generic(
            request["method"],
            request["path"],
            data=request["body"],
            content_type=request["content_type"],
            QUERY_STRING=request["query"],
            **request["headers"],
        )
        described = f"{request['method']} {request['path']}?{request['query']}"
        assert is_valid_request_id(response.get("X-Request-ID")), described
        assert response.status_code < 500, (described, response.content[:300])
        if response.status_code < 400 or request["method"] == "HEAD":
            return
        if not response.wsgi_request.path_info.startswith("/api/"):
            return  # outside PATH_PREFIXES Django's own pages are kept, by design
        content_type = response["Content-Type"]
        assert content_type in ("application/json", "application/problem+json"), (
            described,
            content_type,
            response.content[:200],
        )
        document = json.loads(response.content)
        if content_type == "application/json":
            validate(document, ERROR_SCHEMA)
            assert document["request_id"] == response["X-Request-ID"]
        else:
            validate(document, PROBLEM_SCHEMA)

    check()
