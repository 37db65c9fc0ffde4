"""The OpenAPI schema: valid by drf-spectacular's own validation, with each operation's
error responses generated from the catalog, and components that real error bodies match."""

import json

import jsonschema
import pytest
import yaml
from django.core.management import call_command
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator

from django_apierrors.openapi import api_errors

from .conftest import basic_auth
from .contract import assert_contract
from .schema_tools import validate

pytestmark = pytest.mark.django_db

EXAMPLE_URLS = "example_project.urls"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator(urlconf=EXAMPLE_URLS).get_schema(request=None, public=True)


def responses(schema, path, method):
    return {int(status) for status in schema["paths"][path][method]["responses"]}


def test_schema_passes_drf_spectaculars_validation(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(target),
        "--urlconf",
        EXAMPLE_URLS,
    )
    assert "ErrorResponse" in yaml.safe_load(target.read_text())["components"]["schemas"]


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        ("/api/products/", "get", {401, 403, 405, 406, 429, 500, 503}),
        ("/api/products/", "post", {400, 401, 403, 405, 406, 409, 415, 429, 500, 503}),
        ("/api/products/{sku}/", "get", {401, 403, 404, 405, 406, 429, 500, 503}),
        ("/api/products/{sku}/", "patch", {400, 401, 403, 404, 409, 412, 415, 429, 500}),
        ("/api/orders/", "post", {400, 401, 402, 403, 409, 415, 422, 429, 500}),
        ("/api/orders/", "get", {401, 403, 405, 406, 500}),
        ("/api/shipping/quote/", "get", {400, 401, 405, 406, 500, 502, 504}),
        ("/api/products/batch/", "post", {400, 409, 413, 415, 422, 500}),
    ],
)
def test_operations_document_what_they_can_answer(schema, path, method, expected):
    documented = responses(schema, path, method)
    assert expected <= documented, sorted(expected - documented)


def test_statuses_a_view_cannot_answer_are_left_out(schema):
    assert 404 not in responses(schema, "/api/products/", "get")  # not a detail route
    assert 429 not in responses(schema, "/api/orders/", "get")  # throttled on create only
    assert 412 not in responses(schema, "/api/products/{sku}/", "get")
    assert 415 not in responses(schema, "/api/products/{sku}/", "get")


def test_error_responses_carry_both_media_types_and_their_headers(schema):
    too_many = schema["paths"]["/api/orders/"]["post"]["responses"]["429"]
    assert set(too_many["content"]) == {"application/json", "application/problem+json"}
    assert {
        "Retry-After",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "X-Request-ID",
    } <= set(too_many["headers"])
    components = schema["components"]["schemas"]
    assert components["Error404Code"] == {"type": "string", "enum": ["not_found"]}
    assert "out_of_stock" in components["Error422Code"]["enum"]  # the shop's own code
    field_codes = components["OrderError400"]["properties"]["errors"]["items"]["properties"]
    assert {"does_not_exist", "min_value", "required"} <= set(field_codes["code"]["enum"])


def test_real_error_bodies_match_the_documented_components(schema, client, customer, mug):
    components = schema["components"]
    cases = [
        (client.get("/api/products/NOPE/"), "/api/products/{sku}/", "get"),
        (
            client.post(
                "/api/orders/",
                json.dumps({"items": [{"sku": "X", "quantity": 0}]}),
                content_type="application/json",
                **basic_auth("carol"),
            ),
            "/api/orders/",
            "post",
        ),
        (
            client.post("/api/products/", "{}", content_type="application/json"),
            "/api/products/",
            "post",
        ),
        (client.get("/api/products/", HTTP_ACCEPT="application/xml"), "/api/products/", "get"),
        (
            client.get("/api/products/NOPE/", HTTP_ACCEPT="application/problem+json"),
            "/api/products/{sku}/",
            "get",
        ),
    ]
    for response, path, method in cases:
        documented = schema["paths"][path][method]["responses"][str(response.status_code)]
        media = documented["content"][response["Content-Type"]]
        validate(json.loads(response.content), media["schema"], components)
    with pytest.raises(jsonschema.ValidationError):  # a wrong code is refused
        validate(
            {**json.loads(cases[0][0].content), "code": "gone"},
            {"$ref": "#/components/schemas/Error404"},
            components,
        )


def test_api_errors_decorator_adds_and_removes():
    from rest_framework.decorators import api_view, permission_classes
    from rest_framework.permissions import AllowAny
    from rest_framework.response import Response

    @api_errors(add=[409], remove=[405, 406])
    @api_view(["POST"])
    @permission_classes([AllowAny])
    def claim(request):
        return Response({})

    from django.urls import path

    urlconf = type("urls", (), {"urlpatterns": [path("api/claim/", claim)]})
    generated = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    documented = responses(generated, "/api/claim/", "post")
    assert 409 in documented and not {405, 406} & documented
    assert 500 in documented


def test_validation_status_422_moves_field_errors(client):
    with override_settings(API_ERRORS={"VALIDATION_STATUS": 422}):
        generated = SchemaGenerator(urlconf=EXAMPLE_URLS).get_schema(request=None, public=True)
    components = generated["components"]["schemas"]
    assert "validation_failed" in components["Error422Code"]["enum"]
    assert "validation_failed" not in components["Error400Code"]["enum"]
    assert "ProductError422" in components
    response = client.post("/api/products/", "{}", content_type="application/json")
    assert_contract(response, 401, "unauthenticated")


def test_code_patterns_are_anchored(schema):
    from .schema_tools import validate

    body = {
        "message": "x",
        "type": "api_error",
        "code": "Bad-Code",
        "param": None,
        "request_id": "r",
        "status": 500,
        "retryable": True,
    }
    with pytest.raises(jsonschema.ValidationError):
        validate(body, {"$ref": "#/components/schemas/ErrorResponse"}, schema["components"])


@pytest.mark.parametrize("url", ["/api/schema/swagger-ui/", "/api/schema/redoc/"])
def test_api_browsers_load_packaged_assets_only(client, url):
    import re

    from django.contrib.staticfiles import finders

    page = client.get(url)
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', page.content.decode())
    assert sources, "the page loads no assets"
    for source in sources:
        assert source.startswith("/static/drf_spectacular_sidecar/"), source
        assert finders.find(source.removeprefix("/static/")), f"{source} is not packaged"


def schema_of(*patterns):
    urlconf = type("urls", (), {"urlpatterns": list(patterns)})
    return SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)


def test_every_method_with_a_body_documents_400_and_415_without_a_serializer():
    from django.urls import path
    from rest_framework.permissions import AllowAny
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class Webhook(APIView):
        permission_classes = [AllowAny]
        authentication_classes: list[type] = []

        def get(self, request):
            return Response({})

        def post(self, request):
            return Response(request.data)

        def put(self, request):
            return Response(request.data)

        def patch(self, request):
            return Response(request.data)

    generated = schema_of(path("api/hook/", Webhook.as_view()))
    for method in ("post", "put", "patch"):
        documented = responses(generated, "/api/hook/", method)
        assert {400, 415} <= documented, (method, sorted(documented))
    assert not {400, 415} & responses(generated, "/api/hook/", "get")


def test_operations_with_a_body_in_the_example_document_400_and_415(schema):
    for path, operations in schema["paths"].items():
        for method in {"post", "put", "patch"} & set(operations):
            assert {400, 415} <= responses(schema, path, method), (path, method)


def test_our_mixins_docstrings_never_describe_an_operation(schema):
    from django_apierrors.idempotency import IdempotentMixin

    for method in ("get", "post"):
        assert not schema["paths"]["/api/orders/"][method].get("description")
    assert not schema["paths"]["/api/orders/{id}/"]["get"].get("description")
    ours = (IdempotentMixin.__doc__ or "").strip()
    dumped = json.dumps(schema)
    assert "checked after authentication" not in dumped
    assert not ours or ours not in dumped


def test_a_projects_own_docstrings_still_describe_its_operations():
    from django.urls import path
    from rest_framework import serializers
    from rest_framework.generics import CreateAPIView
    from rest_framework.permissions import AllowAny
    from rest_framework.response import Response

    from django_apierrors.idempotency import IdempotentMixin

    class PaymentSerializer(serializers.Serializer):
        amount = serializers.IntegerField()

    class OurDoc(IdempotentMixin):
        """A mixin of ours, documented for developers."""

        __module__ = "django_apierrors.testing_only"

        def post(self, request, *args, **kwargs):
            """Our method's docstring."""
            return super().post(request, *args, **kwargs)  # type: ignore[misc]

    class Payments(OurDoc, CreateAPIView):
        """Creates a payment."""

        permission_classes = [AllowAny]
        serializer_class = PaymentSerializer

    class Refunds(OurDoc, CreateAPIView):
        permission_classes = [AllowAny]
        serializer_class = PaymentSerializer

        def post(self, request, *args, **kwargs):
            """Refunds a payment."""
            return Response({})

    class Undocumented(OurDoc, CreateAPIView):
        permission_classes = [AllowAny]
        serializer_class = PaymentSerializer

    generated = schema_of(
        path("api/payments/", Payments.as_view()),
        path("api/refunds/", Refunds.as_view()),
        path("api/undocumented/", Undocumented.as_view()),
    )
    paths = generated["paths"]
    assert paths["/api/payments/"]["post"]["description"] == "Creates a payment."
    assert paths["/api/refunds/"]["post"]["description"] == "Refunds a payment."
    assert not paths["/api/undocumented/"]["post"].get("description")
