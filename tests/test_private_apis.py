"""The private interfaces of `django_apierrors.private_apis`: each assumption pinned on the
Django and Python this suite runs on (CI runs it on every supported series), each fallback
giving the same answers, and the header values written without Django's check proven safe.
"""

from __future__ import annotations

import datetime
import decimal
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.http.response import ResponseHeaders
from django.test import RequestFactory, override_settings
from django.utils.log import log_response
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st

from django_apierrors import private_apis, render
from django_apierrors.private_apis import (
    make_json_encode,
    mark_logged,
    response_header_dict,
    use_private_apis,
    was_logged,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_only() -> Iterator[None]:
    use_private_apis(False)
    try:
        yield
    finally:
        use_private_apis(True)


# ResponseHeaders._store -------------------------------------------------------------------


def test_the_header_dict_is_djangos_store_on_this_django():
    response = HttpResponse()
    response["Content-Language"] = "de"
    store = response_header_dict(response)
    assert store is not None, "the fast path must be in use on a supported Django"
    assert store is response.headers._store
    assert store["content-language"] == ("Content-Language", "de")


def test_a_header_written_to_the_dict_is_what_django_reads_and_sends():
    response = HttpResponse(b"{}", content_type="application/json")
    store = response_header_dict(response)
    assert store is not None
    store["x-request-id"] = ("X-Request-ID", "abc-1")
    assert response["X-Request-ID"] == response["x-request-id"] == "abc-1"
    assert response.has_header("x-REQUEST-id")
    assert ("X-Request-ID", "abc-1") in list(response.items())
    assert b"\r\nX-Request-ID: abc-1" in response.serialize_headers()
    del response["X-Request-ID"]
    assert not response.has_header("X-Request-ID")


def test_every_request_sends_the_headers_written_to_the_dict_once(client):
    response = client.get("/api/test/ok/")
    sent = [name.lower() for name, _ in response.items()]
    assert sent.count("x-request-id") == 1
    assert sent.count("access-control-expose-headers") == 1
    assert response["Access-Control-Expose-Headers"] == "X-Request-ID"


class OtherStore(dict):
    """What a Django release keeping its headers otherwise looks like to the check."""


def test_where_the_store_is_not_djangos_dict_the_public_interface_is_used(monkeypatch, client):
    original = ResponseHeaders.__init__

    def init(self: ResponseHeaders, data: Any) -> None:
        original(self, data)
        self._store = OtherStore(self._store)

    monkeypatch.setattr(ResponseHeaders, "__init__", init)
    monkeypatch.setattr(private_apis, "_header_dict_holds", None)
    assert response_header_dict(HttpResponse()) is None
    assert private_apis._header_dict_holds is False
    response = client.get("/api/test/raise/typed_not_found/")
    assert uuid.UUID(response["X-Request-ID"]).version == 4
    assert response["Access-Control-Expose-Headers"] == "X-Request-ID"
    monkeypatch.undo()
    assert response_header_dict(HttpResponse()) is not None  # checked again once restored


HOSTILE_IDS = [
    "abc\r\nSet-Cookie: x=1",
    "abc\n",
    "abc\rdef",
    "é-accent",
    "\u2028line-separator",
    "A" * 129,
    "-leading",
    "nul\x00byte",
    "tab\there",
]


@pytest.mark.parametrize("incoming", HOSTILE_IDS)
@pytest.mark.parametrize(
    "url",
    ["/api/test/ok/", "/api/test/raise/typed_not_found/", "/api/test/drf/raise/drf_validation/"],
)
def test_header_values_written_without_djangos_check_pass_it(client, url, incoming):
    """Request ids reach the header dict only when request_id.py validated them (ASCII
    letters, digits and . _ : -, at most 128) or made them: every value this package wrote
    unchecked passes Django's own check, and a hostile incoming id is never sent."""
    response = client.get(url, HTTP_X_REQUEST_ID=incoming)
    sent = response["X-Request-ID"]
    assert sent != incoming
    assert uuid.UUID(sent).version == 4
    for name in ("X-Request-ID", "Access-Control-Expose-Headers", "Cache-Control"):
        if response.has_header(name):
            checked = HttpResponse()
            checked[name] = response[name]  # raises BadHeaderError if unsafe
            assert checked[name] == response[name]


@pytest.mark.parametrize("name", ["X Request", "X-Request-ID\r\nX-Evil", "Ümlaut", 7])
@pytest.mark.parametrize("url", ["/api/test/ok/", "/api/test/raise/typed_not_found/"])
def test_an_invalid_header_name_setting_answers_the_default_header(client, name, url):
    # System check E003 reports it; no response carries a header name Django would refuse.
    with override_settings(API_ERRORS={"REQUEST_ID_HEADER": name}):
        response = client.get(url)
    assert response.status_code in (200, 404)
    assert uuid.UUID(response["X-Request-ID"]).version == 4
    assert not any(header == name for header, _ in response.items())


# json.encoder.c_make_encoder -------------------------------------------------------------


def test_the_c_encoder_is_in_use_on_this_python():
    encoder = DjangoJSONEncoder()
    assert make_json_encode(encoder) != encoder.encode
    assert render.encode_json != render._encoder.encode


SAMPLES: list[Any] = [
    {"message": "3 parameters are invalid.", "errors": [{"param": "items[0].qty"}]},
    {"text": 'Grüße, 東京, \u2028, \x00, "quoted", </script>'},
    {"numbers": [0, -1, 2**70, 1.5, -0.0, 1e300, float("inf"), float("nan")]},
    {
        "django": [
            decimal.Decimal("9.50"),
            datetime.datetime(2026, 12, 1, 16, 0, tzinfo=datetime.UTC),
        ]
    },
    {"more": [datetime.date(2026, 1, 2), datetime.time(3, 4), uuid.UUID(int=7)]},
    {"lazy": gettext_lazy("Not found."), "nested": {"": [{}, [], None, True, False]}},
]


@pytest.mark.parametrize("value", SAMPLES, ids=range(len(SAMPLES)))
def test_the_c_encoder_answers_what_djangos_encoder_answers(value):
    encoder = DjangoJSONEncoder()
    assert make_json_encode(encoder)(value) == encoder.encode(value)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(JSON_VALUES)
@settings(max_examples=300, deadline=None)
def test_the_c_encoder_answers_what_djangos_encoder_answers_for_any_json(value):
    encoder = DjangoJSONEncoder()
    assert make_json_encode(encoder)(value) == encoder.encode(value)


def test_the_c_encoder_falls_back_to_the_public_encode(monkeypatch):
    encoder = DjangoJSONEncoder()
    monkeypatch.setattr("json.encoder.c_make_encoder", None)
    assert make_json_encode(encoder) == encoder.encode

    def other_signature(*args: Any) -> Any:
        raise TypeError("c_make_encoder() takes 10 arguments")

    monkeypatch.setattr("json.encoder.c_make_encoder", other_signature)
    assert make_json_encode(encoder) == encoder.encode

    real = json.encoder.c_make_encoder  # type: ignore[attr-defined]

    def other_output(markers: Any, *args: Any) -> Any:
        # Wrong only as this package calls it (no markers); json's own calls stay right.
        if markers is None:
            return lambda value, indent: ["{}"]
        return real(markers, *args)

    monkeypatch.setattr("json.encoder.c_make_encoder", other_output)
    assert make_json_encode(encoder) == encoder.encode


# response._has_been_logged ---------------------------------------------------------------


def _request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "django.request"]


def test_djangos_log_response_marks_what_it_logged(caplog):
    response = HttpResponse(status=404)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        log_response("Not Found: %s", "/x", response=response, request=RequestFactory().get("/x"))
    assert len(_request_records(caplog)) == 1
    assert was_logged(response)


def test_djangos_log_response_skips_a_response_marked_logged(caplog):
    response = HttpResponse(status=404)
    mark_logged(response)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        log_response("Not Found: %s", "/x", response=response, request=RequestFactory().get("/x"))
    assert _request_records(caplog) == []


def test_an_answer_in_place_of_a_logged_response_is_logged_once(client, caplog):
    # Django's condition decorator logs its 412; ours answers in its place.
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/api/test/bare/etag/", HTTP_IF_MATCH='"other"')
    assert response.status_code == 412
    assert json.loads(response.content)["code"] == "failed_precondition"
    assert len(_request_records(caplog)) == 1


# The fallbacks give the same answers -----------------------------------------------------


REQUESTS = [
    ("/api/test/ok/", {}),
    ("/api/test/drf/ok/", {}),
    ("/api/test/raise/typed_not_found/", {}),
    ("/api/test/raise/typed_method/", {}),
    ("/api/test/drf/raise/drf_validation/", {}),
    ("/api/test/drf/raise/drf_throttled/", {}),
    ("/api/test/nowhere/", {}),
    ("/api/test/limited/two/", {}),
    ("/api/test/raise/runtime/", {}),
    ("/api/test/ok/", {"HTTP_X_REQUEST_ID": "trace-1"}),
]


def _answer(client: Any, url: str, extra: dict[str, str]) -> tuple[int, dict[str, str], Any]:
    response = client.get(url, **extra)
    headers = {name.lower(): value for name, value in response.items()}
    request_id = headers.pop("x-request-id")
    for name in ("x-ratelimit-reset",):
        headers.pop(name, None)
    body = json.loads(response.content) if response.content else None
    if isinstance(body, dict) and body.get("request_id") == request_id:
        body["request_id"] = "<the request id>"
    return response.status_code, headers, body


@pytest.mark.parametrize(("url", "extra"), REQUESTS, ids=[url for url, _ in REQUESTS])
def test_the_public_fallbacks_answer_the_same(client, url, extra):
    client.raise_request_exception = False
    private = _answer(client, url, extra)
    use_private_apis(False)
    try:
        assert response_header_dict(HttpResponse()) is None
        assert render.encode_json == render._encoder.encode
        public = _answer(client, url, extra)
    finally:
        use_private_apis(True)
    if url == "/api/test/limited/two/":  # the second request counts once more
        for answer in (private, public):
            answer[1].pop("x-ratelimit-remaining", None)
    assert public == private


def test_the_public_fallbacks_merge_an_exposure_set_inside(client, public_only):
    with override_settings(
        MIDDLEWARE=[
            "django_apierrors.middleware.APIErrorsMiddleware",
            "tests.testapp.middleware.ExposeETagMiddleware",
        ]
    ):
        response = client.get("/api/test/ok/")
    assert response["Access-Control-Expose-Headers"] == "ETag, X-Request-ID"
