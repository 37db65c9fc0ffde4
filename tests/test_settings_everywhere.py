"""The settings that shape responses shape what documents them too: the errors page (HTML,
Markdown, JSON), drf-spectacular's schema and Django Ninja's, and the last-resort 500.

Each is built under non-default API_ERRORS and checked for what it says: the request id
header of REQUEST_ID_HEADER, the rate-limit headers of RATELIMIT_HEADER_STYLES, the
ENVELOPE, the VALIDATION_STATUS."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import RequestFactory, override_settings
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate as validate_openapi

from django_apierrors import handling
from django_apierrors.errors_page.page import build_document, render
from django_apierrors.openapi import IETF_RATE_LIMIT_HEADERS, RATE_LIMIT_HEADERS
from django_apierrors.rate_limit_headers import IETF_HEADERS, X_RATELIMIT_HEADERS
from shop.ninja_api import api as example_ninja_api
from tests.testapp import ninja_api as test_ninja_api

pytestmark = pytest.mark.django_db

X_RATELIMIT = set(X_RATELIMIT_HEADERS)
IETF = set(IETF_HEADERS)
TRACE = {"REQUEST_ID_HEADER": "X-Trace-ID"}


def drf_schema() -> dict[str, Any]:
    document = SchemaGenerator(urlconf="example_project.urls").get_schema(request=None, public=True)
    return json.loads(json.dumps(document, default=str))


def ninja_schema(api: Any = example_ninja_api, prefix: str = "/api/v2/") -> dict[str, Any]:
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix=prefix)))


def error_responses(schema: dict[str, Any]) -> list[tuple[str, str, int, dict[str, Any]]]:
    """(path, method, status, response) of every documented error response."""
    return [
        (path, method, int(status), response)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if int(status) >= 400
    ]


def page_headers(document: dict[str, Any]) -> set[str]:
    return {header["name"] for header in document["headers"]}


# --- the documented headers are the ones the server sends -----------------------------


def test_the_documented_rate_limit_header_names_are_the_ones_sent():
    assert set(RATE_LIMIT_HEADERS) == {"Retry-After", *X_RATELIMIT}
    assert set(IETF_RATE_LIMIT_HEADERS) == IETF


@pytest.mark.parametrize(
    ("styles", "expected"),
    [
        (["x-ratelimit"], X_RATELIMIT),
        (["ietf"], IETF),
        (["x-ratelimit", "ietf"], X_RATELIMIT | IETF),
        ([], set()),
    ],
    ids=["x-ratelimit", "ietf", "both", "none"],
)
def test_a_429_documents_the_rate_limit_headers_it_is_sent_with(client, styles, expected):
    with override_settings(API_ERRORS={"RATELIMIT_HEADER_STYLES": styles}):
        for _ in range(2):
            assert client.get("/api/test/ninja/throttled").status_code == 200
        response = client.get("/api/test/ninja/throttled")
        schema = ninja_schema(test_ninja_api.api, "/api/test/ninja/")
    assert response.status_code == 429
    sent = {name for name in X_RATELIMIT | IETF if response.has_header(name)}
    assert sent == expected
    documented = schema["paths"]["/api/test/ninja/throttled"]["get"]["responses"]["429"]
    assert set(documented["headers"]) == {"X-Request-ID", "Retry-After", *expected}


# --- drf-spectacular's and Ninja's schemas ----------------------------------------------


@pytest.mark.parametrize("build", [drf_schema, ninja_schema], ids=["drf", "ninja"])
@pytest.mark.parametrize(
    ("styles", "present", "absent"),
    [
        (["ietf"], IETF, X_RATELIMIT),
        (["x-ratelimit", "ietf"], X_RATELIMIT | IETF, set()),
        (["x-ratelimit"], X_RATELIMIT, IETF),
    ],
    ids=["ietf", "both", "x-ratelimit"],
)
def test_schemas_document_the_configured_rate_limit_headers(build, styles, present, absent):
    with override_settings(API_ERRORS={"RATELIMIT_HEADER_STYLES": styles}):
        schema = build()
    limited = [response for *_, status, response in error_responses(schema) if status == 429]
    assert limited, "the example documents no 429"
    for response in limited:
        headers = response["headers"]
        assert {"Retry-After", *present} <= set(headers)
        assert not absent & set(headers)
        for name in IETF & set(headers):
            assert headers[name]["schema"] == {"type": "string"}
            assert '";' in headers[name]["description"]  # the structured-field format
    for *_, status, response in error_responses(schema):
        if status != 429:
            assert not (X_RATELIMIT | IETF) & set(response.get("headers", {}))


@pytest.mark.parametrize("build", [drf_schema, ninja_schema], ids=["drf", "ninja"])
def test_schemas_document_the_configured_request_id_header(build):
    with override_settings(API_ERRORS=TRACE):
        schema = build()
    responses = error_responses(schema)
    assert responses
    for path, method, status, response in responses:
        assert "X-Trace-ID" in response["headers"], (path, method, status)
        assert "X-Request-ID" not in response["headers"], (path, method, status)


@pytest.mark.parametrize("build", [drf_schema, ninja_schema], ids=["drf", "ninja"])
def test_schemas_under_the_envelope_and_422(build):
    settings = {"ENVELOPE": "error", "VALIDATION_STATUS": 422, **TRACE}
    with override_settings(API_ERRORS=settings):
        schema = build()
    components = schema["components"]["schemas"]
    assert components["ErrorResponse"]["required"] == ["error"]
    assert components["Error404"]["required"] == ["error"]
    assert "validation_failed" in components["Error422Code"]["enum"]
    assert "validation_failed" not in components.get("Error400Code", {}).get("enum", [])
    if build is ninja_schema:
        validate_openapi(schema)


def test_drf_schema_under_other_settings_passes_drf_spectaculars_validation(tmp_path):
    from django.core.management import call_command

    settings = {
        "ENVELOPE": "error",
        "VALIDATION_STATUS": 422,
        "RATELIMIT_HEADER_STYLES": ["x-ratelimit", "ietf"],
        **TRACE,
    }
    with override_settings(API_ERRORS=settings):
        call_command(
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(tmp_path / "schema.yaml"),
            "--urlconf",
            "example_project.urls",
        )
    assert "X-Trace-ID" in (tmp_path / "schema.yaml").read_text()


# --- the errors page --------------------------------------------------------------------


def test_the_page_names_the_configured_request_id_header():
    with override_settings(API_ERRORS=TRACE):
        document = build_document()
        pages = {fmt: render(document, fmt) for fmt in ("markdown", "html", "json")}
    assert "X-Trace-ID" in page_headers(document)
    request_id = next(f for f in document["body_fields"] if f["name"] == "request_id")
    assert "`X-Trace-ID`" in request_id["meaning"]
    for output_format, page in pages.items():
        assert "X-Trace-ID" in page, output_format
        assert "X-Request-ID" not in page, output_format


@pytest.mark.parametrize(
    ("styles", "present", "absent", "refill"),
    [
        (["ietf"], IETF, X_RATELIMIT, "`RateLimit`"),
        (["x-ratelimit", "ietf"], X_RATELIMIT | IETF, set(), "`X-RateLimit-Reset`"),
        (["x-ratelimit"], X_RATELIMIT, IETF, "`X-RateLimit-Reset`"),
    ],
    ids=["ietf", "both", "x-ratelimit"],
)
def test_the_page_lists_the_configured_rate_limit_headers(styles, present, absent, refill):
    with override_settings(API_ERRORS={"RATELIMIT_HEADER_STYLES": styles}):
        document = build_document()
        html = render(document, "html")
        markdown = render(document, "markdown")
    names = page_headers(document)
    assert {"Retry-After", "X-Request-ID", *present} <= names
    assert not absent & names
    assert any(refill in rule for rule in document["retry_policy"])
    for name in present:
        assert f"<code>{name}</code>" in html
        assert f"| `{name}` |" in markdown
    for name in absent:
        assert f"| `{name}` |" not in markdown


def test_the_page_under_the_envelope_and_422():
    with override_settings(API_ERRORS={"ENVELOPE": "error", "VALIDATION_STATUS": 422, **TRACE}):
        document = build_document()
        markdown = render(document, "markdown")
    sections = {section["status"]: section for section in document["statuses"]}
    assert "validation_failed" in {code["code"] for code in sections[422]["codes"]}
    assert "validation_failed" not in {code["code"] for code in sections[400]["codes"]}
    for section in document["statuses"]:
        for code in section["codes"]:
            assert set(code["example"]) == {"error"}
            assert code["example"]["error"]["status"] == section["status"]
    assert '"error": {' in markdown


# --- the last-resort 500 ----------------------------------------------------------------


def failing_render(request: Any, error: Any) -> Any:
    raise RuntimeError("rendering failed")


@pytest.mark.parametrize(
    ("settings", "header", "enveloped"),
    [
        ({}, "X-Request-ID", False),
        (TRACE, "X-Trace-ID", False),
        ({"ENVELOPE": "error", **TRACE}, "X-Trace-ID", True),
        ({"REQUEST_ID_HEADER": "not a header"}, "X-Request-ID", False),  # reported by E003
    ],
    ids=["default", "trace", "envelope", "invalid-header"],
)
def test_the_last_resort_500_follows_the_settings(monkeypatch, settings, header, enveloped):
    monkeypatch.setattr(handling, "render_api_error", failing_render)
    request = RequestFactory().get("/api/x/")
    request.request_id = "req-1"  # type: ignore[attr-defined]
    with override_settings(API_ERRORS=settings):
        response = handling.render_internal_error(request)
    assert response.status_code == 500
    assert response[header] == "req-1"
    if header != "X-Request-ID":
        assert not response.has_header("X-Request-ID")
    document = json.loads(response.content)
    body = document["error"] if enveloped else document
    assert set(document) == ({"error"} if enveloped else set(body))
    assert (body["code"], body["request_id"], body["status"]) == ("internal_error", "req-1", 500)


def test_the_last_resort_500_survives_unreadable_settings(monkeypatch):
    class Broken:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("settings are broken")

    monkeypatch.setattr(handling, "render_api_error", failing_render)
    monkeypatch.setattr(handling, "api_settings", Broken())
    response = handling.render_internal_error(RequestFactory().get("/api/x/"))
    assert response.status_code == 500
    assert response["X-Request-ID"] == json.loads(response.content)["request_id"]


def test_the_last_resort_500_speaks_the_active_language(monkeypatch):
    monkeypatch.setattr(handling, "render_api_error", failing_render)
    with translation.override("de"):
        german = json.loads(handling.render_internal_error(RequestFactory().get("/")).content)
    english = json.loads(handling.render_internal_error(RequestFactory().get("/")).content)
    assert english["message"] == handling.FALLBACK_MESSAGE
    assert german["message"] not in ("", english["message"])
    assert german["code"] == english["code"] == "internal_error"


def test_the_last_resort_500_falls_back_to_english_when_translating_fails(monkeypatch):
    def broken_gettext(message: str) -> str:
        raise RuntimeError("the catalogs are broken")

    monkeypatch.setattr(handling, "render_api_error", failing_render)
    monkeypatch.setattr("django.utils.translation._trans.gettext", broken_gettext, raising=False)
    with translation.override("de"):
        response = handling.render_internal_error(RequestFactory().get("/"))
    assert json.loads(response.content)["message"] == handling.FALLBACK_MESSAGE
