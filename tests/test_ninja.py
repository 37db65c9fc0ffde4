"""Django Ninja through `install()`: every error of its operations by the contract, through
Ninja's own TestClient (no middleware) and through Django's test client (the whole stack),
and its OpenAPI schema documenting them."""

from __future__ import annotations

import inspect
import json
import logging
from typing import Any

import pydantic.networks
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import got_request_exception
from django.test import Client, override_settings
from django.utils import translation
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.testing import TestAsyncClient, TestClient
from openapi_spec_validator import validate as validate_openapi

from django_apierrors import APIError, catalog
from django_apierrors.checks import NINJA_INSTALLED, check_ninja_apis
from django_apierrors.ninja import answer_exception, install, translate
from django_apierrors.ninja.translate import BODY_PARAMETER, from_ninja_exception
from tests.testapp import ninja_api
from tests.testapp.raising import EXCEPTIONS, SECRET

from .contract import assert_contract
from .schema_tools import validate

pytestmark = pytest.mark.django_db

PREFIX = "/api/test/ninja"
ORDER = {
    "items": [{"sku": "MUG-1", "qty": 1}, {"sku": "", "qty": "many"}],
    "address": {"city": "Lyon", "zip": "6900"},
}
ORDER_ERRORS = [
    ("items[1].sku", "/items/1/sku", "string_too_short"),
    ("items[1].qty", "/items/1/qty", "int_parsing"),
    ("address.zip", "/address/zip", "string_pattern_mismatch"),
]


@pytest.fixture
def ninja_client() -> TestClient:
    return TestClient(ninja_api.api)


@pytest.fixture
def quiet_client() -> Client:
    """Django's test client that answers a 500 instead of raising what caused it."""
    return Client(raise_request_exception=False)


def entries(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(e["param"], e["pointer"], e["code"]) for e in body["errors"]]


# --- validation errors ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/orders", "/async/orders"])
def test_a_nested_body_names_each_input_relative_to_the_body(client, path):
    response = client.post(PREFIX + path, ORDER, content_type="application/json")
    body = assert_contract(response, 400, "validation_failed", param=None)
    assert body["message"] == "3 parameters are invalid."
    assert entries(body) == ORDER_ERRORS
    assert {error["location"] for error in body["errors"]} == {"body"}
    # pydantic's text: Django's says the input's length, which Ninja drops from its errors.
    assert body["errors"][0]["message"] == "String should have at least 1 character"
    assert body["errors"][1]["message"] == "Enter a whole number."
    assert body["errors"][2]["message"] == "Enter a valid value."


def test_ninjas_test_client_gets_the_same_body(client, ninja_client):
    through_ninja = ninja_client.post("/orders", json=ORDER)
    through_django = client.post(PREFIX + "/orders", ORDER, content_type="application/json")
    assert_contract(through_ninja, 400, "validation_failed")
    assert without_request_id(through_ninja.json()) == without_request_id(through_django.json())


async def test_async_operations_through_ninjas_async_test_client():
    response = await TestAsyncClient(ninja_api.api).post("/async/orders", json=ORDER)
    assert entries(assert_contract(response, 400, "validation_failed")) == ORDER_ERRORS


def test_validation_status_moves_field_errors_to_422(ninja_client):
    with override_settings(API_ERRORS={"VALIDATION_STATUS": 422}):
        response = ninja_client.post("/orders", json=ORDER)
    assert entries(assert_contract(response, 422, "validation_failed")) == ORDER_ERRORS


def test_two_body_parameters_keep_their_names_as_body_keys(ninja_client):
    response = ninja_client.post("/adoptions", json={"pet": {}, "owner": {"email": "a@b.c"}})
    body = assert_contract(response, 400, "validation_failed", param="pet.name")
    assert body["errors"] == [
        {
            "message": "This field is required.",
            "code": "missing",
            "param": "pet.name",
            "pointer": "/pet/name",
            "location": "body",
        }
    ]


def test_a_missing_body_is_the_whole_document(ninja_client):
    body = assert_contract(ninja_client.post("/orders"), 400, "validation_failed", param=None)
    assert body["errors"] == [
        {
            "message": "This field is required.",
            "code": "missing",
            "param": None,
            "pointer": "",
            "location": "body",
        }
    ]


def test_path_query_and_header_parameters_are_named_by_their_names(ninja_client):
    response = ninja_client.get("/items/abc?page=0&size=500")
    body = assert_contract(response, 400, "validation_failed", param=None)
    assert [(e["param"], e["location"], e["code"], e["message"]) for e in body["errors"]] == [
        ("item_id", "path", "int_parsing", "Enter a whole number."),
        ("page", "query", "greater_than_equal", "Ensure this value is greater than or equal to 1."),
        ("size", "query", "less_than_equal", "Ensure this value is less than or equal to 100."),
        ("X-Tenant", "header", "missing", "This field is required."),
    ]
    assert body["message"] == "4 parameters are invalid."


def test_one_failing_query_parameter_is_the_param(ninja_client):
    response = ninja_client.get("/items/7?page=0", headers={"X-Tenant": "acme"})
    body = assert_contract(response, 400, "validation_failed", param="page")
    assert body["message"] == "Ensure this value is greater than or equal to 1."


def test_a_router_mounted_on_the_api(ninja_client, client):
    assert ninja_client.get("/router/greetings/ann?times=2").json() == {
        "greeting": "Hello ann Hello ann"
    }
    response = client.get(PREFIX + "/router/greetings/ann?times=9")
    body = assert_contract(response, 400, "validation_failed", param="times")
    assert body["errors"][0]["location"] == "query"
    assert_contract(client.get(PREFIX + "/router/missing"), 404, "not_found")


@pytest.mark.parametrize("debug", [False, True])
def test_a_body_that_is_no_json_is_a_parse_error_without_the_decoders_text(client, debug):
    with override_settings(DEBUG=debug):
        response = client.post(PREFIX + "/orders", "{oops", content_type="application/json")
    body = assert_contract(response, 400, "parse_error", debug=debug)
    assert body["message"] == catalog.get("parse_error").message
    assert "Expecting" not in json.dumps(without_debug(body))


def test_the_body_parameter_ninja_wraps_the_body_in_is_dropped_from_loc():
    """Pins the Ninja internals the translation relies on: an operation with one body
    parameter validates `{"payload": <body>}`, and its body model names that parameter in
    `__read_from_single_attr__` (install() notes it on the ValidationError)."""
    seen = []
    api = install(NinjaAPI(urls_namespace="pin-body"))

    @api.post("/orders")
    def create(request, payload: ninja_api.Order) -> dict:
        return {}

    original = api.validation_error_from_error_contexts

    def spy(contexts):
        error = original(contexts)
        seen.append(error)
        return error

    api.validation_error_from_error_contexts = spy  # type: ignore[method-assign]
    TestClient(api).post("/orders", json={"items": [], "address": {}})
    (error,) = seen
    assert getattr(error, BODY_PARAMETER) == "payload"
    assert {tuple(item["loc"][:2]) for item in error.errors} == {("body", "payload")}


def test_pydantics_own_loc_entries_are_not_the_clients():
    client = TestClient(ninja_api.api)
    body = {"pet": {"kind": "cat", "meow": "loud"}, "value": "x", "tally": {"a": "b"}}
    errors = assert_contract(client.post("/shelters", json=body), 400, "validation_failed")
    assert [(e["param"], e["pointer"]) for e in errors["errors"]] == [
        ("pet.meow", "/pet/meow"),  # pydantic's loc: ("pet", "cat", "meow")
        ("value", "/value"),  # ("value", "int") and ("value", "list[int]")
        ("value", "/value"),
        ("tally.a", "/tally/a"),
    ]
    missing = client.post("/shelters", json={"pet": {"kind": "dog"}})
    assert assert_contract(missing, 400, "validation_failed")["errors"][0]["pointer"] == (
        "/pet/bark"
    )


def test_a_query_schema_names_its_fields_as_the_client_sends_them(ninja_client):
    body = assert_contract(
        ninja_client.get("/filtered?tags=1&tags=x"), 400, "validation_failed", param="tags[1]"
    )
    assert body["errors"][0]["location"] == "query"
    whole = ninja_client.get("/filtered?low=5&high=1")
    body = assert_contract(whole, 400, "validation_failed", param=None)
    assert body["message"] == "low must not exceed high"


def test_a_validators_value_error_is_its_own_text(ninja_client):
    body = assert_contract(
        ninja_client.post("/named", json={"name": "bad"}), 400, "validation_failed", param="name"
    )
    assert body["message"] == "Name must not be 'bad'."
    assert body["errors"][0]["code"] == "value_error"


# --- messages: Django's words where Django has them -----------------------------------

#: What each error of FAILING_INPUTS answers: `code` is pydantic's type, `message` the
#: message of Django's form field or validator that refuses the same input.
DJANGO_WORDED = [
    ("missing", "name", "This field is required."),
    ("int_parsing", "ints[0]", "Enter a whole number."),
    ("int_from_float", "ints[1]", "Enter a whole number."),
    ("int_type", "ints[2]", "Enter a whole number."),
    ("int_parsing_size", "ints[3]", "Enter a whole number."),
    ("finite_number", "floats[0]", "Enter a number."),
    ("float_parsing", "floats[1]", "Enter a number."),
    ("float_type", "floats[2]", "Enter a number."),
    ("decimal_max_digits", "prices[0]", "Ensure that there are no more than 4 digits in total."),
    ("decimal_max_places", "prices[1]", "Ensure that there are no more than 2 decimal places."),
    (
        "decimal_whole_digits",
        "prices[2]",
        "Ensure that there are no more than 2 digits before the decimal point.",
    ),
    ("decimal_parsing", "prices[3]", "Enter a number."),
    ("decimal_type", "prices[4]", "Enter a number."),
    ("date_from_datetime_parsing", "days[0]", "Enter a valid date."),
    ("date_from_datetime_inexact", "days[1]", "Enter a valid date."),
    ("date_type", "days[2]", "Enter a valid date."),
    ("datetime_from_date_parsing", "moments[0]", "Enter a valid date/time."),
    ("datetime_type", "moments[1]", "Enter a valid date/time."),
    ("datetime_parsing", "moments[2]", "Enter a valid date/time."),
    ("time_parsing", "times[0]", "Enter a valid time."),
    ("time_type", "times[1]", "Enter a valid time."),
    ("time_delta_parsing", "waits[0]", "Enter a valid duration."),
    ("time_delta_type", "waits[1]", "Enter a valid duration."),
    ("uuid_parsing", "refs[0]", "Enter a valid UUID."),
    ("uuid_type", "refs[1]", "Enter a valid UUID."),
    ("url_parsing", "sites[0]", "Enter a valid URL."),
    ("url_type", "sites[1]", "Enter a valid URL."),
    ("list_type", "tags", "Enter a list of values."),
    ("greater_than_equal", "ratings[0]", "Ensure this value is greater than or equal to 1."),
    ("less_than_equal", "ratings[1]", "Ensure this value is less than or equal to 5."),
    ("multiple_of", "steps[0]", "Ensure this value is a multiple of step size 5."),
    ("string_pattern_mismatch", "zips[0]", "Enter a valid value."),
    ("json_invalid", "data", "Enter a valid JSON."),
]


def test_django_words_each_input_error_it_has_a_message_for(client):
    response = client.post(
        PREFIX + "/inputs", ninja_api.FAILING_INPUTS, content_type="application/json"
    )
    body = assert_contract(response, 400, "validation_failed", param=None)
    assert body["message"] == f"{len(DJANGO_WORDED)} parameters are invalid."
    assert [(e["code"], e["param"], e["message"]) for e in body["errors"]] == DJANGO_WORDED
    assert [e["pointer"] for e in body["errors"]] == [
        "/" + param.replace("[", "/").rstrip("]") for _, param, _ in DJANGO_WORDED
    ]
    assert {e["location"] for e in body["errors"]} == {"body"}
    # The mapping holds no type the request does not reach but these (see below).
    reached = {code for code, _, _ in DJANGO_WORDED}
    mapped = set(translate.DJANGO_MESSAGES) | set(translate.DJANGO_LIMIT_MESSAGES)
    assert mapped - reached == {
        "date_parsing",  # pydantic's strict and JSON modes; Ninja validates lax Python data
        "datetime_object_invalid",  # a Python datetime only
        "url_syntax_violation",  # a URL type without the default syntax-violation checks
    }


def test_the_types_django_has_no_message_for_keep_pydantics_text(ninja_client):
    data = {"name": "ann", "flag": "maybe", "positive": 0, "word": "toolong", "size": "XL"}
    body = assert_contract(ninja_client.post("/inputs", json=data), 400, "validation_failed")
    assert [(e["code"], e["param"], e["message"]) for e in body["errors"]] == [
        ("bool_parsing", "flag", "Input should be a valid boolean, unable to interpret input"),
        ("greater_than", "positive", "Input should be greater than 0"),
        # Django's message says the input's length, and Ninja drops the input.
        ("string_too_long", "word", "String should have at most 5 characters"),
        ("literal_error", "size", "Input should be 'S', 'M' or 'L'"),
    ]
    body = ninja_client.post("/inputs", json={"name": "ann", "positive": 10}).json()
    assert body["errors"][0]["message"] == "Input should be less than 10"


def test_the_messages_are_in_the_language_active_when_the_error_is_answered(ninja_client):
    """Ninja's TestClient runs no middleware: the language is the one active around it."""
    with translation.override("de"):
        german = ninja_client.post("/inputs", json=ninja_api.FAILING_INPUTS).json()
    english = ninja_client.post("/inputs", json=ninja_api.FAILING_INPUTS).json()
    assert german["message"] == f"{len(DJANGO_WORDED)} Parameter sind ungültig."
    assert german["errors"][0]["message"] == "Dieses Feld ist zwingend erforderlich."
    assert [e["message"] for e in english["errors"]] == [m for _, _, m in DJANGO_WORDED]


def ninja_error(**item: Any) -> dict[str, Any]:
    """The entry for one pydantic error as Ninja's ValidationError carries it."""
    error = from_ninja_exception(NinjaValidationError([{"loc": ("body", "word"), **item}]))
    assert error is not None and error.errors
    (entry,) = error.errors
    return entry.as_dict()


@pytest.mark.parametrize(
    "kind, limit, value, message",
    [
        ("string_too_long", 5, "toolong", "Ensure this value has at most 5 characters (it has 7)."),
        ("string_too_short", 2, "a", "Ensure this value has at least 2 characters (it has 1)."),
    ],
)
def test_a_length_error_with_its_input_is_djangos_message(kind, limit, value, message):
    """Ninja drops pydantic's `input`; an error that carries it gets Django's words."""
    key = "max_length" if kind == "string_too_long" else "min_length"
    item = {"type": kind, "msg": "pydantic's text", "ctx": {key: limit}}
    assert ninja_error(**item, input=value)["message"] == message
    with translation.override("de"):
        assert ninja_error(**item, input=value)["message"] != message
    assert ninja_error(**item)["message"] == "pydantic's text"
    assert ninja_error(**item, input="abc")["message"] == "pydantic's text"  # not refused
    assert ninja_error(**item, input=[value])["message"] == "pydantic's text"


def test_an_email_strs_error_is_djangos_message():
    """pydantic's EmailStr (with email-validator) words its error as a value_error whose
    `ctx` has a `reason`: Django's EmailValidator's message instead."""
    assert translate.EMAIL_ERROR_PREFIX + "{reason}" in inspect.getsource(
        pydantic.networks.validate_email
    )
    email = ninja_error(
        type="value_error",
        msg="value is not a valid email address: An email address must have an @-sign.",
        ctx={"reason": "An email address must have an @-sign."},
    )
    assert (email["code"], email["message"]) == ("value_error", "Enter a valid email address.")
    own = ninja_error(type="value_error", msg="Value error, Too odd.", ctx={"error": "Too odd."})
    assert own["message"] == "Too odd."


@pytest.mark.parametrize(
    "item",
    [
        {"type": "greater_than_equal"},  # no ctx
        {"type": "less_than_equal", "ctx": {"lt": 3}},  # not the key the message needs
        {"type": "decimal_max_digits", "ctx": {"max_digits": "four"}},  # ngettext needs a number
        {"type": ["missing"]},  # no type pydantic has
        {"type": "value_error", "ctx": "not a dict"},
    ],
)
def test_an_error_django_cannot_word_keeps_its_text(item):
    assert ninja_error(msg="pydantic's text", **item)["message"] == "pydantic's text"


@pytest.mark.parametrize("cursor", ["bz1hYmM=", "cj1tYXliZQ==", "!!not-base64!!"])
def test_a_crafted_pagination_cursor_is_the_clients_error(quiet_client, cursor):
    response = quiet_client.get(PREFIX + "/products", {"cursor": cursor})
    body = assert_contract(response, 400, "validation_failed", param="cursor")
    assert body["errors"][0]["location"] == "query"


# --- HttpError and Ninja's other exceptions --------------------------------------------


@pytest.mark.parametrize("status", sorted({entry.status for entry in catalog}))
def test_an_http_error_of_every_catalog_status(ninja_client, status):
    code = APIError.for_status(status).code
    response = ninja_client.get(f"/http-error/{status}?message=Custom+{status}")
    body = assert_contract(response, status, code)
    assert body["message"] == f"Custom {status}"
    response = ninja_client.get(f"/http-error/{status}")
    body = assert_contract(response, status, code)
    assert body["message"] == catalog.get(code).message


def test_a_status_the_catalog_lacks_keeps_its_status(ninja_client):
    body = assert_contract(ninja_client.get("/http-error/418?message=Tea"), 418, "bad_request")
    assert body["message"] == "Tea"


def test_http_errors_without_a_message_or_a_numeric_status(quiet_client):
    body = assert_contract(quiet_client.get(PREFIX + "/odd-http-error/none"), 404, "not_found")
    assert body["message"] == catalog.get("not_found").message
    assert_contract(quiet_client.get(PREFIX + "/odd-http-error/text"), 500, "internal_error")


def test_an_http_error_401_raised_by_the_auth_class_gets_its_challenge(client):
    response = client.get(PREFIX + "/bearer", HTTP_AUTHORIZATION="Bearer expired-token")
    assert assert_contract(response, 401, "unauthenticated")["message"] == (
        "The token has expired."
    )
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_raising_http_error_with_no_error_status_is_a_server_error(quiet_client):
    assert_contract(
        quiet_client.get(PREFIX + "/http-error/302?message=Moved"), 500, "internal_error"
    )


@pytest.mark.parametrize(
    "path, challenge",
    [
        ("/basic", 'Basic realm="api"'),
        ("/bearer", 'Bearer realm="api"'),
        ("/challenging-api-key", 'ApiKey realm="test"'),
        ("/api-key", None),
    ],
)
def test_authentication_failures(client, path, challenge):
    response = client.get(PREFIX + path)
    body = assert_contract(response, 401, "unauthenticated")
    assert body["message"] == catalog.get("unauthenticated").message
    assert response.get("WWW-Authenticate") == challenge


def test_wrong_and_right_credentials(client):
    wrong = client.get(PREFIX + "/basic", HTTP_AUTHORIZATION="Basic YW5uOm5vcGU=")  # ann:nope
    assert_contract(wrong, 401, "authentication_failed")
    assert wrong["WWW-Authenticate"] == 'Basic realm="api"'
    right = client.get(PREFIX + "/basic", HTTP_AUTHORIZATION="Basic YW5uOnB3")  # ann:pw
    assert right.status_code == 200
    assert right.json() == {"user": "ann"}
    bearer = client.get(PREFIX + "/bearer", HTTP_AUTHORIZATION="Bearer secret-token")
    assert bearer.json() == {"token": "secret-token"}


def test_a_failed_csrf_check_of_ninjas_session_auth_is_csrf_failed():
    response = Client(enforce_csrf_checks=True).post(PREFIX + "/session")
    assert_contract(response, 403, "csrf_failed")


def test_problem_json_where_the_client_asks_for_it(client):
    response = client.post(
        PREFIX + "/orders",
        ORDER,
        content_type="application/json",
        HTTP_ACCEPT="application/problem+json",
    )
    document = assert_contract(response, 400, "validation_failed")
    assert response["Content-Type"] == "application/problem+json"
    assert document["errors"][1]["pointer"] == "/items/1/qty"


def test_the_envelope_setting(ninja_client):
    with override_settings(API_ERRORS={"ENVELOPE": "error"}):
        response = ninja_client.get("/forbidden")
    assert response.json()["error"]["code"] == "permission_denied"


def test_authorization_error_is_permission_denied(ninja_client):
    body = assert_contract(ninja_client.get("/forbidden"), 403, "permission_denied")
    assert body["message"] == catalog.get("permission_denied").message


def test_ninjas_throttle_answers_429_with_its_numbers(client):
    for _ in range(2):
        assert client.get(PREFIX + "/throttled").status_code == 200
    response = client.get(PREFIX + "/throttled")
    body = assert_contract(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Limit"] == "2"
    assert response["X-RateLimit-Remaining"] == "0"
    assert int(response["X-RateLimit-Reset"]) > 0
    assert body["meta"]["limit"] == 2


@pytest.mark.parametrize("path", ["/limited", "/async/limited"])
def test_our_ratelimit_on_ninja_operations(client, path):
    first = client.get(PREFIX + path)
    assert first.status_code == 200
    assert (first["X-RateLimit-Limit"], first["X-RateLimit-Remaining"]) == ("2", "1")
    assert first["X-Request-ID"]
    client.get(PREFIX + path)
    response = client.get(PREFIX + path)
    assert_contract(response, 429, "rate_limited")
    assert (response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"]) == ("2", "0")
    assert int(response["Retry-After"]) >= 1


# --- unexpected exceptions ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/raise/runtime", "/async/raise/runtime"])
@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_exception_is_one_reported_500(quiet_client, caplog, path, debug):
    signals = []

    def receiver(**kwargs):
        signals.append(kwargs)

    got_request_exception.connect(receiver)
    try:
        with override_settings(DEBUG=debug), caplog.at_level(logging.ERROR, "django.request"):
            response = quiet_client.get(PREFIX + path)
    finally:
        got_request_exception.disconnect(receiver)
    body = assert_contract(response, 500, "internal_error", debug=debug)
    assert body["message"] == catalog.get("internal_error").message
    if not debug:
        assert SECRET not in response.content.decode()
    assert len(signals) == 1
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1 and records[0].exc_info is not None


def test_ninjas_test_client_gets_the_500_too(ninja_client):
    assert_contract(ninja_client.get("/raise/runtime"), 500, "internal_error")


def test_debug_propagate_exceptions_lets_it_propagate(ninja_client):
    with override_settings(DEBUG_PROPAGATE_EXCEPTIONS=True):
        with pytest.raises(RuntimeError):
            ninja_client.get("/raise/runtime")
        # Known exceptions are still answered.
        assert_contract(ninja_client.get("/raise/typed_not_found"), 404, "not_found")


# --- one body, whichever framework raised it ---------------------------------------------

SAME_EVERYWHERE = sorted(name for name in EXCEPTIONS if not name.startswith("drf_"))
VIEWS = {
    "plain": "/api/test/raise/{}/",
    "drf": "/api/test/drf/raise/{}/",
    "ninja": PREFIX + "/raise/{}",
    "ninja async": PREFIX + "/async/raise/{}",
}


@pytest.mark.parametrize("name", SAME_EVERYWHERE)
def test_the_same_exception_gives_the_same_body_from_every_framework(quiet_client, name):
    responses = {view: quiet_client.get(url.format(name)) for view, url in VIEWS.items()}
    bodies = {view: without_request_id(response.json()) for view, response in responses.items()}
    assert len({json.dumps(body, sort_keys=True) for body in bodies.values()}) == 1, bodies
    statuses = {response.status_code for response in responses.values()}
    assert len(statuses) == 1
    headers = {
        view: {h: response.get(h) for h in ("Retry-After", "WWW-Authenticate")}
        for view, response in responses.items()
    }
    assert len({json.dumps(h, sort_keys=True) for h in headers.values()}) == 1, headers
    assert_contract(responses["ninja"], statuses.pop(), bodies["ninja"]["code"])


def test_ninjas_exceptions_from_plain_views(quiet_client):
    body = assert_contract(
        quiet_client.get("/api/test/raise/ninja_validation/"), 400, "validation_failed"
    )
    assert [(e["param"], e["location"]) for e in body["errors"]] == [
        ("page", "query"),
        ("items[1].qty", "body"),
    ]
    assert_contract(quiet_client.get("/api/test/raise/ninja_csrf/"), 403, "csrf_failed")
    unparsable = quiet_client.get("/api/test/drf/raise/ninja_unparsable/")
    assert SECRET not in assert_contract(unparsable, 400, "parse_error")["message"]


# --- OpenAPI ---------------------------------------------------------------------------


def ninja_schema() -> dict[str, Any]:
    return json.loads(json.dumps(ninja_api.api.get_openapi_schema(path_prefix=PREFIX + "/")))


def responses_of(schema: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    return schema["paths"][PREFIX + path][method]["responses"]


def test_the_schema_is_valid_openapi_3_1():
    schema = ninja_schema()
    assert schema["openapi"] == "3.1.0"
    validate_openapi(schema)
    components = schema["components"]["schemas"]
    assert {"ErrorResponse", "ErrorType", "ProblemDetails", "Error400", "Error500"} <= set(
        components
    )
    assert components["Error404Code"]["enum"] == [
        entry.code for entry in catalog if entry.status == 404
    ]
    assert components["ErrorResponse"]["properties"]["param"]["type"] == ["string", "null"]


def statuses(responses: dict[str, Any]) -> set[int]:
    return {int(status) for status in responses}


def test_each_operation_documents_the_errors_it_can_answer():
    schema = ninja_schema()
    assert statuses(responses_of(schema, "/orders", "post")) == {200, 400, 405, 413, 415, 500}
    assert statuses(responses_of(schema, "/items/{item_id}")) == {200, 400, 404, 405, 413, 500}
    assert statuses(responses_of(schema, "/basic")) == {200, 401, 403, 405, 500}
    assert statuses(responses_of(schema, "/throttled")) == {200, 405, 429, 500, 503}
    assert statuses(responses_of(schema, "/limited")) == {200, 405, 429, 500, 503}
    assert {402, 409, 412, 422, 502, 504} <= statuses(responses_of(schema, "/http-error/{status}"))
    assert statuses(responses_of(schema, "/quiet")) == {200, 500}
    assert statuses(responses_of(schema, "/router/greetings/{name}")) == {
        200,
        400,
        404,
        405,
        413,
        500,
    }


def test_a_status_the_operation_documents_itself_is_that_body_or_ours():
    documented = responses_of(ninja_schema(), "/documented/{item_id}")["404"]
    assert documented["content"]["application/json"]["schema"] == {
        "anyOf": [
            {"$ref": "#/components/schemas/Message"},
            {"$ref": "#/components/schemas/Error404"},
        ]
    }
    assert "X-Request-ID" in documented["headers"]


def test_an_error_response_refers_to_the_catalog_components():
    response = responses_of(ninja_schema(), "/throttled")["429"]
    assert response["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error429"
    }
    assert response["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/ProblemDetails"
    }
    assert {"X-Request-ID", "Retry-After", "X-RateLimit-Limit"} <= set(response["headers"])


@pytest.mark.parametrize(
    "path, status",
    [
        ("/orders", 400),
        ("/items/abc", 400),
        ("/basic", 401),
        ("/forbidden", 403),
        ("/http-error/404", 404),
        ("/raise/runtime", 500),
    ],
)
def test_bodies_match_the_schema_the_api_documents(quiet_client, path, status):
    schema = ninja_schema()
    method = "post" if path == "/orders" else "get"
    if method == "post":
        response = quiet_client.post(PREFIX + path, ORDER, content_type="application/json")
    else:
        response = quiet_client.get(PREFIX + path)
    assert response.status_code == status
    validate(response.json(), {"$ref": f"#/components/schemas/Error{status}"}, schema["components"])


def test_a_debug_body_matches_the_documented_schema(quiet_client):
    with override_settings(DEBUG=True):
        response = quiet_client.get(PREFIX + "/raise/runtime")
    assert "debug" in response.json()
    validate(
        response.json(), {"$ref": "#/components/schemas/Error500"}, ninja_schema()["components"]
    )


def test_a_model_named_like_one_of_our_components_is_refused():
    api = install(NinjaAPI(urls_namespace="clash"))

    class ErrorResponse(ninja_api.Schema):
        detail: str

    @api.get("/a", response={200: ErrorResponse})
    def a(request, n: int) -> dict:
        return {"detail": "x"}

    with pytest.raises(ImproperlyConfigured, match="'ErrorResponse'"):
        api.get_openapi_schema(path_prefix="/")


def test_the_schema_under_other_settings():
    settings = {"VALIDATION_STATUS": 422, "ENVELOPE": "error", "REQUEST_ID_HEADER": "X-Trace-ID"}
    with override_settings(API_ERRORS=settings):
        schema = ninja_schema()
    validate_openapi(schema)
    orders = responses_of(schema, "/orders", "post")
    assert {400, 422} <= statuses(orders)
    assert "X-Trace-ID" in orders["422"]["headers"]
    assert schema["components"]["schemas"]["ErrorResponse"]["required"] == ["error"]


def test_the_docs_page_and_openapi_json_are_served(client):
    served = client.get(PREFIX + "/openapi.json")
    assert served.status_code == 200
    assert "ErrorResponse" in served.json()["components"]["schemas"]
    assert client.get(PREFIX + "/docs").status_code == 200


# --- the install itself ----------------------------------------------------------------


def test_install_returns_the_api_and_is_idempotent():
    api = NinjaAPI(urls_namespace="twice")
    assert install(api) is api
    assert install(api) is api

    @api.get("/boom")
    def boom(request) -> dict:
        raise KeyError(SECRET)

    response = TestClient(api).get("/boom")
    assert_contract(response, 500, "internal_error")


def test_install_after_the_urls_were_read_is_refused_whole():
    api = NinjaAPI(urls_namespace="late")

    @api.get("/x")
    def x(request) -> dict:
        raise KeyError(SECRET)

    api.urls  # noqa: B018  (Ninja binds its routers here)
    with pytest.raises(ImproperlyConfigured, match="install"):
        install(api)
    assert not getattr(api, NINJA_INSTALLED, False)
    assert api._lookup_exception_handler(KeyError()) is not answer_exception


def test_a_ninja_api_that_was_not_installed_is_reported():
    assert check_ninja_apis() == []
    with override_settings(ROOT_URLCONF="tests.urls_uninstalled_ninja"):
        (warning,) = check_ninja_apis()
    assert warning.id == "django_apierrors.W011"
    assert "'Plain Ninja'" in warning.msg


def without_request_id(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "request_id"}


def without_debug(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "debug"}
