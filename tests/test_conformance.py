"""Schemathesis against the example project on a live server (127.0.0.1): for generated
requests to every operation, each response's status is documented for its operation,
each body matches its documented schema, and no input makes the server answer 5xx."""

import json
from decimal import Decimal

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from model_bakery import baker
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shop.models import Product

from .conftest import PASSWORD, basic_auth, examples

EXAMPLES_PER_OPERATION = examples(25)
# What the contract promises. (Not "valid data is accepted": business rules, such as an
# out-of-stock item or a taken SKU, rightly refuse schema-valid requests.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def example_api(live_server, httpserver, transactional_db):
    """The example project's schema, served by a live server with a staff user and a
    carrier API stub behind /api/shipping/quote/."""
    staff = baker.make(User, username="sam", is_staff=True)
    staff.set_password(PASSWORD)
    staff.save()
    baker.make(Product, sku="MUG-1", name="Mug", price=Decimal("9.50"), stock=100)
    httpserver.expect_request("/quote").respond_with_json({"price": "4.90", "carrier": "Acme"})
    document = SchemaGenerator(urlconf="example_project.urls").get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(document, default=str)))
    with override_settings(SHIPPING_API_URL=httpserver.url_for("/")):
        yield schema, live_server.url


def conformance_check(operation, base_url, headers):
    """Bounded examples of one operation, each sent and checked by schemathesis: no 5xx,
    every status documented for the operation, content types, headers and bodies."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case):
        response = case.call(base_url=base_url, headers=headers)
        assert response.status_code < 500, (operation.label, response.text[:300])
        case.validate_response(response, checks=CHECKS)

    return conforms


def test_every_response_is_documented(example_api):
    schema, base_url = example_api
    auth = {"Authorization": basic_auth("sam")["HTTP_AUTHORIZATION"]}
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        conformance_check(operation, base_url, auth)()
        checked.append(operation.label)
    assert len(checked) >= 10, checked


# The example's Django Ninja API at /api/v2/ (django_apierrors.ninja.install).


@pytest.fixture
def example_ninja_api(live_server, transactional_db):
    """The Ninja API's schema, served by a live server with a staff user (sam), a customer
    (carol) and a product to order; its limits raised so that the examples reach the
    operations (429 is documented, and reached in test_example_ninja)."""
    from django.conf import settings as django_settings

    from shop.models import Account
    from shop.ninja_api import api

    for username, is_staff in [("sam", True), ("carol", False)]:
        user = baker.make(User, username=username, is_staff=is_staff)
        user.set_password(PASSWORD)
        user.save()
    # Enough money and mugs for any order of MUG-1 the examples make (50 lines of 1000).
    carol = User.objects.get(username="carol")
    baker.make(Account, user=carol, balance=Decimal("99999999.99"))
    baker.make(Product, sku="MUG-1", name="Mug", price=Decimal("9.50"), stock=10_000_000)
    document = api.get_openapi_schema(path_prefix="/api/v2/")
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(document)))
    rates = {
        "CATALOG_READ_RATE": "10000/m",
        "STOCK_RATE": "10000/m",
        "REST_FRAMEWORK": {
            **django_settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"orders": "10000/minute"},
        },
    }
    with override_settings(**rates):
        yield schema, live_server.url


def test_every_ninja_response_is_documented(example_ninja_api):
    schema, base_url = example_ninja_api
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        # Staff for the catalog, the customer for orders.
        user = "carol" if operation.path.startswith("/api/v2/orders") else "sam"
        auth = {"Authorization": basic_auth(user)["HTTP_AUTHORIZATION"]}
        conformance_check(operation, base_url, auth)()
        checked.append(operation.label)
    assert len(checked) == 5, checked
