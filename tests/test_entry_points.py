"""The URL resolver's 404, CSRF failures, bare error responses and PATH_PREFIXES."""

import json

import pytest
from django.conf import settings
from django.test import Client, override_settings

from .contract import assert_contract

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_unknown_url_is_json_404(client, debug):
    with override_settings(DEBUG=debug):
        response = client.get("/api/no/such/thing/", HTTP_ACCEPT="text/html")
    body = assert_contract(response, 404, "not_found", param=None)
    assert body["message"] == "The requested resource was not found."
    assert "no/such" not in response.content.decode()


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_csrf_failure_is_json_403(mug, customer, debug):
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.force_login(customer)
    with override_settings(DEBUG=debug):
        response = browser.post(
            "/api/catalog/import/", {"products": []}, content_type="application/json"
        )
    body = assert_contract(response, 403, "csrf_failed", param=None)
    assert body["type"] == "permission_error"


def test_bare_html_error_response_is_converted(client):
    response = client.get("/api/test/bare-not-found/")
    assert_contract(response, 404, "not_found")
    assert b"<h1>" not in response.content


def test_json_error_response_is_left_alone(client):
    response = client.get("/api/test/json-not-found/")
    assert response.status_code == 404
    assert json.loads(response.content) == {"detail": "kept as it is"}
    assert response["X-Request-ID"]


def test_require_http_methods_405_keeps_allow(client, mug):
    response = client.post("/api/catalog/MUG-1/")
    assert_contract(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_paths_outside_prefixes_keep_djangos_pages(client, debug):
    with override_settings(DEBUG=debug):
        missing = client.get("/pages/nowhere/")
        crash = client.get("/pages/raise/runtime/")
        api = client.get("/api/nowhere/")
    assert missing.status_code == 404 and missing["Content-Type"].startswith("text/html")
    assert crash.status_code == 500 and crash["Content-Type"].startswith("text/html")
    assert missing["X-Request-ID"]  # the id is on every response all the same
    assert_contract(api, 404, "not_found")


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("typed_not_found", 404),
        ("typed_permission_denied", 403),
        ("typed_invalid", 400),
    ],
)
def test_typed_exceptions_outside_prefixes_get_djangos_pages(client, debug, name, status):
    with override_settings(DEBUG=debug):
        response = client.get(f"/pages/raise/{name}/")
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert response["X-Request-ID"]


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_other_typed_exceptions_outside_prefixes_are_plain(client, caplog, debug):
    with override_settings(DEBUG=debug):
        conflict = client.get("/pages/raise/typed_already_exists/")
        method = client.get("/pages/raise/typed_method/")
        down = client.get("/pages/raise/typed_custom/")
    assert (conflict.status_code, conflict.content) == (409, b"The resource already exists.")
    assert conflict["Content-Type"] == "text/plain; charset=utf-8"
    assert (method.status_code, method["Allow"]) == (405, "GET")
    assert (down.status_code, down.content, down["Retry-After"]) == (503, b"Down.", "30")
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].exc_info  # the 503, reported once


def test_every_path_is_api_without_prefixes(client):
    with override_settings(API_ERRORS={"PATH_PREFIXES": None}):
        assert_contract(client.get("/pages/nowhere/"), 404, "not_found")
        assert_contract(client.get("/pages/raise/runtime/"), 500, "internal_error")


WITHOUT_OUR_MIDDLEWARE = [m for m in settings.MIDDLEWARE if "django_apierrors" not in m]


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/nowhere/", 404, "not_found"),
        ("/api/test/raise/runtime/", 500, "internal_error"),
        ("/api/test/raise/permission_denied/", 403, "permission_denied"),
        ("/api/test/raise/bad_request/", 400, "bad_request"),
        ("/api/test/raise/data_too_big/", 413, "request_too_large"),
        ("/api/test/raise/operational/", 503, "service_unavailable"),
        ("/api/test/drf/raise/drf_validation/", 400, "validation_failed"),
    ],
)
def test_handlers_answer_without_the_middleware(client, url, status, code):
    """handler400/403/404/500 alone (DEBUG off) still give the contract and a request id."""
    with override_settings(MIDDLEWARE=WITHOUT_OUR_MIDDLEWARE):
        response = client.get(url)
    assert_contract(response, status, code)


def test_large_body_answers_413_before_the_view(client):
    """Over DATA_UPLOAD_MAX_MEMORY_SIZE, Django refuses to read the body: 413. A form body
    to this JSON endpoint is 415 whatever its size, as DRF answers: the type is checked
    before the body is read."""
    body = '{"a": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}'
    for debug in (False, True):
        with override_settings(DEBUG=debug):
            response = client.post("/api/catalog/import/", body, content_type="application/json")
            assert_contract(response, 413, "request_too_large")
            response = client.post(
                "/api/catalog/import/",
                "a=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10),
                content_type="application/x-www-form-urlencoded",
            )
            assert_contract(response, 415, "unsupported_media_type", param="Content-Type")


def test_disallowed_host_is_json_400(client):
    for debug in (False, True):
        with override_settings(DEBUG=debug):
            response = client.get("/api/products/", HTTP_HOST="evil.example.com")
        body = assert_contract(response, 400, "bad_request")
        assert "evil" not in json.dumps(body.get("message"))
