"""Every row of the "What other exceptions become" table, through real requests to plain,
async and DRF views and from inside the middleware chain, DEBUG off and on."""

import json

import pytest
from django.test import override_settings

from django_apierrors import catalog
from tests.testapp.raising import SECRET

from .contract import assert_contract

# name -> (status, code, message shown to the client, None for the catalog's for the code)
ROWS = {
    "runtime": (500, "internal_error", None),
    "key_error": (500, "internal_error", None),
    "http404": (404, "not_found", None),
    "does_not_exist": (404, "not_found", None),
    "permission_denied": (403, "permission_denied", None),
    "bad_request": (400, "bad_request", None),
    "suspicious": (400, "bad_request", None),
    "disallowed_host": (400, "bad_request", None),
    "data_too_big": (413, "request_too_large", None),
    "too_many_fields": (413, "request_too_large", None),
    "integrity": (409, "conflict", None),
    "protected": (409, "conflict", None),
    "restricted": (409, "conflict", None),
    "operational": (503, "service_unavailable", None),
    "interface": (503, "service_unavailable", None),
    "ratelimited": (429, "rate_limited", None),
    "django_validation_dict": (400, "validation_failed", "Enter a valid email address."),
    "django_validation_list": (400, "validation_failed", "Too short."),
    "django_validation_message": (400, "validation_failed", "Value 3 is odd."),
    "typed_not_found": (404, "not_found", "Product 42 does not exist."),
    "typed_already_exists": (409, "already_exists", "The resource already exists."),
    "typed_custom": (503, "service_unavailable", "Down."),
    "drf_validation": (400, "validation_failed", "This field is required."),
    "drf_not_authenticated": (401, "unauthenticated", None),
    "drf_authentication_failed": (401, "authentication_failed", None),
    "drf_permission_denied": (403, "permission_denied", "Only owners may do this."),
    "drf_not_found": (404, "not_found", None),
    "drf_parse": (400, "parse_error", None),
    "drf_method": (405, "method_not_allowed", None),
    "drf_not_acceptable": (406, "not_acceptable", None),
    "drf_unsupported": (415, "unsupported_media_type", None),
    "drf_throttled": (429, "rate_limited", None),
    "drf_api_exception": (500, "internal_error", "The ledger is busy."),
    # A status the catalog has no entry for: the first code of its class, its reason phrase.
    "drf_custom_status": (418, "bad_request", "I'm a Teapot."),
    "drf_conflict_status": (409, "conflict", "Version clash."),
}

URLS = {
    "plain": "/api/test/raise/{}/",
    "async": "/api/test/araise/{}/",
    "drf": "/api/test/drf/raise/{}/",
}


def check_row(response, name):
    status, code, message = ROWS[name]
    body = assert_contract(response, status, code, debug=False)
    assert body["message"] == (str(catalog.get(code).message) if message is None else message)
    assert SECRET not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert "debug" not in body
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("kind", URLS)
@pytest.mark.parametrize("name", ROWS)
def test_row_from_view(client, kind, name):
    response = client.get(URLS[kind].format(name))
    check_row(response, name)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ROWS)
def test_row_from_middleware(client, name):
    """Raised inside the middleware chain, outside any view: Django's handlers answer."""
    response = client.get("/api/test/ok/", HTTP_X_RAISE_IN_MIDDLEWARE=name)
    check_row(response, name)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["plain", "drf", "middleware"])
@pytest.mark.parametrize("name", ROWS)
def test_status_does_not_depend_on_debug(client, kind, name):
    """DEBUG adds `debug` and changes nothing else: status, headers, every other member."""
    answers = []
    for debug in (False, True):
        with override_settings(DEBUG=debug):
            if kind == "middleware":
                response = client.get(
                    "/api/test/ok/", HTTP_X_RAISE_IN_MIDDLEWARE=name, HTTP_X_REQUEST_ID="one-id"
                )
            else:
                response = client.get(URLS[kind].format(name), HTTP_X_REQUEST_ID="one-id")
            body = assert_contract(response, *ROWS[name][:2], debug=debug)
        answers.append((response.status_code, response["Content-Type"], body))
    (off_status, off_type, off_body), (on_status, on_type, on_body) = answers
    assert set(on_body.pop("debug")) == {"exception", "detail", "traceback"}
    assert (on_status, on_type, on_body) == (off_status, off_type, off_body)


@pytest.mark.django_db
async def test_rows_through_async_client(async_client):
    for name in ("runtime", "http404", "integrity", "drf_validation"):
        response = await async_client.get(URLS["async"].format(name))
        check_row(response, name)


@pytest.mark.django_db
def test_validation_rows_list_each_error(client):
    body = assert_contract(
        client.get("/api/test/raise/django_validation_dict/"), 400, "validation_failed", param=None
    )
    assert body["errors"] == [
        {
            "message": "Enter a valid email address.",
            "code": "invalid",
            "param": "email",
            "pointer": "/email",
        },
        {"message": "Passwords do not match.", "code": "mismatch", "param": None, "pointer": ""},
    ]
    body = assert_contract(
        client.get("/api/test/raise/django_validation_list/"), 400, "validation_failed", param=None
    )
    assert [e["code"] for e in body["errors"]] == ["min_length", "invalid"]
    assert body["message"] == "Too short."


@pytest.mark.django_db
def test_401_keeps_www_authenticate_and_throttle_retry_after(client):
    response = client.get(URLS["drf"].format("drf_not_authenticated"))
    # This DRF view has authenticators (Basic first), so DRF gives a challenge.
    assert response["WWW-Authenticate"] == 'Basic realm="api"'
    response = client.get(URLS["drf"].format("drf_throttled"))
    assert response["Retry-After"] == "5"
    assert json.loads(response.content)["meta"] == {"retry_after": 5}


@pytest.mark.django_db
def test_exception_map_adds_and_overrides_rows(client):
    api_errors = {
        "PATH_PREFIXES": ["/api/"],
        "EXCEPTION_MAP": {
            "builtins.KeyError": "not_found",
            "django.db.IntegrityError": "already_exists",
        },
    }
    with override_settings(API_ERRORS=api_errors):
        assert_contract(client.get("/api/test/raise/key_error/"), 404, "not_found")
        assert_contract(client.get("/api/test/raise/integrity/"), 409, "already_exists")
    assert_contract(client.get("/api/test/raise/key_error/"), 500, "internal_error")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["typed_not_found", "drf_validation", "runtime", "integrity"])
def test_drf_and_plain_views_answer_identically(client, name):
    bodies = []
    for kind in ("plain", "drf"):
        response = client.get(URLS[kind].format(name), HTTP_X_REQUEST_ID="same-id")
        bodies.append((response.status_code, response["Content-Type"], response.content))
    assert bodies[0] == bodies[1]
