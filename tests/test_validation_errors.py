"""Field errors: `param` paths and RFC 6901 pointers for every shape DRF and Django produce."""

import warnings
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import translation
from django.utils.autoreload import file_changed

from django_apierrors import exceptions

from .contract import assert_contract

pytestmark = pytest.mark.django_db

VALID_CART = {
    "email": "carol@example.com",
    "password": "long-enough",
    "address": {"city": "Lyon", "zip": "69001"},
    "items": [{"qty": 1}, {"qty": 2}],
}


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_one_invalid_field_names_it(client):
    body = assert_contract(
        post(client, "/api/test/drf/cart/", {**VALID_CART, "email": "nope"}),
        400,
        "validation_failed",
        param="email",
    )
    assert body["message"] == "Enter a valid email address."
    assert body["errors"] == [
        {
            "message": "Enter a valid email address.",
            "code": "invalid",
            "param": "email",
            "pointer": "/email",
        }
    ]


def test_nested_serializer_and_list_items(client):
    data = {
        **VALID_CART,
        "address": {"city": "Lyon", "zip": "x"},
        "items": [{"qty": 1}, {"qty": 0, "note": "far too long"}],
        "tags": [1, "a"],
    }
    body = assert_contract(
        post(client, "/api/test/drf/cart/", data), 400, "validation_failed", param=None
    )
    assert [(e["param"], e["pointer"], e["code"]) for e in body["errors"]] == [
        ("address.zip", "/address/zip", "invalid"),
        ("items[1].qty", "/items/1/qty", "min_value"),
        ("items[1].note", "/items/1/note", "max_length"),
        ("tags[1]", "/tags/1", "invalid"),
    ]
    assert body["message"] == "4 parameters are invalid."


@pytest.mark.parametrize("as_dict", [True, False], ids=["dict-keyed-by-index", "list"])
def test_many_true_both_drf_shapes(client, as_dict):
    rest_framework = {
        "EXCEPTION_HANDLER": "django_apierrors.drf.exception_handler",
        "LIST_SERIALIZER_ERRORS_AS_DICT": as_dict,
    }
    # DRF 3.18 deprecates the list shape (and warns); older DRF only has the list shape.
    with override_settings(REST_FRAMEWORK=rest_framework), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        response = post(client, "/api/test/drf/lines/", [{"qty": 1}, {"qty": 0}, {}])
    body = assert_contract(response, 400, "validation_failed", param=None)
    assert [(e["param"], e["pointer"], e["code"]) for e in body["errors"]] == [
        ("[1].qty", "/1/qty", "min_value"),
        ("[2].qty", "/2/qty", "required"),
    ]


def test_non_field_errors_have_no_param(client):
    data = {**VALID_CART, "email": "long-enough@example.com"}
    body = assert_contract(
        post(client, "/api/test/drf/cart/", data), 400, "validation_failed", param=None
    )
    assert body["errors"] == [
        {
            "message": "The password must not start the email.",
            "code": "invalid",
            "param": None,
            "pointer": "",
        }
    ]
    assert body["message"] == "The password must not start the email."


def test_several_errors_on_one_field_keep_their_order(client):
    from rest_framework import serializers

    from django_apierrors.field_errors import flatten_errors

    detail = serializers.ValidationError(
        {
            "password": [
                serializers.ErrorDetail("Too short.", code="min_length"),
                serializers.ErrorDetail("Too common.", code="password_too_common"),
            ]
        }
    ).detail
    errors = flatten_errors(detail)
    assert [(e.param, e.code) for e in errors] == [
        ("password", "min_length"),
        ("password", "password_too_common"),
    ]
    # And through a request: both listed, the one param named.
    response = post(client, "/api/test/drf/cart/", {**VALID_CART, "password": "short"})
    assert_contract(response, 400, "validation_failed", param="password")


def test_missing_body_fields(client):
    body = assert_contract(post(client, "/api/test/drf/cart/", {}), 400, "validation_failed")
    assert [e["param"] for e in body["errors"]] == ["email", "password", "address", "items"]
    assert {e["code"] for e in body["errors"]} == {"required"}


def test_validation_status_422(client):
    with override_settings(API_ERRORS={"VALIDATION_STATUS": 422}):
        body = assert_contract(post(client, "/api/test/drf/cart/", {}), 422, "validation_failed")
        assert body["type"] == "validation_error"
        assert_contract(
            client.get("/api/test/raise/django_validation_dict/"), 422, "validation_failed"
        )
    assert_contract(post(client, "/api/test/drf/cart/", {}), 400, "validation_failed")


def test_pointer_escapes_rfc6901():
    from django_apierrors.field_errors import param_for_path, path_for_param, pointer_for_path

    assert pointer_for_path(("a/b", "m~n", 0)) == "/a~1b/m~0n/0"
    assert param_for_path(("items", 3, "email")) == "items[3].email"
    assert path_for_param("items[3].email") == ("items", 3, "email")
    assert path_for_param(param_for_path(("a", 0, 1, "b"))) == ("a", 0, 1, "b")


def test_the_count_summary_follows_the_active_language(client, monkeypatch):
    # The summary is cached per language; a fake catalog shows which language it came from.
    def ngettext(singular: str, plural: str, count: int) -> str:
        return f"[{translation.get_language()}] %(count)d invalid"

    monkeypatch.setattr(exceptions, "ngettext", ngettext)
    exceptions._count_message.cache_clear()
    data = {"address": {"city": "Lyon", "zip": "x"}, "items": [], "tags": [1, "a"]}
    messages = []
    for language in ("de", "fr", "de"):
        # LocaleMiddleware activates the client's language.
        response = client.post(
            "/api/test/drf/cart/",
            dict(VALID_CART, **data),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
        messages.append(response.json()["message"])
    assert messages == ["[de] 2 invalid", "[fr] 2 invalid", "[de] 2 invalid"]


@pytest.fixture
def ngettext_calls(monkeypatch):
    """The counts Django's ngettext is asked for, through a fake that answers the plural."""
    calls: list[int] = []

    def ngettext(singular: str, plural: str, count: int) -> str:
        calls.append(count)
        return plural

    monkeypatch.setattr(exceptions, "ngettext", ngettext)
    exceptions._count_message.cache_clear()
    return calls


def test_a_language_setting_change_forgets_cached_summaries(ngettext_calls):
    calls = ngettext_calls
    exceptions._count_message("en", 2)
    exceptions._count_message("en", 2)
    assert calls == [2]
    with override_settings(LOCALE_PATHS=["/nowhere"]):
        exceptions._count_message("en", 2)
    assert calls == [2, 2]
    with override_settings(API_ERRORS={"ENVELOPE": "error"}):  # not a translation setting
        exceptions._count_message("en", 2)
    assert calls == [2, 2, 2]  # the exit from LOCALE_PATHS cleared it again


def test_a_changed_translation_file_forgets_cached_summaries(ngettext_calls):
    calls = ngettext_calls
    exceptions._count_message("en", 3)
    file_changed.send(sender=None, file_path=Path("shop/locale/de/LC_MESSAGES/django.py"))
    exceptions._count_message("en", 3)
    assert calls == [3]
    results = file_changed.send(sender=None, file_path=Path("locale/de/LC_MESSAGES/django.mo"))
    exceptions._count_message("en", 3)
    assert calls == [3, 3]
    ours = [answer for receiver, answer in results if receiver.__module__ == exceptions.__name__]
    assert ours == [None]  # never asks runserver to skip its restart


@pytest.mark.parametrize(
    ("code", "cleaned"),
    [
        ("min_value", "min_value"),
        ("Not-Valid", "not_valid"),
        ("!!!", "invalid"),
        (None, "invalid"),
        (["unhashable"], "invalid"),
    ],
)
def test_field_codes_are_cleaned_alike_on_first_and_later_use(code, cleaned):
    class Message(str):
        pass

    leaf = Message("Wrong.")
    leaf.code = code  # type: ignore[attr-defined]
    for tree in ({"field": [leaf]}, {"field": leaf}, [leaf]) * 2:
        (error,) = exceptions.ValidationFailed(errors=tree).errors
        assert (error.message, error.code) == ("Wrong.", cleaned)
        assert type(error.message) is str


def test_the_memo_of_cleaned_codes_stays_bounded():
    from django_apierrors import field_errors

    codes = [f"Code-{number}" for number in range(field_errors._CLEAN_CODES_KEPT + 100)]
    tree = {f"f{number}": [field_errors._CodedMessage("Wrong.")] for number in range(len(codes))}
    for leaves, code in zip(tree.values(), codes, strict=True):
        leaves[0].code = code
    errors = exceptions.ValidationFailed(errors=tree).errors
    assert [error.code for error in errors] == [code.lower().replace("-", "_") for code in codes]
    assert len(field_errors._clean_codes) <= field_errors._CLEAN_CODES_KEPT


def test_a_list_mixing_field_errors_and_dicts_keeps_both():
    from django_apierrors.field_errors import FieldError

    given = [
        FieldError("Too small.", "min_value", "qty", "/qty"),
        {"param": "items[2].sku", "message": "Required.", "code": "required"},
    ]
    errors = exceptions.ValidationFailed(errors=given).errors
    assert [(e.param, e.pointer, e.code) for e in errors] == [
        ("qty", "/qty", "min_value"),
        ("items[2].sku", "/items/2/sku", "required"),
    ]
