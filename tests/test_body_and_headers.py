"""The body (flat, enveloped, problem+json) and the headers every error carries."""

import datetime
import decimal
import json
import uuid

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.serializers.json import DjangoJSONEncoder
from django.test import override_settings

from benchmarks.wsgi import get
from django_apierrors.render import encode_json

from .contract import assert_contract

pytestmark = pytest.mark.django_db

NOT_FOUND = "/api/test/raise/typed_not_found/"


def test_flat_body_has_exactly_the_contract_fields(client):
    response = client.get(NOT_FOUND)
    body = json.loads(response.content)
    assert list(body) == ["message", "type", "code", "param", "request_id", "status", "retryable"]
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"


def test_envelope_error_wraps_the_same_body(client):
    flat = json.loads(client.get(NOT_FOUND).content)
    with override_settings(API_ERRORS={"ENVELOPE": "error"}):
        response = client.get(NOT_FOUND)
        wrapped = json.loads(response.content)
        assert_contract(response, 404, "not_found")
    assert list(wrapped) == ["error"]
    flat.pop("request_id"), wrapped["error"].pop("request_id")
    assert wrapped["error"] == flat


def test_doc_url_points_at_the_code(client):
    with override_settings(API_ERRORS={"DOCS_URL": "https://docs.example.com/errors"}):
        body = json.loads(client.get(NOT_FOUND).content)
    assert body["doc_url"] == "https://docs.example.com/errors#not_found"


@pytest.mark.parametrize(
    ("accept", "problem"),
    [
        ("application/problem+json", True),
        ("application/problem+json, application/json;q=0.9", True),
        ("application/json;q=0.5, application/problem+json", True),
        ("application/json, application/problem+json", True),  # equal q: problem wins
        ("application/json, application/problem+json;q=0.5", False),
        ("application/problem+json;q=0.5, */*", False),
        ("application/problem+json;q=0.9, application/*;q=0.8", True),
        ("application/problem+json;q=0", False),
        ("application/*", False),
        ("*/*", False),
        ("", False),
        ("text/html", False),
    ],
)
def test_problem_json_negotiation(client, accept, problem):
    response = client.get(NOT_FOUND, HTTP_ACCEPT=accept)
    expected = "application/problem+json" if problem else "application/json"
    assert response["Content-Type"] == expected
    assert_contract(response, 404, "not_found")


def test_problem_json_members(client):
    with override_settings(API_ERRORS={"FORMAT": "problem"}):
        response = client.post(
            "/api/test/drf/cart/", {"email": "x"}, content_type="application/json"
        )
    document = json.loads(response.content)
    assert response["Content-Type"] == "application/problem+json"
    assert document["type"] == "about:blank"
    assert document["title"] == "Bad Request"
    assert document["status"] == 400
    assert document["detail"] == "4 parameters are invalid."
    assert document["instance"] == f"urn:uuid:{response['X-Request-ID']}"
    assert document["code"] == "validation_failed"
    assert document["error_type"] == "validation_error"
    assert document["request_id"] == response["X-Request-ID"]
    assert document["errors"][0]["pointer"] == "/email"
    assert "message" not in document


def test_problem_json_without_uuid_request_id_has_no_instance(client):
    response = client.get(
        NOT_FOUND, HTTP_ACCEPT="application/problem+json", HTTP_X_REQUEST_ID="trace-123"
    )
    document = json.loads(response.content)
    assert "instance" not in document
    assert document["request_id"] == "trace-123"


def test_format_json_never_answers_problem(client):
    with override_settings(API_ERRORS={"FORMAT": "json"}):
        response = client.get(NOT_FOUND, HTTP_ACCEPT="application/problem+json")
    assert response["Content-Type"] == "application/json"


def test_expose_headers_are_appended_not_overwritten(client):
    response = client.get("/api/test/raise/drf_throttled/")
    assert response["Access-Control-Expose-Headers"] == "X-Request-ID, Retry-After"
    response = client.get("/api/test/ok/")
    assert response["Access-Control-Expose-Headers"] == "X-Request-ID"
    from django.http import HttpResponse

    from django_apierrors.headers import expose_headers

    existing = HttpResponse()
    existing["Access-Control-Expose-Headers"] = "ETag, x-request-id"
    expose_headers(existing, "X-Request-ID", "Retry-After")
    assert existing["Access-Control-Expose-Headers"] == "ETag, x-request-id, Retry-After"


@pytest.mark.parametrize("public_apis_only", [False, True], ids=["private", "public"])
def test_every_combination_of_contract_headers_is_exposed_in_order(rf, public_apis_only):
    import itertools

    from django.http import HttpResponse

    from django_apierrors.headers import EXPOSED_HEADERS, stamp_response
    from django_apierrors.private_apis import use_private_apis

    use_private_apis(not public_apis_only)
    try:
        for size in range(len(EXPOSED_HEADERS) + 1):
            for names in itertools.combinations(EXPOSED_HEADERS, size):
                for _ in range(2):  # the second one from the memo
                    response = HttpResponse()
                    for name in reversed(names):  # set in another order than exposed
                        response[name.lower()] = "1"
                    stamp_response(rf.get("/api/test/ok/"), response, "id-1")
                    exposed = response["Access-Control-Expose-Headers"]
                    assert exposed == ", ".join(["X-Request-ID", *names]), names
    finally:
        use_private_apis(True)


def test_the_memo_of_exposures_is_bounded():
    from django_apierrors import headers

    for number in range(headers._EXPOSURES_KEPT + 50):
        exposure = headers._exposure(f"X-Id-{number}", (), {"allow"})
        assert exposure == f"X-Id-{number}, Allow"
    assert len(headers._exposures) <= headers._EXPOSURES_KEPT


def test_debug_member_only_with_debug(client):
    body = json.loads(client.get("/api/test/raise/runtime/").content)
    assert "debug" not in body
    with override_settings(DEBUG=True):
        body = json.loads(client.get("/api/test/raise/runtime/").content)
    assert body["debug"]["exception"] == "builtins.RuntimeError"
    assert "password=" in body["debug"]["detail"]
    assert any("raise_sync" in line for line in body["debug"]["traceback"])
    assert body["message"] == "An internal error occurred. Quote the request id when reporting it."


def test_debug_off_is_remembered_only_until_a_setting_changes(client, settings):
    path = "/api/test/raise/runtime/"
    assert "debug" not in json.loads(client.get(path).content)
    with override_settings(DEBUG=True):
        assert "debug" in json.loads(client.get(path).content)
    assert "debug" not in json.loads(client.get(path).content)  # DEBUG off again
    settings.DEBUG = True  # pytest-django's fixture sends setting_changed, as Django's tools do
    assert "debug" in json.loads(client.get(path).content)
    settings.DEBUG = False
    assert "debug" not in json.loads(client.get(path).content)  # read, and remembered
    # DEBUG switched on behind Django's back (no setting_changed): debug details stay out,
    # the safe side, rather than being read back on every error.
    from django.conf import settings as django_settings

    django_settings.DEBUG = True
    try:
        assert "debug" not in json.loads(client.get(path).content)
    finally:
        django_settings.DEBUG = False


def test_success_responses_carry_only_the_request_id(client):
    response = client.get("/api/test/ok/")
    assert response.status_code == 200
    assert response["X-Request-ID"]
    assert "Cache-Control" not in response
    assert json.loads(response.content) == {"ok": True}


@pytest.mark.parametrize("path", ["/api/test/ok/", "/api/test/raise/drf_throttled/"])
def test_headers_leave_with_their_names_as_written(path):
    # Headers the package writes straight into the response's header store must reach
    # the WSGI server spelled as the contract spells them, once each.
    _, headers = get(WSGIHandler(), path)
    names = [name for name, _ in headers]
    assert "X-Request-ID" in names
    assert "Access-Control-Expose-Headers" in names
    assert len({name.lower() for name in names}) == len(names)
    if path.endswith("drf_throttled/"):
        assert "Cache-Control" in names
        assert dict(headers)["Cache-Control"] == "no-store"


@override_settings(API_ERRORS={"REQUEST_ID_HEADER": "X-Trace-Id"})
def test_a_renamed_request_id_header_is_written_and_exposed(client):
    response = client.get("/api/test/ok/", HTTP_X_TRACE_ID="trace-9")
    assert response["X-Trace-Id"] == "trace-9"
    assert ("X-Trace-Id", "trace-9") in response.items()
    assert response["Access-Control-Expose-Headers"] == "X-Trace-Id"
    assert not response.has_header("X-Request-ID")


@pytest.mark.parametrize(
    "value",
    [
        {"message": "Café ☕ \u2028", "n": 1.5, "nested": [None, True, {"k": "v"}]},
        {"when": datetime.datetime(2026, 11, 23, 12, 0, 1, 500)},
        {"amount": decimal.Decimal("12.30"), "id": uuid.UUID(int=7)},
    ],
)
def test_bodies_encode_as_djangos_json_encoder_does(value):
    assert encode_json(value) == DjangoJSONEncoder().encode(value)
