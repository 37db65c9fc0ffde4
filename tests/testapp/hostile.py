"""Views that hand the client's values to the database unvalidated, and read JSON bodies:
what the database refuses and what cannot be parsed must still answer 4xx."""

from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from django_apierrors.json_body import read_json
from shop.models import Product


def _fields(payload: Any) -> dict[str, Any]:
    """The values as sent, of the types the columns take: unchecked for range and size."""
    payload = payload if isinstance(payload, dict) else {}
    stock = payload.get("stock", 0)
    return {
        "sku": str(payload.get("sku", "RAW-1")),
        "name": str(payload.get("name", "Raw")),
        "price": str(payload.get("price", "1")),  # Django's DecimalField refuses non-numbers
        "stock": stock if isinstance(stock, int) else 0,
    }


@csrf_exempt
def store(request: HttpRequest) -> JsonResponse:
    product = Product.objects.create(**_fields(read_json(request)))
    return JsonResponse({"sku": product.sku}, status=201)


@csrf_exempt
@transaction.non_atomic_requests
async def astore(request: HttpRequest) -> JsonResponse:
    product = await Product.objects.acreate(**_fields(read_json(request)))
    return JsonResponse({"sku": product.sku}, status=201)


@api_view(["POST"])
@permission_classes([AllowAny])
def drf_store(request: Request) -> Response:
    product = Product.objects.create(**_fields(request.data))
    return Response({"sku": product.sku}, status=201)


@csrf_exempt
def echo(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"value": read_json(request)})


@csrf_exempt
@transaction.non_atomic_requests
async def aecho(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"value": read_json(request)})


@api_view(["POST"])
@permission_classes([AllowAny])
def drf_echo(request: Request) -> Response:
    return Response({"value": request.data})
