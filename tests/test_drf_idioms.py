"""DRF's own idioms keep working with our handler: `response.data` and `.render()` (DRF's
testing docs: APIRequestFactory + `view(request).render()`, and APIClient), the handler's
None for exceptions it does not know, DEBUG_PROPAGATE_EXCEPTIONS, and CSRF failures of
SessionAuthentication answered like plain views'."""

import json
import logging

import pytest
from django.conf import settings
from django.test import Client, SimpleTestCase, override_settings
from rest_framework.test import APIClient, APIRequestFactory

from django_apierrors.drf import exception_handler
from tests.testapp import returning, views

from .contract import assert_contract

pytestmark = pytest.mark.django_db

WITHOUT_OUR_MIDDLEWARE = [m for m in settings.MIDDLEWARE if "django_apierrors" not in m]


def test_request_factory_and_render_as_in_drfs_testing_docs():
    factory = APIRequestFactory()
    request = factory.get("/api/test/drf/raise/typed_not_found/")
    response = views.raise_drf(request, name="typed_not_found")
    response.render()  # DRF's docs: "Cannot access `response.content` without this."
    assert response.status_code == 404
    assert response.data["code"] == "not_found"
    assert response.data["message"] == "Product 42 does not exist."
    assert json.loads(response.content) == response.data
    assert response.data["request_id"]  # no middleware ran: the road made one


def test_the_readme_example_on_the_shops_viewset():
    from shop.api import ProductViewSet

    request = APIRequestFactory().get("/api/products/NOPE/")
    response = ProductViewSet.as_view({"get": "retrieve"})(request, sku="NOPE")
    response.render()
    assert response.data["code"] == "not_found"
    assert response.data["request_id"]


def test_djangos_assert_contains_reads_error_responses(client):
    """Django's assertContains renders template responses first: ours are rendered."""
    checks = SimpleTestCase()
    checks.assertContains(client.get("/api/test/raise/http404/"), "not_found", status_code=404)
    checks.assertContains(
        client.get("/api/test/drf/raise/typed_not_found/"), "Product 42", status_code=404
    )


def test_views_under_decorators_made_from_middleware(client):
    """gzip_page, cache_page, csrf_protect...: Django's decorator_from_middleware treats a
    response that can render as a template response."""
    response = client.get("/api/test/drf/gzipped/raise/typed_not_found/")
    assert_contract(response, 404, "not_found")
    lines = client.post(
        "/api/test/drf/cached/lines/", json.dumps([{"qty": 0}]), content_type="application/json"
    )
    assert_contract(lines, 400, "validation_failed")


def test_request_factory_on_a_validation_error():
    request = APIRequestFactory().post("/x/", [{"qty": 1}, {"qty": 0}], format="json")
    response = views.lines(request)
    response.render()
    assert response.data["code"] == "validation_failed"
    assert response.data["errors"][0]["param"] == "[1].qty"


def test_api_client_response_data(customer):
    client = APIClient(raise_request_exception=False)
    response = client.post("/api/orders/", {"items": []}, format="json")
    body = assert_contract(response, 401, "unauthenticated")
    assert response.data["code"] == "unauthenticated"
    assert response.data == body
    client.force_authenticate(customer)
    response = client.post(
        "/api/orders/", {"items": [{"sku": "NOPE", "quantity": 1}]}, format="json"
    )
    assert response.data["errors"][0]["param"] == "items[0].sku"


def test_returned_responses_through_the_client_carry_data(client):
    response = client.get("/api/test/drf/returns/detail_403/")
    assert response.data["code"] == "permission_denied"
    assert response.data["message"] == "Only the owner may do this."


def test_request_factory_bypasses_the_middleware_so_returned_responses_stay_drfs():
    """Only the middleware sees what a view returns; DRF's factory calls the view alone."""
    request = APIRequestFactory().get("/api/test/drf/returns/detail_403/")
    response = returning.returns(request, name="detail_403")
    response.render()
    assert response.data == {"detail": "Only the owner may do this."}


def test_the_handler_answers_none_for_exceptions_it_does_not_know():
    assert exception_handler(RuntimeError("boom"), {"request": None, "view": None}) is None
    request = APIRequestFactory().get("/api/test/drf/raise/runtime/")
    with pytest.raises(RuntimeError):  # DRF raises it again, as with its default handler
        views.raise_drf(request, name="runtime")


def test_unknown_exceptions_in_drf_views_end_as_the_same_json_500(client, caplog):
    drf = client.get("/api/test/drf/raise/runtime/", HTTP_X_REQUEST_ID="same-id")
    plain = client.get("/api/test/raise/runtime/", HTTP_X_REQUEST_ID="same-id")
    assert_contract(drf, 500, "internal_error")
    assert drf.content == plain.content
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2 and all(r.exc_info for r in errors)  # reported once each


def test_unknown_exceptions_in_drf_views_without_the_middleware(client):
    with override_settings(MIDDLEWARE=WITHOUT_OUR_MIDDLEWARE):
        response = client.get("/api/test/drf/raise/runtime/")
    assert_contract(response, 500, "internal_error")


# The clients below do not re-raise what was reported (raise_request_exception=False): an
# exception that reaches them came out of Django's handler itself.


@pytest.mark.parametrize("url", ["/api/test/drf/raise/runtime/", "/api/test/raise/runtime/"])
def test_debug_propagate_exceptions_lets_unexpected_exceptions_through(client, url):
    with override_settings(DEBUG_PROPAGATE_EXCEPTIONS=True), pytest.raises(RuntimeError):
        client.get(url)


async def test_debug_propagate_exceptions_in_async_views(async_client):
    with override_settings(DEBUG_PROPAGATE_EXCEPTIONS=True):
        with pytest.raises(RuntimeError):
            await async_client.get("/api/test/araise/runtime/")
        response = await async_client.get("/api/test/araise/typed_not_found/")
    assert_contract(response, 404, "not_found")


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/test/drf/raise/typed_not_found/", 404, "not_found"),
        ("/api/test/drf/raise/drf_validation/", 400, "validation_failed"),
        ("/api/test/raise/integrity/", 409, "conflict"),
        ("/api/test/drf/raise/operational/", 503, "service_unavailable"),
    ],
)
def test_debug_propagate_exceptions_still_answers_known_ones(client, url, status, code):
    with override_settings(DEBUG_PROPAGATE_EXCEPTIONS=True):
        assert_contract(client.get(url), status, code)


def test_csrf_failure_in_a_drf_view_is_csrf_failed(staff, caplog):
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.force_login(staff)  # SessionAuthentication enforces CSRF for this user
    drf = browser.post(
        "/api/products/", {"sku": "A", "name": "A", "price": "1"}, content_type="application/json"
    )
    plain = browser.post("/api/catalog/import/", {"products": []}, content_type="application/json")
    drf_body = assert_contract(drf, 403, "csrf_failed", param=None)
    plain_body = assert_contract(plain, 403, "csrf_failed", param=None)
    assert drf_body["message"] == plain_body["message"] == "CSRF verification failed."
    assert "token" not in drf.content.decode().lower()
    csrf_logs = [r.getMessage() for r in caplog.records if r.name == "django.security.csrf"]
    assert any("CSRF Failed: CSRF" in message for message in csrf_logs), csrf_logs
    request_logs = [r for r in caplog.records if r.name == "django.request"]
    assert request_logs == []  # logged once, where Django logs its own CSRF failures
