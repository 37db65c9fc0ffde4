"""Request ids: kept when valid, replaced (never echoed) when not, everywhere in logs."""

import json
import logging
import uuid

import pytest
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.test import override_settings
from django.urls import path

from django_apierrors import get_request_id
from django_apierrors.log import RequestIDFilter

pytestmark = pytest.mark.django_db


def is_uuid4(value: str) -> bool:
    try:
        return uuid.UUID(value).version == 4
    except ValueError:
        return False


def test_a_new_uuid_for_every_request(client):
    first = client.get("/api/test/ok/")["X-Request-ID"]
    second = client.get("/api/test/ok/")["X-Request-ID"]
    assert is_uuid4(first) and is_uuid4(second) and first != second


@pytest.mark.parametrize(
    "incoming",
    ["abc", "trace-1.2:3_4", "A" * 128, str(uuid.uuid4())],
    ids=["short", "punctuation", "128-chars", "uuid4"],  # the same ids in every xdist worker
)
def test_valid_incoming_id_is_echoed(client, incoming):
    response = client.get("/api/test/raise/typed_not_found/", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] == incoming
    assert json.loads(response.content)["request_id"] == incoming


@pytest.mark.parametrize(
    "incoming",
    [
        "abc\r\nSet-Cookie: x=1",
        "abc\n",
        "A" * 129,
        "A" * 200,
        "é-accent",
        "-leading-dash",
        "",
        "with space",
        "semi;colon",
    ],
    ids=[
        "crlf",
        "trailing-lf",
        "129-chars",
        "200-chars",
        "non-ascii",
        "leading-dash",
        "empty",
        "space",
        "semicolon",
    ],
)
def test_invalid_incoming_id_is_replaced_and_never_echoed(client, caplog, incoming):
    response = client.get("/api/test/raise/runtime/", HTTP_X_REQUEST_ID=incoming)
    assert is_uuid4(response["X-Request-ID"])
    assert json.loads(response.content)["request_id"] == response["X-Request-ID"]
    if incoming:
        assert incoming not in response.content.decode("latin-1")
        assert all(incoming not in record.getMessage() for record in caplog.records)


def test_untrusted_incoming_ids_are_replaced(client):
    with override_settings(API_ERRORS={"TRUST_REQUEST_ID": False}):
        response = client.get("/api/test/ok/", HTTP_X_REQUEST_ID="abc")
    assert is_uuid4(response["X-Request-ID"])


def test_custom_header_name(client):
    with override_settings(API_ERRORS={"REQUEST_ID_HEADER": "X-Correlation-ID"}):
        response = client.get("/api/test/raise/typed_not_found/", HTTP_X_CORRELATION_ID="corr-1")
    assert response["X-Correlation-ID"] == "corr-1"
    assert "X-Request-ID" not in response
    assert json.loads(response.content)["request_id"] == "corr-1"


def view_reporting_ids(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {"attribute": getattr(request, "request_id", None), "contextvar": get_request_id()}
    )


@transaction.non_atomic_requests
async def async_view_reporting_ids(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {"attribute": getattr(request, "request_id", None), "contextvar": get_request_id()}
    )


urlpatterns = [
    path("api/ids/", view_reporting_ids),
    path("api/aids/", async_view_reporting_ids),
]


@pytest.mark.urls(__name__)
def test_id_is_on_the_request_and_in_the_contextvar(client):
    response = client.get("/api/ids/", HTTP_X_REQUEST_ID="req-7")
    assert json.loads(response.content) == {"attribute": "req-7", "contextvar": "req-7"}
    assert get_request_id() is None  # reset after the request


@pytest.mark.urls(__name__)
async def test_id_in_async_views(async_client):
    response = await async_client.get("/api/aids/", headers={"X-Request-ID": "areq-8"})
    assert json.loads(response.content) == {"attribute": "areq-8", "contextvar": "areq-8"}
    assert get_request_id() is None


def test_log_records_carry_the_id(client, caplog):
    request_filter = RequestIDFilter()
    caplog.handler.addFilter(request_filter)
    try:
        client.get("/api/test/raise/runtime/", HTTP_X_REQUEST_ID="log-42")
        client.get("/api/test/raise/typed_not_found/", HTTP_X_REQUEST_ID="log-43")
    finally:
        caplog.handler.removeFilter(request_filter)
    by_level = {
        record.levelname: record for record in caplog.records if record.name == "django.request"
    }
    assert getattr(by_level["ERROR"], "request_id", None) == "log-42"
    assert getattr(by_level["WARNING"], "request_id", None) == "log-43"


def test_filter_outside_a_request():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "message", (), None)
    assert RequestIDFilter().filter(record) is True
    assert getattr(record, "request_id", None) == "-"
