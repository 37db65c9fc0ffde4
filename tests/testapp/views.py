import json
import threading
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

import django_apierrors
from django_apierrors.idempotency import idempotent
from shop.models import Product

from .raising import EXCEPTIONS


def raise_sync(request: HttpRequest, name: str) -> HttpResponse:
    raise EXCEPTIONS[name]()


@transaction.non_atomic_requests
async def raise_async(request: HttpRequest, name: str) -> HttpResponse:
    raise EXCEPTIONS[name]()


@api_view(["GET", "POST"])
@permission_classes([AllowAny])
def raise_drf(request: Request, name: str) -> Response:
    raise EXCEPTIONS[name]()


def write_product_then_conflict() -> None:
    Product.objects.create(sku="WRITTEN-1", name="Written", price=Decimal("1"))
    raise django_apierrors.Conflict("Changed meanwhile.")


def write_then_fail(request: HttpRequest) -> HttpResponse:
    write_product_then_conflict()
    return HttpResponse()


@api_view(["POST"])
@permission_classes([AllowAny])
def write_then_fail_drf(request: Request) -> Response:
    write_product_then_conflict()
    return Response()


def broken_template(request: HttpRequest) -> HttpResponse:
    from django.template.response import TemplateResponse

    return TemplateResponse(request, "testapp/does-not-exist.html", {})


def bare_not_found(request: HttpRequest) -> HttpResponse:
    return HttpResponseNotFound("<h1>Not Found</h1>")


def json_not_found(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"detail": "kept as it is"}, status=404)


def ok(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})


class LineSerializer(serializers.Serializer):
    qty = serializers.IntegerField(min_value=1)
    note = serializers.CharField(max_length=5, required=False)


class AddressSerializer(serializers.Serializer):
    city = serializers.CharField()
    zip = serializers.RegexField(r"^\d{5}$")


class CartSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(min_length=8)
    address = AddressSerializer()
    items = LineSerializer(many=True)
    tags = serializers.ListField(child=serializers.IntegerField(), required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["email"].startswith(attrs["password"]):
            raise serializers.ValidationError("The password must not start the email.")
        return attrs


@api_view(["POST"])
@permission_classes([AllowAny])
def cart(request: Request) -> Response:
    serializer = CartSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return Response(serializer.validated_data)


@api_view(["POST"])
@permission_classes([AllowAny])
def lines(request: Request) -> Response:
    serializer = LineSerializer(data=request.data, many=True)
    serializer.is_valid(raise_exception=True)
    return Response(serializer.validated_data)


QUEUED: list[Any] = []


def queue_batch(request: HttpRequest) -> HttpResponse:
    """Accepts items for later processing: 202 with one outcome per item."""
    from django_apierrors.batch import run_batch

    def enqueue(item: Any) -> int:
        if not isinstance(item, dict) or "job" not in item:
            raise django_apierrors.InvalidArgument("Name the job.", param="job")
        QUEUED.append(item)
        return len(QUEUED)

    return run_batch(json.loads(request.body), enqueue, field=None, accepted=True)


def crashing_batch(request: HttpRequest) -> HttpResponse:
    from django_apierrors.batch import run_batch

    def handle(item: Any) -> int:
        if item == "boom":
            raise RuntimeError("a bug in the item handler")
        return 1

    return run_batch(json.loads(request.body), handle, field=None)


SLOW_WRITE_GATE = threading.Event()
SLOW_WRITE_RUNNING = threading.Event()


@csrf_exempt  # an API client without cookies
@idempotent()
def slow_write(request: HttpRequest) -> HttpResponse:
    """Creates a product once the test opens the gate: a request that is still running."""
    SLOW_WRITE_RUNNING.set()
    SLOW_WRITE_GATE.wait(timeout=10)
    sku = json.loads(request.body)["sku"]
    product = Product.objects.create(sku=sku, name=sku, price=Decimal("1"))
    return JsonResponse({"id": product.pk}, status=201)


def database_goes_away(request: HttpRequest) -> HttpResponse:
    """Its PostgreSQL connection is killed between two queries (by another connection)."""
    import os

    import psycopg
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", [backend])
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("unreachable")
