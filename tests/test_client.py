"""django_apierrors.client on its own: body shapes, headers and the retry policy (no server;
tests/test_client_live.py runs it against the example project)."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

import django_apierrors
from django_apierrors import (
    APIError,
    BadGateway,
    BadRequest,
    Conflict,
    InternalError,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
)
from django_apierrors.client import RetryPolicy, error_from_response, raise_for_error
from django_apierrors.client.retry_httpx import AsyncRetryTransport, RetryTransport

from .servers import ROOT

NOW = 1_900_000_000.0


def response(status, body=None, headers=None, content_type="application/json"):
    content = body or b"" if isinstance(body, bytes | type(None)) else json.dumps(body).encode()
    return httpx.Response(
        status, content=content, headers={"Content-Type": content_type, **(headers or {})}
    )


FLAT = {
    "message": "No product with this SKU.",
    "type": "invalid_request_error",
    "code": "not_found",
    "param": "sku",
    "request_id": "req-1",
    "status": 404,
    "retryable": False,
}


def error_of(answer: httpx.Response, now: float | None = None) -> APIError:
    error = (
        error_from_response(answer) if now is None else error_from_response(answer, now=lambda: now)
    )
    assert error is not None
    return error


def test_success_is_returned_unchanged():
    ok = response(200, {"ok": True})
    assert raise_for_error(ok) is ok
    assert error_from_response(response(302, b"")) is None


@pytest.mark.parametrize(
    "body, content_type",
    [
        (FLAT, "application/json"),
        ({"error": FLAT}, "application/json"),
        (
            {
                "type": "https://docs.example.com/errors#not_found",
                "title": "Not Found",
                "status": 404,
                "detail": "No product with this SKU.",
                "instance": "urn:uuid:0",
                "code": "not_found",
                "error_type": "invalid_request_error",
                "param": "sku",
                "request_id": "req-1",
                "retryable": False,
            },
            "application/problem+json",
        ),
    ],
    ids=["flat", "envelope", "problem+json"],
)
def test_every_body_shape_raises_the_typed_error(body, content_type):
    with pytest.raises(NotFound) as caught:
        raise_for_error(response(404, body, content_type=content_type))
    error = caught.value
    assert (error.status, error.code, error.param, error.type) == (
        404,
        "not_found",
        "sku",
        "invalid_request_error",
    )
    assert error.request_id == "req-1"
    assert error.retryable is False
    assert str(error) == "No product with this SKU."
    assert error.response.status_code == 404


def test_field_errors_and_meta_are_kept():
    body = {
        "message": "2 parameters are invalid.",
        "type": "invalid_request_error",
        "code": "validation_failed",
        "param": None,
        "request_id": "req-2",
        "errors": [
            {"message": "Required.", "code": "required", "param": "sku", "pointer": "/sku"},
            {
                "message": "Too small.",
                "code": "min_value",
                "param": "items[1].qty",
                "pointer": "/items/1/qty",
            },
        ],
        "meta": {"max_items": 100},
    }
    error = error_of(response(422, body))
    assert isinstance(error, ValidationFailed)
    assert error.status == 422  # the server's VALIDATION_STATUS, not the catalog's default
    assert error.param is None
    assert [(e.param, e.pointer, e.code) for e in error.errors] == [
        ("sku", "/sku", "required"),
        ("items[1].qty", "/items/1/qty", "min_value"),
    ]
    assert error.meta == {"max_items": 100}


@pytest.mark.parametrize(
    "status, code, expected_class",
    [
        (409, "sku_reserved", Conflict),  # a project's own code, unknown here
        (429, "too_many_exports", RateLimited),
        (503, "Odd-Code", ServiceUnavailable),  # not our pattern: kept as sent
        (418, "teapot", BadRequest),  # a status the catalog lacks
        (599, "weird", InternalError),
    ],
)
def test_unknown_codes_fall_back_to_their_status_class(status, code, expected_class):
    error = error_of(response(status, {"message": "x", "code": code}))
    assert type(error) is expected_class
    assert (error.status, error.code) == (status, code)


@pytest.mark.parametrize(
    "body, content_type, expected",
    [
        (b"<html><h1>Bad Gateway</h1></html>", "text/html", "502 Bad Gateway (a text/html body"),
        (b"", "text/plain", "502 Bad Gateway (empty body)"),
        (b"{not json", "application/json", "not JSON"),
        (b'["a list"]', "application/json", "JSON that is not an error document: '[\"a list\"]'"),
        (b'{"error": "upstream"}', "application/json", "JSON that is not an error document"),
    ],
)
def test_a_body_that_is_not_ours_still_raises(body, content_type, expected):
    with pytest.raises(BadGateway) as caught:
        raise_for_error(response(502, body, content_type=content_type))
    assert caught.value.status == 502
    assert expected in str(caught.value)


def test_request_id_from_the_header_when_the_body_has_none():
    error = error_of(response(500, b"oops", {"X-Request-ID": "from-header"}))
    assert error.request_id == "from-header"


def test_retry_after_and_rate_limit_headers():
    headers = {
        "Retry-After": "7",
        "X-RateLimit-Limit": "10",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(int(NOW + 7)),
    }
    error = error_from_response(
        response(429, {"message": "Slow down.", "code": "rate_limited"}, headers),
        now=lambda: NOW,
    )
    assert isinstance(error, RateLimited)
    assert error.retry_after == 7
    assert (error.rate_limit.limit, error.rate_limit.remaining) == (10, 0)
    assert error.rate_limit.reset == NOW + 7


def test_retry_after_as_an_http_date():
    when = format_datetime(datetime.fromtimestamp(NOW + 30, tz=UTC), usegmt=True)
    error = error_of(response(503, b"", {"Retry-After": when}), NOW)
    assert error.retry_after == 30


def test_ietf_rate_limit_headers_and_a_relative_reset():
    ietf = {"RateLimit-Policy": '"search";q=40;w=60', "RateLimit": '"search";r=0;t=12'}
    error = error_of(response(429, b"", ietf), NOW)
    assert (error.rate_limit.limit, error.rate_limit.remaining, error.rate_limit.reset) == (
        40,
        0,
        NOW + 12,
    )
    relative = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "12"}
    error = error_of(response(429, b"", relative), NOW)
    assert error.rate_limit.reset == NOW + 12


def test_client_imports_without_django_settings(tmp_path):
    script = (
        "import httpx\n"
        "from django_apierrors.client import raise_for_error\n"
        "from django_apierrors import RateLimited\n"
        "r = httpx.Response(429, json={'error': {'message': 'Slow down.', "
        "'code': 'rate_limited'}}, headers={'Retry-After': '3'})\n"
        "try:\n    raise_for_error(r)\n"
        "except RateLimited as e:\n    print(type(e).__name__, e.code, e.retry_after, e)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "RateLimited rate_limited 3 Slow down."


# The policy


def policy(**kwargs):
    return RetryPolicy(random=lambda: 0.5, now=lambda: NOW, **kwargs)


def decide(p, status=503, method="GET", request_headers=None, headers=None, retries=0, elapsed=0):
    return p.wait_before_retry(
        method=method,
        status=status,
        request_headers=request_headers or {},
        response_headers=httpx.Headers(headers or {}),
        retries_done=retries,
        elapsed=elapsed,
    )


def test_full_jitter_backoff_doubles_from_one_second_up_to_sixty():
    top = RetryPolicy(random=lambda: 0.999999)
    ceilings = [round(top.backoff(n), 3) for n in range(8)]
    assert ceilings == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert RetryPolicy(random=lambda: 0.0).backoff(5) == 0.0
    assert policy().backoff(2) == 2.0  # half of 4 s


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retried_statuses(status):
    assert decide(policy(), status) is not None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412, 422, 501])
def test_other_errors_are_not_retried(status):
    assert decide(policy(), status) is None


def test_the_servers_wait_wins_over_backoff():
    assert decide(policy(), 503, headers={"Retry-After": "9"}) == 9.0
    reset = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW + 25))}
    assert decide(policy(), 429, headers=reset) == 25.0
    assert decide(policy(), 503, headers=reset) == 0.5  # reset speaks for 429s only


def test_unsafe_methods_need_an_idempotency_key():
    p = policy()
    for method in ("GET", "HEAD", "OPTIONS", "TRACE", "get"):
        assert decide(p, method=method) is not None
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert decide(p, method=method) is None
        assert decide(p, method=method, request_headers={"Idempotency-Key": "k"}) is not None
        assert decide(p, method=method, request_headers={"Idempotency-Key": ""}) is None
    idempotent_puts = policy(methods_without_key=frozenset({"GET", "PUT"}))
    assert decide(idempotent_puts, method="PUT") is not None


def test_max_retries_and_the_budget():
    p = policy(max_retries=2, budget=30)
    assert decide(p, retries=1) is not None
    assert decide(p, retries=2) is None
    assert decide(p, headers={"Retry-After": "20"}, elapsed=10) == 20.0
    assert decide(p, headers={"Retry-After": "21"}, elapsed=10) is None


def scripted(*statuses_and_headers):
    """A MockTransport answering the given (status, headers) in turn; records methods."""
    answers = list(statuses_and_headers)
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        status, headers = answers.pop(0)
        return httpx.Response(status, json={"message": "m", "code": "x"}, headers=headers)

    return httpx.MockTransport(handler), seen


def test_transport_gives_the_last_response_when_retries_run_out():
    waits: list[float] = []
    transport, seen = scripted(*[(503, {})] * 3)
    p = RetryPolicy(max_retries=2, random=lambda: 0.5, sleep=waits.append)
    with httpx.Client(transport=RetryTransport(transport, p)) as client:
        response = client.get("http://api.test/x")
    assert response.status_code == 503
    assert waits == [0.5, 1.0]
    assert len(seen) == 3


async def test_async_transport_honours_retry_after():
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    transport, seen = scripted((429, {"Retry-After": "3"}), (200, {}))
    p = RetryPolicy(async_sleep=record)
    async with httpx.AsyncClient(transport=AsyncRetryTransport(transport, p)) as client:
        response = await client.post("http://api.test/x", headers={"Idempotency-Key": "k"})
    assert response.status_code == 200
    assert waits == [3.0]
    assert seen == ["POST", "POST"]


def test_api_error_defaults_for_errors_raised_on_the_server():
    error = NotFound()
    assert (error.request_id, error.rate_limit, error.response) == (None, None, None)
    assert isinstance(error, APIError)


def test_a_code_registered_here_gets_its_own_class():
    from tests.testapp.errors import EmailTaken

    error = error_of(response(409, {"message": "Taken.", "code": "email_taken"}))
    assert type(error) is EmailTaken


def test_policy_retry_on_a_plain_adapter_repeats_safe_methods_only(httpserver):
    import requests
    from requests.adapters import HTTPAdapter

    from django_apierrors.client.retry_requests import PolicyRetry

    httpserver.expect_request("/busy").respond_with_json({"message": "m"}, status=503)
    waits: list[float] = []
    p = RetryPolicy(max_retries=2, random=lambda: 0.5, sleep=waits.append)
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=PolicyRetry(p)))
    url = httpserver.url_for("/busy")

    assert session.get(url).status_code == 503
    assert waits == [0.5, 1.0] and len(httpserver.log) == 3
    # Without RetryingHTTPAdapter the Idempotency-Key cannot be seen: a POST is sent once.
    assert session.post(url, headers={"Idempotency-Key": "k"}).status_code == 503
    assert len(httpserver.log) == 4


STANDALONE_SCRIPT = """
import json, sys
import django_apierrors.client as client
from django_apierrors.client import raise_for_error

class Response:  # what requests, httpx and urllib3 responses have in common
    def __init__(self, status, body, headers):
        self.status_code, self.headers = status, headers
        self.content = json.dumps(body).encode()

body = {"message": "2 parameters are invalid.", "type": "validation_error",
        "code": "validation_failed", "param": None, "request_id": "r-1", "status": 400,
        "retryable": False, "errors": [{"message": "Too short.", "code": "min_length",
        "param": "items[1].sku", "pointer": "/items/1/sku", "location": "body"}]}
try:
    raise_for_error(Response(400, body, {"X-Request-ID": "r-1"}))
except client.ValidationFailed as error:
    field = error.errors[0]
    print(type(error).__module__, error.code, error.request_id, field.param, field.location)
try:
    limited = {"code": "rate_limited", "message": "Slow."}
    raise_for_error(Response(429, limited, {"Retry-After": "3"}))
except client.RateLimited as error:
    print(error.retry_after, error.retryable, isinstance(error, client.APIError))
print(client.STANDALONE, sorted(m for m in sys.modules if m.split(".")[0] == "django"))
"""


def test_the_client_imports_and_works_where_django_is_not_installed(tmp_path):
    """A script that calls an API needs no Django: a virtualenv without it."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    no_django = subprocess.run(
        [str(python), "-c", "import django"], capture_output=True, text=True, check=False
    )
    assert no_django.returncode != 0, "the virtualenv has Django"
    # The package alone on the path (from the source tree or the installed wheel).
    shutil.copytree(Path(django_apierrors.__file__).parent, tmp_path / "path" / "django_apierrors")
    done = subprocess.run(
        [str(python), "-c", STANDALONE_SCRIPT],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path / "path")},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "django_apierrors.client.standalone validation_failed r-1 items[1].sku body",
        "3 True True",
        "True []",
    ]


def test_the_standalone_classes_and_codes_equal_the_servers():
    from django_apierrors.catalog import BUILTIN_CODES, CODE_PATTERN, catalog
    from django_apierrors.client import standalone
    from django_apierrors.exceptions import class_for_code

    server = []
    for code in BUILTIN_CODES:
        entry, cls = catalog.get(code), class_for_code(code)
        server.append((entry.status, code, entry.type, entry.retryable, cls.__name__))
        twin = standalone.class_for_code(code)
        assert twin.__name__ == cls.__name__
        assert [c.__name__ for c in twin.__mro__[:-3]] == [c.__name__ for c in cls.__mro__[:-3]]
        assert (twin.status, twin.type, twin.retryable) == (
            entry.status,
            entry.type,
            entry.retryable,
        )
    assert [row[:5] for row in standalone.CODES] == server
    for status in {entry.status for entry in catalog}:
        server_entry = catalog.for_status(status)
        assert standalone.code_for_status(status) == (server_entry and server_entry.code)
    server_fields = {field.name for field in dataclasses.fields(django_apierrors.FieldError)}
    twin_fields = {field.name for field in dataclasses.fields(standalone.FieldError)}
    assert server_fields == twin_fields
    assert standalone.CODE_PATTERN.pattern == CODE_PATTERN.pattern


def test_inside_a_django_project_the_client_raises_the_servers_classes():
    from django_apierrors import client
    from django_apierrors.exceptions import NotFound as ServerNotFound

    assert client.NotFound is ServerNotFound
    assert client.STANDALONE is False


def test_the_client_exports_every_exception_class_of_the_server():
    from django_apierrors import exceptions
    from django_apierrors.client import exceptions as client_exceptions

    assert set(exceptions.__all__) <= set(client_exceptions.__all__)
    assert set(django_apierrors.client.__all__) >= set(exceptions.__all__)
