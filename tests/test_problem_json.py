"""problem+json (RFC 9457) on DRF, plain and async views alike: asked for alone or beside
application/json, in any letter case, a DRF view answers the real error as problem+json,
never DRF's 406; its successes stay JSON. `instance` is a URN only for a bare UUID id."""

import json
import uuid

import pytest

from .conftest import basic_auth
from .contract import assert_contract

pytestmark = pytest.mark.django_db

NOT_FOUND = {
    "drf": "/api/products/NOPE/",
    "plain": "/api/catalog/NOPE/",
    "async": "/api/stock/NOPE/",
}

PROBLEM_ACCEPTS = [
    "application/problem+json",
    "APPLICATION/PROBLEM+JSON",
    "application/problem+json, application/json",
    "application/json;q=0.9, application/problem+json",
    "Application/Problem+JSON; charset=utf-8",
]


@pytest.mark.parametrize("kind", NOT_FOUND)
@pytest.mark.parametrize("accept", PROBLEM_ACCEPTS)
def test_problem_json_when_asked_for(client, kind, accept):
    response = client.get(NOT_FOUND[kind], HTTP_ACCEPT=accept)
    assert response["Content-Type"] == "application/problem+json"
    assert_contract(response, 404, "not_found")
    document = json.loads(response.content)
    assert (document["title"], document["status"]) == ("Not Found", 404)


@pytest.mark.parametrize("kind", NOT_FOUND)
@pytest.mark.parametrize(
    "accept", ["APPLICATION/JSON", "application/json, application/problem+json;q=0.5"]
)
def test_json_when_json_is_preferred(client, kind, accept):
    response = client.get(NOT_FOUND[kind], HTTP_ACCEPT=accept)
    assert response["Content-Type"] == "application/json"
    assert_contract(response, 404, "not_found")


def test_drf_validation_and_auth_errors_as_problems(client, customer):
    invalid = client.post(
        "/api/orders/",
        json.dumps({"items": [{"sku": "MUG-1", "quantity": 0}]}),
        content_type="application/json",
        HTTP_ACCEPT="application/problem+json",
        **basic_auth("carol"),
    )
    body = assert_contract(invalid, 400, "validation_failed")
    assert body["errors"][0]["param"] == "items[0].sku"
    anonymous = client.post(
        "/api/orders/",
        "{}",
        content_type="application/json",
        HTTP_ACCEPT="application/problem+json",
    )
    assert_contract(anonymous, 401, "unauthenticated")
    assert anonymous["Content-Type"] == "application/problem+json"
    assert anonymous["WWW-Authenticate"] == 'Basic realm="api"'


def test_a_success_asked_for_as_problem_json_is_json(client, mug):
    """problem+json describes errors only: the success itself is answered as JSON."""
    response = client.get("/api/products/", HTTP_ACCEPT="application/problem+json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)[0]["sku"] == "MUG-1"


def test_an_unservable_accept_is_still_406(client):
    response = client.get("/api/products/", HTTP_ACCEPT="application/xml")
    assert_contract(response, 406, "not_acceptable")


@pytest.mark.parametrize(
    ("request_id", "instance"),
    [
        ("6f1c0d2e-3b7a-4c5e-9a1f-2d8e4b6c0a97", "urn:uuid:6f1c0d2e-3b7a-4c5e-9a1f-2d8e4b6c0a97"),
        ("6F1C0D2E-3B7A-4C5E-9A1F-2D8E4B6C0A97", "urn:uuid:6F1C0D2E-3B7A-4C5E-9A1F-2D8E4B6C0A97"),
        ("urn:uuid:6f1c0d2e-3b7a-4c5e-9a1f-2d8e4b6c0a97", None),
        ("6f1c0d2e3b7a4c5e9a1f2d8e4b6c0a97", None),
        ("req-1", None),
    ],
)
def test_instance_is_a_urn_only_for_a_bare_uuid(client, request_id, instance):
    response = client.get(
        "/api/catalog/NOPE/", HTTP_ACCEPT="application/problem+json", HTTP_X_REQUEST_ID=request_id
    )
    document = json.loads(response.content)
    assert document["request_id"] == request_id
    assert document.get("instance") == instance


def test_a_generated_id_gives_an_instance(client):
    response = client.get("/api/catalog/NOPE/", HTTP_ACCEPT="application/problem+json")
    document = json.loads(response.content)
    assert document["instance"] == f"urn:uuid:{uuid.UUID(response['X-Request-ID'])}"
