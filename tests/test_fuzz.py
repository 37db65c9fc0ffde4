"""Fuzzing every example-project endpoint with hypothesis (a fixed example budget): random
methods (HEAD too), paths, headers, query strings and bodies (invalid UTF-8, JSON nested
deeper than Python recurses, numbers past what the database stores, NUL bytes, multipart,
oversized bodies, charsets that are no text codec), on DRF, plain and async views, through
the test client on the test database (SQLite, or PostgreSQL with DATABASE_URL) and over the
wire against the example project under gunicorn. Every response carries a valid
X-Request-ID; no input makes a 5xx; every error on an API path is JSON (never an HTML page)
and its body satisfies a JSON Schema generated from the catalog."""

import base64
import http.client
import json
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.test.client import ClientHandler
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_bakery import baker

from django_apierrors import catalog
from django_apierrors.openapi import error_response_schema, problem_details_schema
from django_apierrors.request_id import is_valid_request_id
from django_apierrors.unreadable import check_content_type, finish_request
from shop.models import Account, Product

from .conftest import EXAMPLE_ENDPOINTS, PASSWORD, examples
from .schema_tools import validate
from .servers import WireResponse, example_server

EXAMPLES = examples(600)
WIRE_EXAMPLES = examples(250)

ENDPOINTS = [*EXAMPLE_ENDPOINTS, "/api/schema/"]
#: Views that hand what they read to the database unvalidated (plain, async, DRF).
UNVALIDATED = [
    "/api/test/hostile/store/",
    "/api/test/hostile/astore/",
    "/api/test/drf/hostile/store/",
    "/api/test/hostile/echo/",
    "/api/test/hostile/aecho/",
    "/api/test/drf/hostile/echo/",
]

#: Values past what some database stores: 2**31 (PostgreSQL integer), 2**63 (SQLite).
edge_integers = st.sampled_from([2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1])
nul_text = st.sampled_from(["\x00", "a\x00b", "\x00" * 3])

# The error body, from the catalog: every documented code, nothing else.
CODES = sorted(entry.code for entry in catalog)
ERROR_SCHEMA = error_response_schema(code_schema={"type": "string", "enum": CODES})
PROBLEM_SCHEMA = problem_details_schema()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | edge_integers
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | nul_text,
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


def deep_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def multipart(fields: dict[str, str]) -> bytes:
    parts = [
        f'--x\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    upload = 'Content-Disposition: form-data; name="file"; filename="a.txt"'
    return ("".join(parts) + f"--x\r\n{upload}\r\n\r\ndata\r\n--x--\r\n").encode(
        "utf-8", "surrogatepass"
    )


bodies = st.one_of(
    st.just(b""),
    st.binary(max_size=200),  # invalid UTF-8 and garbage
    json_values.map(lambda value: json.dumps(value).encode()),
    st.integers(min_value=100, max_value=5000).map(lambda depth: deep(depth).encode()),
    st.integers(min_value=100, max_value=5000).map(lambda depth: deep_object(depth).encode()),
    st.builds(
        lambda sku, qty: json.dumps({"items": [{"sku": sku, "quantity": qty}]}).encode(),
        st.sampled_from(["MUG-1", "NOPE", "", "\x00"]) | st.text(max_size=8),
        st.integers(min_value=-(10**30), max_value=10**30) | edge_integers | st.text(max_size=5),
    ),
    st.builds(  # the fields a product has, with values past the database's ranges
        lambda sku, name, price, stock: json.dumps(
            {"sku": sku, "name": name, "price": price, "stock": stock}
        ).encode(),
        st.sampled_from(["FZ-1", "X" * 40]) | nul_text,
        st.sampled_from(["Mug", "x" * 300]) | nul_text,
        st.sampled_from(["1.00", "1e20", "1e999999999", "-1"]),
        edge_integers | st.integers(min_value=-5, max_value=5),
    ),
    st.dictionaries(
        st.sampled_from(["sku", "name", "price", "stock", "q"]),
        st.text(max_size=10) | nul_text,
        max_size=4,
    ).map(multipart),
    st.just(b'{"pad": "' + b"x" * (70 * 1024) + b'"}'),  # over DATA_UPLOAD_MAX_MEMORY_SIZE
)

paths = st.one_of(
    st.sampled_from(ENDPOINTS),
    st.sampled_from(UNVALIDATED),
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
            st.sampled_from(["q", "postcode", "max_price", "format", "version"])
            | st.text(max_size=5),
            st.text(max_size=20)
            | nul_text
            | st.sampled_from(["1e999999999", "99999999999", "-1e-999", "NaN"]),
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
        | st.builds(
            lambda media_type, charset: f"{media_type}; charset={charset}",
            st.sampled_from(
                [
                    "application/json",
                    "application/x-www-form-urlencoded",
                    "text/plain",
                    "multipart/form-data; boundary=x",
                ]
            ),
            st.sampled_from(
                ["rot13", "hex", "zlib_codec", "base64", "no-such", "utf-16", "utf-7", "latin-1"]
            ),
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
def shop(transactional_db, httpserver):
    # Every request commits on its own, as in production: a write the database refuses in
    # an async view (no ATOMIC_REQUESTS there) must not poison the next request.
    staff = baker.make(User, username="sam", is_staff=True)
    staff.set_password(PASSWORD)
    staff.save()
    baker.make(Account, user=staff, balance=Decimal("100"))
    baker.make(Product, sku="MUG-1", name="Mug", price=Decimal("9.50"), stock=100)
    httpserver.expect_request("/quote").respond_with_json({"price": "4.90", "carrier": "Acme"})
    with override_settings(SHIPPING_API_URL=httpserver.url_for("/")):
        yield


class ServerLikeHandler(ClientHandler):
    """The test client's handler, building requests as django_apierrors.wsgi does (the
    client builds a WSGIRequest itself)."""

    def __call__(self, environ):
        content_type = environ.get("CONTENT_TYPE", "")
        check = check_content_type(content_type)
        if check is not None:
            environ["CONTENT_TYPE"] = check.media_type
            environ["fuzz.content_type_check"] = (check, content_type)
        return super().__call__(environ)

    def get_response(self, request):
        pending = request.META.pop("fuzz.content_type_check", None)
        if pending is not None:
            finish_request(request, *pending)
        return super().get_response(request)


def check_response(request, response) -> None:
    described = f"{request['method']} {request['path']}?{request['query']}"
    assert is_valid_request_id(response.get("X-Request-ID")), described
    assert response.status_code < 500, (described, response.content[:300])
    if response.status_code < 400 or request["method"] == "HEAD":
        return
    if not request["path"].startswith("/api/"):
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


FUZZ = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))


def test_no_input_breaks_the_contract(shop):
    client = Client(raise_request_exception=False)
    client.handler = ServerLikeHandler(enforce_csrf_checks=False)

    @given(request=requests())
    @settings(FUZZ, max_examples=EXAMPLES)
    def check(request):
        response = client.generic(
            request["method"],
            request["path"],
            data=request["body"],
            content_type=request["content_type"],
            QUERY_STRING=request["query"],
            **request["headers"],
        )
        check_response({**request, "path": response.wsgi_request.path_info}, response)

    check()


def wire_headers(request) -> dict[str, str]:
    headers = {"Content-Type": request["content_type"]}
    for key, value in request["headers"].items():
        headers[key.removeprefix("HTTP_").replace("_", "-").title()] = value
    return headers


def test_no_input_breaks_the_contract_under_gunicorn(tmp_path):
    """The same requests over the wire, to the example project under gunicorn with DEBUG
    off (its wsgi.py uses django_apierrors.wsgi)."""
    with example_server(tmp_path, {}, workers=2, seed=True) as base_url:
        host, port = base_url.removeprefix("http://").split(":")

        @given(request=requests())
        @settings(FUZZ, max_examples=WIRE_EXAMPLES)
        def check(request):
            headers = wire_headers(request)
            if not all(value.isascii() and value.isprintable() for value in headers.values()):
                # http.client refuses to send some, gunicorn answers others itself (its
                # "Invalid HTTP Header" 400, before Django): the test client tries them all.
                return
            target = request["path"] + ("?" + request["query"] if request["query"] else "")
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            try:
                connection.request(request["method"], target, request["body"], headers)
                reply = connection.getresponse()
                response = WireResponse(
                    reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
                )
            finally:
                connection.close()
            if response.status_code >= 400 and "content-type" in response.headers:
                response.headers["content-type"] = response["Content-Type"].split(";")[0]
            check_response(request, response)

        check()
