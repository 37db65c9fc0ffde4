"""The settings object reloads on setting_changed; assert_api_error really checks."""

import json

import pytest
from django.http import HttpResponse, JsonResponse
from django.test import override_settings

from django_apierrors.conf import api_settings
from django_apierrors.testing import assert_api_error


def test_defaults_and_reload():
    assert api_settings.ENVELOPE is None
    with override_settings(API_ERRORS={"ENVELOPE": "error", "REQUEST_ID_HEADER": "X-Trace"}):
        assert api_settings.ENVELOPE == "error"
        assert api_settings.request_id_meta_key == "HTTP_X_TRACE"
    assert api_settings.ENVELOPE is None
    assert api_settings.request_id_meta_key == "HTTP_X_REQUEST_ID"


def test_unknown_attribute():
    with pytest.raises(AttributeError):
        api_settings.NOT_A_SETTING  # noqa: B018


def good_response(**overrides):
    body = {
        "message": "Gone.",
        "type": "not_found_error",
        "code": "not_found",
        "param": None,
        "request_id": "r-1",
        "status": 404,
        "retryable": False,
        **overrides,
    }
    response = JsonResponse(body, status=404)
    response["X-Request-ID"] = "r-1"
    response["Cache-Control"] = "no-store"
    return response


def test_assert_api_error_accepts_a_good_response():
    assert assert_api_error(good_response(), 404, "not_found", param=None)["code"] == "not_found"


@pytest.mark.parametrize(
    ("response", "status", "code", "param"),
    [
        (good_response(), 400, "not_found", None),
        (good_response(), 404, "gone", None),
        (good_response(), 404, "not_found", "sku"),
        (good_response(request_id="r-2"), 404, "not_found", None),
        (good_response(type="odd_error"), 404, "not_found", None),
        (good_response(retryable=True), 404, "not_found", None),
        (good_response(status="404"), 404, "not_found", None),
        (good_response(message=""), 404, "not_found", None),
        (good_response(errors=[{"message": "x"}]), 404, "not_found", None),
        (HttpResponse("<h1>Not Found</h1>", status=404), 404, "not_found", None),
    ],
)
def test_assert_api_error_rejects_contract_breaches(response, status, code, param):
    with pytest.raises(AssertionError):
        assert_api_error(response, status, code, param=param)


def test_assert_api_error_needs_the_header_and_no_store():
    response = good_response()
    del response["X-Request-ID"]
    with pytest.raises(AssertionError):
        assert_api_error(response, 404, "not_found")
    response = good_response()
    del response["Cache-Control"]
    with pytest.raises(AssertionError):
        assert_api_error(response, 404, "not_found")


def test_assert_api_error_reads_problem_json_and_envelopes():
    problem = good_response()
    document = json.loads(problem.content)
    problem.content = json.dumps(
        {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "Gone.",
            "code": "not_found",
            "error_type": "not_found_error",
            "param": None,
            "request_id": "r-1",
            "retryable": False,
        }
    )
    problem["Content-Type"] = "application/problem+json"
    assert_api_error(problem, 404, "not_found")
    with override_settings(API_ERRORS={"ENVELOPE": "error"}):
        enveloped = good_response()
        enveloped.content = json.dumps({"error": document})
        assert_api_error(enveloped, 404, "not_found")
        with pytest.raises(AssertionError):
            assert_api_error(good_response(), 404, "not_found")
