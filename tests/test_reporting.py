"""5xx: one ERROR record with traceback and request id, one got_request_exception,
a generic message and nothing of the exception in the response; 4xx: no signal."""

import json
import logging

import pytest
from django.core.signals import got_request_exception
from django.test import override_settings

from tests.testapp.raising import SECRET

from .contract import assert_contract

pytestmark = pytest.mark.django_db


@pytest.fixture
def signals():
    received = []

    def receiver(sender, request, **kwargs):
        received.append(request)

    got_request_exception.connect(receiver)
    yield received
    got_request_exception.disconnect(receiver)


SERVER_ERRORS = {
    "plain view": ("/api/test/raise/runtime/", {}),
    "async view": ("/api/test/araise/runtime/", {}),
    "DRF view": ("/api/test/drf/raise/runtime/", {}),
    "middleware": ("/api/test/ok/", {"HTTP_X_RAISE_IN_MIDDLEWARE": "runtime"}),
    "database down": ("/api/test/raise/operational/", {}),
}


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize("source", SERVER_ERRORS)
def test_server_error_is_reported_once(client, caplog, signals, source, debug):
    url, headers = SERVER_ERRORS[source]
    with override_settings(DEBUG=debug), caplog.at_level(logging.INFO):
        response = client.get(url, HTTP_X_REQUEST_ID="rid-500", **headers)
    assert response.status_code in (500, 503)
    assert len(signals) == 1
    errors = [r for r in caplog.records if r.name == "django.request" and r.levelno >= 40]
    assert len(errors) == 1
    record = errors[0]
    assert record.exc_info is not None and record.exc_info[1] is not None
    assert record.status_code == response.status_code
    assert "rid-500" in record.getMessage() or record.request.request_id == "rid-500"
    assert record.request.request_id == "rid-500"


@pytest.mark.parametrize(
    "url",
    [
        "/api/test/raise/typed_not_found/",
        "/api/test/raise/http404/",
        "/api/test/drf/raise/drf_validation/",
        "/api/nowhere/",
        "/api/test/raise/integrity/",
    ],
)
def test_client_errors_send_no_signal(client, caplog, signals, url):
    with caplog.at_level(logging.INFO):
        response = client.get(url)
    assert 400 <= response.status_code < 500
    assert signals == []
    assert all(record.levelno < 40 for record in caplog.records)


def test_secret_never_reaches_the_client(client):
    for url in (
        "/api/test/raise/runtime/",
        "/api/test/drf/raise/runtime/",
        "/api/test/raise/integrity/",
        "/api/test/raise/operational/",
    ):
        response = client.get(url)
        text = response.content.decode()
        assert SECRET not in text and "Traceback" not in text and "password" not in text
        assert SECRET not in "".join(f"{k}: {v}" for k, v in response.items())


def test_generic_message_on_500(client):
    body = assert_contract(client.get("/api/test/raise/runtime/"), 500, "internal_error")
    assert body["message"] == "An internal error occurred. Quote the request id when reporting it."
    assert body["retryable"] is True


def test_failure_inside_the_machinery_still_answers_json(client, caplog, monkeypatch, signals):
    def broken(*args, **kwargs):
        raise ValueError("the renderer itself broke")

    monkeypatch.setattr("django_apierrors.render.error_body", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/test/raise/typed_not_found/", HTTP_X_REQUEST_ID="rid-x")
    assert response.status_code == 500
    body = json.loads(response.content)
    assert body["code"] == "internal_error"
    assert body["request_id"] == response["X-Request-ID"] == "rid-x"
    assert "broke" not in response.content.decode()
    assert any("django-apierrors failed" in r.getMessage() for r in caplog.records)


def test_failure_inside_the_machinery_with_broken_settings(client, caplog):
    with override_settings(API_ERRORS={"ENVELOPE": "error", "DOCS_URL": object()}):
        # doc_url formatting still works with odd values; an unserializable meta does not:
        response = client.get("/api/test/raise/runtime/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "url",
    [
        "/api/test/drf/write-then-fail/",
        "/api/test/write-then-fail/",
        "/api/test/ninja/write-then-fail",
    ],
)
def test_errors_roll_back_what_the_request_wrote(client, url):
    """ATOMIC_REQUESTS: the row written before the error is gone (DRF and Ninja answer
    the exception themselves: they mark the transaction for rollback)."""
    from shop.models import Product

    response = client.post(url)
    assert_contract(response, 409, "conflict")
    assert not Product.objects.filter(sku="WRITTEN-1").exists()
