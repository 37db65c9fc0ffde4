"""The body (flat, enveloped, problem+json) and the headers every error carries."""

import json

import pytest
from django.test import override_settings

from django_apierrors.testing import assert_api_error

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
        assert_api_error(response, 404, "not_found")
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
    assert_api_error(response, 404, "not_found")


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


def test_debug_member_only_with_debug(client):
    body = json.loads(client.get("/api/test/raise/runtime/").content)
    assert "debug" not in body
    with override_settings(DEBUG=True):
        body = json.loads(client.get("/api/test/raise/runtime/").content)
    assert body["debug"]["exception"] == "builtins.RuntimeError"
    assert "password=" in body["debug"]["detail"]
    assert any("raise_sync" in line for line in body["debug"]["traceback"])
    assert body["message"] == "An internal error occurred. Quote the request id when reporting it."


def test_success_responses_carry_only_the_request_id(client):
    response = client.get("/api/test/ok/")
    assert response.status_code == 200
    assert response["X-Request-ID"]
    assert "Cache-Control" not in response
    assert json.loads(response.content) == {"ok": True}
