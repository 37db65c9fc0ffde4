"""Django's own bare error responses on API paths get the contract; preconditions answer
412 with the current validators; request bodies too large answer 413."""

import json

import pytest
from django.conf import settings
from django.test import override_settings

from .contract import assert_contract

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/test/bare/empty-400/", 400, "bad_request"),
        ("/api/test/bare/text-400/", 400, "bad_request"),
        ("/api/test/bare/html-403/", 403, "permission_denied"),
        ("/api/test/bare/html-404/", 404, "not_found"),
    ],
)
def test_returned_error_responses_are_converted(client, url, status, code):
    response = client.get(url)
    assert_contract(response, status, code)
    assert b"<" not in response.content and b"bad input" not in response.content


def test_class_based_405_keeps_allow(client):
    response = client.post("/api/test/bare/only-get/")
    assert_contract(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("decorator", ["condition", "etag"])
def test_djangos_etag_412_is_converted(client, decorator):
    url = f"/api/test/bare/{decorator}/"
    assert client.put(url, HTTP_IF_MATCH='"v2"').status_code == 200
    assert_contract(client.put(url, HTTP_IF_MATCH='"v1"'), 412, "failed_precondition")


def test_djangos_last_modified_412_is_converted(client):
    url = "/api/test/bare/last-modified/"
    fresh = client.put(url, HTTP_IF_UNMODIFIED_SINCE="Fri, 02 Jan 2026 03:04:05 GMT")
    assert fresh.status_code == 200
    stale = client.put(url, HTTP_IF_UNMODIFIED_SINCE="Thu, 01 Jan 2026 00:00:00 GMT")
    assert_contract(stale, 412, "failed_precondition")


def test_precondition_helper_answers_with_the_current_validators(client, caplog):
    stale = client.put("/api/test/preconditions/", HTTP_IF_MATCH='"v1"')
    body = assert_contract(stale, 412, "failed_precondition", param="If-Match")
    assert stale["ETag"] == '"v2"'
    assert stale["Last-Modified"] == "Fri, 02 Jan 2026 03:04:05 GMT"
    assert "ETag" in stale["Access-Control-Expose-Headers"]
    assert body["message"] == "A precondition of the request was not met."
    assert len([r for r in caplog.records if r.name == "django.request"]) == 1  # logged once
    fresh = client.put("/api/test/preconditions/", HTTP_IF_MATCH='"v2"')
    assert fresh.status_code == 200
    unmodified = client.put(
        "/api/test/preconditions/", HTTP_IF_UNMODIFIED_SINCE="Thu, 01 Jan 2026 00:00:00 GMT"
    )
    assert_contract(unmodified, 412, "failed_precondition", param="If-Unmodified-Since")
    create_only = client.put("/api/test/preconditions/", HTTP_IF_NONE_MATCH="*")
    assert_contract(create_only, 412, "failed_precondition", param="If-None-Match")


async def test_precondition_helper_on_async_views(async_client):
    stale = await async_client.put("/api/test/preconditions/async/", headers={"If-Match": '"x"'})
    assert_contract(stale, 412, "failed_precondition", param="If-Match")
    assert stale["ETag"] == '"v2"'
    fresh = await async_client.put("/api/test/preconditions/async/", headers={"If-Match": '"v2"'})
    assert fresh.status_code == 200
    assert json.loads(fresh.content) == {"updated": True}
    # Django sets the validator on a safe method's answer, and answers 304 when it matches.
    read = await async_client.get("/api/test/preconditions/async/")
    assert read.status_code == 200
    assert read["ETag"] == '"v2"'
    unchanged = await async_client.get(
        "/api/test/preconditions/async/", headers={"If-None-Match": '"v2"'}
    )
    assert unchanged.status_code == 304
    assert unchanged["ETag"] == '"v2"'


def test_too_many_fields_is_413(client):
    fields = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    for debug in (False, True):
        with override_settings(DEBUG=debug):
            response = client.post(
                "/api/test/bare/read-post/",
                fields,
                content_type="application/x-www-form-urlencoded",
            )
        assert_contract(response, 413, "request_too_large")


def test_body_over_the_memory_limit_is_413(client):
    body = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post("/api/test/bare/read-post/", body, content_type="text/plain")
    assert response.status_code == 200  # a view that does not read the body is not hurt
    response = client.post(
        "/api/test/bare/read-post/", "a=" + body, content_type="application/x-www-form-urlencoded"
    )
    assert_contract(response, 413, "request_too_large")
