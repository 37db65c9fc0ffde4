"""Views writing a product under `locked_row_condition`: sync in the request's transaction
(the settings' ATOMIC_REQUESTS), sync without one, and async on the async ORM."""

import json
from datetime import UTC, datetime, timedelta
from operator import attrgetter

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from django_apierrors.preconditions import locked_row_condition
from shop.models import Product

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def version_time(product: Product) -> datetime:
    """A Last-Modified that moves with every write: a second per version."""
    return EPOCH + timedelta(seconds=product.version)


product_precondition = locked_row_condition(
    Product, lookup_field="sku", etag=attrgetter("etag"), last_modified=version_time
)


def restocked(product: Product, request: HttpRequest) -> None:
    product.stock = json.loads(request.body)["stock"]
    product.version += 1


def represented(product: Product) -> HttpResponse:
    data = {"sku": product.sku, "stock": product.stock, "version": product.version}
    return JsonResponse(data, headers={"ETag": product.etag})


def restock(request: HttpRequest, sku: str) -> HttpResponse:
    product = get_object_or_404(Product, sku=sku)
    if request.method == "PATCH":
        restocked(product, request)
        product.save(update_fields=["stock", "version"])
    return represented(product)


async def restock_async(request: HttpRequest, sku: str) -> HttpResponse:
    try:
        product = await Product.objects.aget(sku=sku)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None
    if request.method == "PATCH":
        restocked(product, request)
        await product.asave(update_fields=["stock", "version"])
    return represented(product)


urlpatterns = [
    path("<str:sku>/", product_precondition(restock)),
    path(
        "<str:sku>/non-atomic/",
        transaction.non_atomic_requests(product_precondition(restock)),
    ),
    path(
        "<str:sku>/async/",
        transaction.non_atomic_requests(product_precondition(restock_async)),
    ),
]
