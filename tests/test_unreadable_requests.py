"""Requests Django cannot read (a charset that is no text codec, or none at all; under ASGI
a query string that is not UTF-8) answer by the contract through
`django_apierrors.wsgi` / `.asgi`: called as a server calls them, and served by gunicorn
and uvicorn on 127.0.0.1."""

from __future__ import annotations

import asyncio
import http.client
import io
import json
from collections.abc import Iterator
from wsgiref.util import setup_testing_defaults

import pytest
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler

from django_apierrors.asgi import APIErrorsASGIHandler
from django_apierrors.request_id import is_valid_request_id
from django_apierrors.unreadable import is_readable_charset
from django_apierrors.wsgi import APIErrorsWSGIHandler

from .contract import assert_contract
from .servers import WireResponse, example_server

# Django's handlers close old connections at the start and end of each request.
pytestmark = pytest.mark.django_db

NOT_TEXT_CODECS = ["rot13", "hex", "zlib_codec", "base64", "bz2_codec", "uu"]
UNKNOWN = ["no-such-charset", "utf-9", "x" * 300, "undefined"]
#: Codecs whose text is not Unicode (lone surrogates) or that fail as Django decodes.
NOT_UNICODE = ["utf-7", "unicode_escape", "raw_unicode_escape", "idna", "punycode"]
REFUSED = NOT_TEXT_CODECS + UNKNOWN + NOT_UNICODE

FORM = "application/x-www-form-urlencoded"
MULTIPART_BODY = (
    b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
    b'--b\r\nContent-Disposition: form-data; name="f"; filename="f.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"
)

#: (method, path, query, content type without charset, body)
CASES = [
    ("GET", "/api/catalog/search/", "q=mug", "text/plain", b""),
    ("POST", "/api/catalog/batch/", "", FORM, b"a=1&b=2"),
    ("POST", "/api/catalog/batch/", "", "multipart/form-data; boundary=b", MULTIPART_BODY),
    ("POST", "/api/products/", "x=1", "application/json", b'{"sku": "A"}'),
]


def test_which_charsets_are_refused():
    for charset in REFUSED:
        assert not is_readable_charset(charset), charset
    for charset in ("utf-8", "UTF8", "latin-1", "iso-8859-15", "utf-16", "cp1252", "ascii"):
        assert is_readable_charset(charset), charset


def wsgi_call(handler, method, path, query, content_type, body):
    environ: dict = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_REQUEST_ID": "unreadable-1",
        "SERVER_NAME": "testserver",
    }
    setup_testing_defaults(environ)
    status_headers: list = []
    chunks = handler(environ, lambda status, headers: status_headers.extend([status, headers]))
    content = b"".join(chunks)
    status, headers = status_headers
    return WireResponse(int(status.split()[0]), {k.lower(): v for k, v in headers}, content)


def assert_refused(response, charset, request_id="unreadable-1"):
    body = assert_contract(response, 415, "unsupported_media_type", param="Content-Type")
    assert body["meta"]["charset"] == charset[:100]
    assert body["request_id"] == request_id == response["X-Request-ID"]


@pytest.mark.parametrize("charset", REFUSED)
@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case[0]}-{case[3][:20]}")
def test_wsgi_refuses_a_charset_it_cannot_decode_with(case, charset):
    method, path, query, content_type, body = case
    response = wsgi_call(
        APIErrorsWSGIHandler(), method, path, query, f"{content_type}; charset={charset}", body
    )
    assert_refused(response, charset)


def test_parameters_django_cannot_parse_are_refused():
    # Django cannot parse these (an RFC 2231 parameter in an unknown encoding), and would
    # fail building the request.
    for content_type in ["application/json; charset*=bogus''x", "text/plain; x*=nope''y"]:
        response = wsgi_call(
            APIErrorsWSGIHandler(), "POST", "/api/products/", "", content_type, b""
        )
        assert_contract(response, 415, "unsupported_media_type", param="Content-Type")


@pytest.mark.parametrize("charset", ["utf-8", "latin-1"])
@pytest.mark.usefixtures("executor_connections_closed")
async def test_too_many_query_fields_with_a_charset_are_413_not_a_crash(charset):
    query = "&".join(["a=1"] * 1001)
    content_type = f"application/json; charset={charset}"
    response = await sync_to_async(wsgi_call)(
        APIErrorsWSGIHandler(), "GET", "/api/products/", query, content_type, b""
    )
    assert_contract(response, 413, "request_too_large")
    headers = [(b"content-type", content_type.encode())]
    response = await asgi_call(
        APIErrorsASGIHandler(), "GET", "/api/products/", query.encode(), headers
    )
    assert_contract(response, 413, "request_too_large")


@pytest.mark.parametrize("handler", [APIErrorsWSGIHandler, APIErrorsASGIHandler])
@pytest.mark.usefixtures("executor_connections_closed")
async def test_a_readable_charset_is_kept_as_django_keeps_it(handler):
    """latin-1 decodes the body: the view answers what it read."""
    body = '{"a": "é"}'.encode("latin-1")
    content_type = "application/json; charset=latin-1"
    if handler is APIErrorsWSGIHandler:
        response = await sync_to_async(wsgi_call)(
            handler(), "POST", "/api/test/drf/hostile/echo/", "", content_type, body
        )
    else:
        token = b"A" * 32  # the real handler checks CSRF (DRF's views without sessions skip it)
        headers = [
            (b"content-type", content_type.encode()),
            (b"cookie", b"csrftoken=" + token),
            (b"x-csrftoken", token),
        ]
        response = await asgi_call(
            handler(), "POST", "/api/test/hostile/aecho/", b"", headers, body
        )
    assert response.status_code == 200, response.content
    assert json.loads(response.content) == {"value": {"a": "é"}}


def test_djangos_own_handler_fails_on_these_requests():
    """What the wrapper is for; the day Django reads them, this test says so."""
    with pytest.raises(LookupError):
        wsgi_call(WSGIHandler(), *CASES[0][:3], "text/plain; charset=rot13", b"")


def test_wsgi_passes_every_other_request_unchanged():
    for content_type in ("text/plain; charset=utf-8", "text/plain; charset=latin-1", ""):
        response = wsgi_call(
            APIErrorsWSGIHandler(), "GET", "/api/test/ok/", "a=1", content_type, b""
        )
        assert response.status_code == 200, response.content
    response = wsgi_call(APIErrorsWSGIHandler(), "GET", "/api/nowhere/", "", "", b"")
    assert_contract(response, 404, "not_found")


def test_outside_the_api_paths_the_refusal_is_plain_text():
    content_type = "text/plain; charset=hex"
    response = wsgi_call(
        APIErrorsWSGIHandler(), "GET", "/pages/raise/runtime/", "a=1", content_type, b""
    )
    assert response.status_code == 415
    assert response["Content-Type"].startswith("text/plain")
    assert is_valid_request_id(response["X-Request-ID"])


async def asgi_call(handler, method, path, query: bytes, headers, body=b""):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"x-request-id", b"unreadable-1"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict] = []

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()  # the client stays until the response is sent

    async def send(message):
        sent.append(message)

    await handler(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return WireResponse(start["status"], headers, content)


@pytest.mark.parametrize("charset", ["rot13", "base64", "no-such-charset"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case[0]}-{case[3][:20]}")
@pytest.mark.usefixtures("executor_connections_closed")
async def test_asgi_refuses_a_charset_it_cannot_decode_with(case, charset):
    method, path, query, content_type, body = case
    headers = [(b"content-type", f"{content_type}; charset={charset}".encode())]
    response = await asgi_call(APIErrorsASGIHandler(), method, path, query.encode(), headers, body)
    assert_refused(response, charset)


@pytest.mark.usefixtures("executor_connections_closed")
async def test_asgi_answers_a_query_string_that_is_not_utf8():
    for handler, expect_contract in ((APIErrorsASGIHandler(), True), (ASGIHandler(), False)):
        response = await asgi_call(handler, "GET", "/api/catalog/search/", b"q=%ff\xff\xfe", [])
        assert response.status_code == 400
        if expect_contract:
            body = assert_contract(response, 400, "bad_request")
            assert body["request_id"] == "unreadable-1"
        else:  # Django's own: its bare page, which the wrapper is for
            assert not response["Content-Type"].startswith("application/json")


# Real servers: the example project, whose wsgi.py and asgi.py use the wrappers.


def raw_request(base_url: str, method: str, target: str, headers: dict, body: bytes):
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, target, body=body, headers=headers)
        reply = connection.getresponse()
        return WireResponse(
            reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
        )
    finally:
        connection.close()


@pytest.fixture(scope="module")
def gunicorn_url(tmp_path_factory) -> Iterator[str]:
    with example_server(tmp_path_factory.mktemp("gunicorn"), {}, workers=2) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def uvicorn_url(tmp_path_factory) -> Iterator[str]:
    with example_server(tmp_path_factory.mktemp("uvicorn"), {}, asgi=True) as base_url:
        yield base_url


@pytest.mark.parametrize("server", ["gunicorn_url", "uvicorn_url"])
def test_real_servers_answer_unreadable_requests_by_the_contract(server, request):
    base_url = request.getfixturevalue(server)
    for method, path, query, content_type, body in CASES:
        for charset in ("rot13", "hex", "zlib_codec", "base64", "no-such-charset"):
            headers = {
                "Content-Type": f"{content_type}; charset={charset}",
                "X-Request-ID": "unreadable-1",
            }
            target = f"{path}?{query}" if query else path
            response = raw_request(base_url, method, target, headers, body)
            assert_refused(response, charset)
    # Everything else still reaches the views.
    response = raw_request(base_url, "GET", "/api/catalog/search/?q=mug", {}, b"")
    assert response.status_code == 200 and json.loads(response.content) == {"results": []}
