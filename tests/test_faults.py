"""Faults inside the machinery and around it: each still answers JSON with a request id,
and something says what happened."""

import json
import logging

import pytest
from django.test import override_settings

from .conftest import requires_postgres
from .contract import assert_contract

pytestmark = pytest.mark.django_db


class Exploding(logging.Filter):
    def filter(self, record):
        raise RuntimeError("the log filter broke")


def test_a_failing_log_filter_during_a_500(client, capsys):
    logger = logging.getLogger("django.request")
    broken = Exploding()
    logger.addFilter(broken)
    try:
        response = client.get("/api/test/raise/runtime/", HTTP_X_REQUEST_ID="fault-1")
    finally:
        logger.removeFilter(broken)
    body = assert_contract(response, 500, "internal_error")
    assert body["request_id"] == "fault-1"
    stderr = capsys.readouterr().err
    assert "reporting a server error failed" in stderr and "fault-1" in stderr


def test_a_broken_message_in_a_projects_exception(client, caplog):
    response = client.get("/api/test/raise/broken_message/", HTTP_X_REQUEST_ID="fault-2")
    body = assert_contract(response, 500, "internal_error")
    assert body["request_id"] == "fault-2"
    assert any("django-apierrors failed" in r.getMessage() for r in caplog.records)


def test_a_bug_in_a_rate_callable_is_a_500_not_an_outage(client, caplog):
    with override_settings(SEARCH_RATE="not a rate"):
        response = client.get("/api/catalog/search/?q=mug")
    # django-ratelimit cannot parse the rate: a bug, answered 500 and logged with traceback.
    assert_contract(response, 500, "internal_error")
    errors = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert errors and "ratelimit" not in {r.name for r in caplog.records}


def test_a_broken_template_during_a_view(client):
    for debug in (False, True):
        with override_settings(DEBUG=debug):
            response = client.get("/api/test/broken-template/")
        assert response["Content-Type"] == "application/json"
        body = json.loads(response.content)
        assert (response.status_code, body["code"]) == (500, "internal_error")
        assert body["request_id"] == response["X-Request-ID"]


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_goes_away_mid_request(client, caplog):
    response = client.get("/api/test/database-goes-away/", HTTP_X_REQUEST_ID="fault-db")
    body = assert_contract(response, 503, "service_unavailable")
    assert body["request_id"] == "fault-db"
    assert "terminat" not in response.content.decode().lower()
    logged = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert logged and "OperationalError" in type(logged[0].exc_info[1]).__name__
    from django.db import connection

    connection.ensure_connection()  # the next request gets a fresh connection
    assert connection.is_usable()
