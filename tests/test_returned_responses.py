"""Error Responses that DRF views return instead of raising leave as the contract: field
errors as if `ValidationError(data)` had been raised, `{"detail": message}` as the catalog's
error for the status with that message; their WWW-Authenticate, Allow, Retry-After and
cookies are kept. Plain JsonResponses are left alone, and CONVERT_RETURNED_ERRORS=False
leaves DRF's too."""

import json

import pytest
from django.conf import settings
from django.test import override_settings

from .conftest import post_json
from .contract import assert_contract

pytestmark = pytest.mark.django_db

OURS = "django_apierrors.middleware.APIErrorsMiddleware"

CART = {
    "email": "not-an-email",
    "password": "short",
    "address": {"city": "Lyon", "zip": "ABCDE"},
    "items": [{"qty": 1}, {"qty": 0, "note": "far too long"}],
}


def returned(client, name, **extra):
    return client.get(f"/api/test/drf/returns/{name}/", **extra)


def test_tutorial_serializer_errors_answer_as_if_raised(client):
    answered = post_json(client, "/api/test/drf/tutorial/cart/", CART, HTTP_X_REQUEST_ID="r-1")
    raised = post_json(client, "/api/test/drf/raising/cart/", CART, HTTP_X_REQUEST_ID="r-1")
    body = assert_contract(answered, 400, "validation_failed", param=None)
    assert answered.content == raised.content
    assert [(e["param"], e["code"]) for e in body["errors"]] == [
        ("email", "invalid"),
        ("password", "min_length"),
        ("address.zip", "invalid"),
        ("items[1].qty", "min_value"),
        ("items[1].note", "max_length"),
    ]
    assert body["message"] == "5 parameters are invalid."


def test_tutorial_views_of_every_kind(client):
    lines = [{"qty": 2}, {"qty": 0}]
    for url in ("/api/test/drf/tutorial/lines/",):
        body = assert_contract(post_json(client, url, lines), 400, "validation_failed")
        assert [(e["param"], e["pointer"]) for e in body["errors"]] == [("[1].qty", "/1/qty")]
    body = assert_contract(
        post_json(client, "/api/test/drf/tutorial/line-set/", {"qty": "x", "note": "too long"}),
        400,
        "validation_failed",
        param=None,
    )
    assert [(e["param"], e["code"]) for e in body["errors"]] == [
        ("qty", "invalid"),
        ("note", "max_length"),
    ]
    assert post_json(client, "/api/test/drf/tutorial/line-set/", {"qty": 3}).status_code == 201


@pytest.mark.parametrize(
    ("name", "status", "code", "message", "param"),
    [
        (
            "detail_401",
            401,
            "unauthenticated",
            "Refresh token was not included in request data.",
            None,
        ),
        ("detail_403", 403, "permission_denied", "Only the owner may do this.", None),
        ("detail_404", 404, "not_found", "No such cart.", None),
        ("detail_400", 400, "bad_request", "You should be logged in to logout.", None),
        ("detail_500", 500, "internal_error", "An error has occurred.", None),
        ("detail_with_code", 401, "authentication_failed", "The token has expired.", None),
        ("detail_with_drf_code", 401, "unauthenticated", "Log in first.", None),
        ("detail_with_foreign_code", 401, "unauthenticated", "Token is blacklisted", None),
        ("message_string", 409, "conflict", "The cart is locked.", None),
        # DRF's own texts give way to the catalog's: one code, one message.
        ("drf_default_detail", 404, "not_found", "The requested resource was not found.", None),
        (
            "detail_405",
            405,
            "method_not_allowed",
            "This method is not allowed for this resource.",
            None,
        ),
        ("nothing", 404, "not_found", "The requested resource was not found.", None),
        ("empty_dict", 400, "bad_request", "The request could not be understood.", None),
        ("fields_400", 400, "validation_failed", "2 parameters are invalid.", None),
        ("non_field_errors", 400, "validation_failed", "The cart is empty.", None),
        ("message_list_400", 400, "validation_failed", "The cart is empty.", None),
        ("nested_400", 400, "validation_failed", "This value does not match.", "address.zip"),
        ("field_named_detail", 400, "validation_failed", "This field is required.", "detail"),
        (
            "fields_409",
            409,
            "conflict",
            "The request conflicts with the current state of the resource.",
            "sku",
        ),
    ],
)
def test_returned_shapes(client, name, status, code, message, param):
    response = returned(client, name)
    body = assert_contract(response, status, code)
    assert body["message"] == message
    if param is None:
        assert body["param"] is None
    else:
        assert param in [e["param"] for e in body["errors"]]


def test_both_many_shapes_name_the_item(client):
    for name in ("many_list_400", "many_dict_400"):
        body = assert_contract(returned(client, name), 400, "validation_failed")
        assert [(e["param"], e["pointer"]) for e in body["errors"]] == [("[1].qty", "/1/qty")]


def test_drf_method_text_goes_to_meta(client):
    body = assert_contract(returned(client, "detail_405"), 405, "method_not_allowed")
    assert body["meta"] == {"method": "PATCH"}


def test_kept_headers_and_cookies(client):
    response = returned(client, "detail_401")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.cookies["cart"]["max-age"] == 0  # the view's cookie change survives
    with override_settings(
        API_ERRORS={"PATH_PREFIXES": ["/api/"], "CONVERT_RETURNED_ERRORS": False}
    ):
        unconverted = returned(client, "detail_401")
    # SessionMiddleware's and LocaleMiddleware's, kept on the answer given in place.
    assert response["Vary"] == unconverted["Vary"] == "Accept-Language, Cookie"
    assert returned(client, "detail_429")["Retry-After"] == "30"
    # DRF itself puts the view's methods in Allow, over what the view set.
    allow = returned(client, "detail_405")["Allow"]
    assert sorted(method.strip() for method in allow.split(",")) == ["GET", "OPTIONS"]


CORS_LIKE = "tests.testapp.middleware.CorsLikeMiddleware"


@pytest.mark.parametrize(
    "url",
    [
        "/api/test/drf/returns/fields_400/",  # returned by a DRF view
        "/api/test/bare/html-404/",  # Django's bare response
        "/api/test/drf/raise/drf_validation/",  # raised
    ],
)
def test_headers_of_middleware_inside_ours_are_kept(client, url):
    """django-cors-headers and the security middlewares sit below ours: a browser must still
    be let to read the error."""
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index(OURS) + 1, CORS_LIKE)
    with override_settings(MIDDLEWARE=middleware):
        response = client.get(url)
    assert response.status_code in (400, 404)
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Type"] == "application/json"


def test_template_html_responses_never_show_their_context(client):
    """A TemplateHTMLRenderer view's data is its template's context (a serializer, the
    user): answered with the status's catalog entry, nothing of the data."""
    response = post_json(client, "/api/test/drf/html-form/", {**CART, "email": "secret-x"})
    body = assert_contract(response, 400, "bad_request", param=None)
    assert "errors" not in body
    text = response.content.decode()
    assert "secret-x" not in text and "AnonymousUser" not in text and "serializer" not in text


def test_unreadable_returned_data_keeps_its_status(client, caplog):
    response = returned(client, "unprintable")
    body = assert_contract(response, 400, "bad_request", param=None)
    assert body["message"] == "The request could not be understood."
    assert response.cookies["cart"]["max-age"] == 0
    assert any(r.name == "django_apierrors" and r.exc_info for r in caplog.records)


def test_fields_at_the_validation_status(client):
    with override_settings(API_ERRORS={"PATH_PREFIXES": ["/api/"], "VALIDATION_STATUS": 422}):
        body = assert_contract(returned(client, "fields_400"), 422, "validation_failed")
        assert len(body["errors"]) == 2
        assert_contract(returned(client, "fields_422"), 422, "validation_failed")
    # Returned at 422 while validation answers 400: the catalog's 422, with the errors.
    body = assert_contract(returned(client, "fields_422"), 422, "unprocessable_entity")
    assert body["errors"][0]["param"] == "email"


def test_a_5xx_returned_is_logged_once_and_sends_no_signal(client, caplog):
    from django.core.signals import got_request_exception

    signals = []

    def receiver(**kwargs):
        signals.append(kwargs)

    got_request_exception.connect(receiver)
    try:
        assert_contract(returned(client, "detail_500"), 500, "internal_error")
    finally:
        got_request_exception.disconnect(receiver)
    assert signals == []  # nothing was raised
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.levelname for r in records] == ["ERROR"]


def test_plain_json_responses_are_left_alone(client):
    response = client.get("/api/test/json-not-found/")
    assert json.loads(response.content) == {"detail": "kept as it is"}


def test_setting_off_leaves_drf_responses_alone(client):
    with override_settings(
        API_ERRORS={"PATH_PREFIXES": ["/api/"], "CONVERT_RETURNED_ERRORS": False}
    ):
        response = returned(client, "detail_403")
        tutorial = post_json(client, "/api/test/drf/tutorial/cart/", CART)
    assert response.status_code == 403
    assert json.loads(response.content) == {"detail": "Only the owner may do this."}
    assert response["X-Request-ID"]
    assert tutorial.status_code == 400 and "email" in json.loads(tutorial.content)


def test_successes_are_untouched(client):
    response = client.get("/api/test/drf/ok/")
    assert (response.status_code, json.loads(response.content)) == (200, {"ok": True})
