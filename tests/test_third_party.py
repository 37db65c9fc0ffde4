"""Code we did not write, through real requests: djangorestframework-simplejwt's token
views and authentication, and dj-rest-auth's login, logout and password views. Their
errors leave as the contract: simplejwt's `{"detail", "code", "messages"}` detail is a
message (never field errors), dj-rest-auth's returned `Response({"detail": ...}, 401)` is
the catalog's 401 with that message, with the cookies it unset."""

from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from .conftest import PASSWORD, post_json
from .contract import assert_contract

pytestmark = pytest.mark.django_db


def bearer(token) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def expired_access(user) -> AccessToken:
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=timedelta(seconds=-10))
    return token


# simplejwt's views


def test_obtain_with_wrong_credentials(client, customer):
    response = post_json(client, "/api/token/", {"username": "carol", "password": "wrong"})
    body = assert_contract(response, 401, "authentication_failed", param=None)
    assert body["message"] == "No active account found with the given credentials"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "errors" not in body


def test_obtain_without_fields(client):
    body = assert_contract(post_json(client, "/api/token/", {}), 400, "validation_failed")
    assert [(e["param"], e["code"]) for e in body["errors"]] == [
        ("username", "required"),
        ("password", "required"),
    ]


def test_obtain_refresh_and_verify_succeed(client, customer):
    tokens = post_json(client, "/api/token/", {"username": "carol", "password": PASSWORD}).json()
    refreshed = post_json(client, "/api/token/refresh/", {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 200 and "access" in refreshed.json()
    assert post_json(client, "/api/token/verify/", {"token": tokens["access"]}).status_code == 200


@pytest.mark.parametrize(
    ("url", "field", "token", "message"),
    [
        ("/api/token/refresh/", "refresh", "not-a-token", "Token is invalid"),
        ("/api/token/verify/", "token", "not-a-token", "Token is invalid"),
        ("/api/token/refresh/", "refresh", "access", "Token has wrong type"),
        ("/api/token/verify/", "token", "expired", "Token is expired"),
    ],
)
def test_invalid_tokens_are_messages_not_field_errors(client, customer, url, field, token, message):
    """InvalidToken's detail is {"detail", "code": "token_not_valid"}: a message."""
    if token == "access":
        token = str(AccessToken.for_user(customer))
    elif token == "expired":
        token = str(expired_access(customer))
    response = post_json(client, url, {field: token})
    body = assert_contract(response, 401, "authentication_failed", param=None)
    assert body["message"] == message
    assert "errors" not in body
    assert "token_not_valid" not in response.content.decode()


# simplejwt's authentication, on a DRF view of the shop


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("expired", "Given token not valid for any token type"),
        ("refresh", "Given token not valid for any token type"),
        ("malformed", "Given token not valid for any token type"),
        ("two parts", "Authorization header must contain two space-delimited values"),
    ],
)
def test_bearer_tokens_the_authenticator_refuses(client, customer, token, message):
    values = {
        "expired": lambda: str(expired_access(customer)),
        "refresh": lambda: str(RefreshToken.for_user(customer)),
        "malformed": lambda: "abc.def.ghi",
        "two parts": lambda: "a b",
    }
    response = client.get("/api/orders/", **bearer(values[token]()))
    body = assert_contract(response, 401, "authentication_failed", param=None)
    assert body["message"] == message
    assert "errors" not in body  # no entry for "detail" or "messages", never sent
    assert response["WWW-Authenticate"] == 'Basic realm="api"'  # the view's first authenticator


def test_a_valid_bearer_token_gets_through(client, customer):
    response = client.get("/api/orders/", **bearer(AccessToken.for_user(customer)))
    assert response.status_code == 200


# dj-rest-auth


def login(client, password=PASSWORD):
    return post_json(client, "/api/auth/login/", {"username": "carol", "password": password})


def test_login_with_wrong_credentials(client, customer):
    body = assert_contract(login(client, "wrong"), 400, "validation_failed", param=None)
    assert body["message"] == "Unable to log in with provided credentials."
    assert body["errors"] == [
        {
            "message": "Unable to log in with provided credentials.",
            "code": "invalid",
            "param": None,
            "pointer": "",
        }
    ]


def test_logout_without_refresh_token_is_the_catalogs_401(client, customer):
    access = login(client).json()["access"]
    response = post_json(client, "/api/auth/logout/", {}, **bearer(access))
    body = assert_contract(response, 401, "unauthenticated", param=None)
    assert body["message"] == "Refresh token was not included in request data."
    assert "errors" not in body
    # LogoutView unset the JWT cookies on the response it turned into a 401.
    assert response.cookies["access"]["max-age"] == 0
    assert response.cookies["refresh"]["max-age"] == 0


def test_logout_with_an_invalid_refresh_token(client, customer):
    access = login(client).json()["access"]
    response = post_json(client, "/api/auth/logout/", {"refresh": "garbage"}, **bearer(access))
    body = assert_contract(response, 401, "unauthenticated", param=None)
    assert body["message"] == "Token is invalid"


def test_logout_blacklists_and_a_second_logout_is_refused(client, customer):
    tokens = login(client).json()
    response = post_json(
        client, "/api/auth/logout/", {"refresh": tokens["refresh"]}, **bearer(tokens["access"])
    )
    assert response.status_code == 200
    again = post_json(
        client, "/api/auth/logout/", {"refresh": tokens["refresh"]}, **bearer(tokens["access"])
    )
    body = assert_contract(again, 401, "unauthenticated", param=None)
    assert body["message"] == "Token is blacklisted"


def test_password_change(client, customer):
    anonymous = post_json(
        client, "/api/auth/password/change/", {"new_password1": "a", "new_password2": "a"}
    )
    assert_contract(anonymous, 401, "unauthenticated", param=None)
    access = login(client).json()["access"]
    mismatch = post_json(
        client,
        "/api/auth/password/change/",
        {"new_password1": "a-Long-pass-1", "new_password2": "other"},
        **bearer(access),
    )
    body = assert_contract(mismatch, 400, "validation_failed", param="new_password2")
    assert body["errors"][0]["pointer"] == "/new_password2"
    weak = post_json(
        client,
        "/api/auth/password/change/",
        {"new_password1": "", "new_password2": ""},
        **bearer(access),
    )
    assert_contract(weak, 400, "validation_failed", param=None)
    changed = post_json(
        client,
        "/api/auth/password/change/",
        {"new_password1": "a-Long-pass-1", "new_password2": "a-Long-pass-1"},
        **bearer(access),
    )
    assert changed.status_code == 200
