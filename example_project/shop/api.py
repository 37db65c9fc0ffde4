"""The DRF side of the shop: products, orders and shipping quotes."""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from django_apierrors import AlreadyExists, InvalidArgument
from django_apierrors.batch import run_batch, serializer_item
from django_apierrors.drf.throttling import RatelimitThrottle
from django_apierrors.idempotency import IdempotentMixin
from django_apierrors.openapi import api_errors
from django_apierrors.preconditions import locked_row_condition

from . import carrier
from .errors import InsufficientBalance, OutOfStock
from .models import Account, Order, OrderItem, Product
from .serializers import (
    BatchResultSerializer,
    OrderSerializer,
    ProductSerializer,
    ShippingQuoteSerializer,
)

MAX_PRICE = Decimal("99999999.99")


class IsStaffOrReadOnly(permissions.BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_staff)


class CatalogReadThrottle(RatelimitThrottle):
    """Reads of the product catalog, per user or IP, on django-ratelimit's counters."""

    rate = "shop.rates.catalog_read"
    key = "user_or_ip"
    method = "GET"


def product_etag(product: Product) -> str:
    return product.etag


# Updates honour If-Match: a stale ETag answers 412 with the current one (Django decides).
# The row stays locked from the check until the write commits: of concurrent updates with
# the same If-Match, one writes and the others answer 412. One object for both methods, so
# a PATCH (partial_update calls update) is checked once.
product_precondition = locked_row_condition(Product, lookup_field="sku", etag=product_etag)


@method_decorator(product_precondition, name="update")
@method_decorator(product_precondition, name="partial_update")
@method_decorator(product_precondition, name="destroy")  # If-Match on DELETE too
@method_decorator(api_errors(add=[409]), name="update")
@method_decorator(api_errors(add=[409]), name="partial_update")
class ProductViewSet(viewsets.ModelViewSet):
    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    lookup_field = "sku"
    lookup_value_regex = "[A-Za-z0-9_-]+"
    permission_classes = [IsStaffOrReadOnly]
    throttle_classes = [CatalogReadThrottle]

    def get_queryset(self) -> QuerySet[Product]:
        queryset = super().get_queryset()
        max_price = self.request.query_params.get("max_price")
        if max_price is not None:
            try:
                limit = Decimal(max_price)
            except InvalidOperation:
                limit = Decimal("NaN")
            # Bounded by the column (10 digits, 2 decimals): the database refuses larger.
            if not limit.is_finite() or not 0 <= limit <= MAX_PRICE:
                raise InvalidArgument(
                    "max_price must be a number from 0 to 99999999.99.", param="max_price"
                )
            queryset = queryset.filter(price__lte=limit)
        return queryset

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = self.get_object()
        return Response(self.get_serializer(product).data, headers={"ETag": product.etag})

    @api_errors(add=[409])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    @api_errors(add=[409])  # a SKU taken meanwhile; a product that was ordered
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().destroy(request, *args, **kwargs)

    def perform_create(self, serializer: BaseSerializer[Product]) -> None:
        sku = serializer.validated_data["sku"]
        if Product.objects.filter(sku=sku).exists():
            raise AlreadyExists("A product with this SKU already exists.", param="sku")
        # A concurrent create with the same SKU still ends as 409 (the unique constraint).
        serializer.save()

    @extend_schema(
        request=inline_serializer(
            "ProductBatchRequest", {"items": serializers.ListField(child=ProductSerializer())}
        ),
        responses={201: BatchResultSerializer},
    )
    @api_errors(add=[409, 413, 422])
    @action(detail=False, methods=["post"])
    def batch(self, request: Request) -> HttpResponseBase:
        """POST {"items": [...]}: each product created or its error reported (staff only)."""
        items = request.data.get("items") if isinstance(request.data, dict) else None
        return run_batch(items, serializer_item(ProductSerializer), max_items=100)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().update(request, *args, **kwargs)
        # The new version's ETag: the If-Match of the client's next update.
        response["ETag"] = Product(sku=response.data["sku"], version=response.data["version"]).etag
        return response

    def perform_update(self, serializer: BaseSerializer[Product]) -> None:
        # The row was read under product_precondition's lock: its version is the current one.
        product = serializer.instance
        assert product is not None
        serializer.save(version=product.version + 1)


class OrderViewSet(
    IdempotentMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = OrderSerializer
    queryset = Order.objects.all()  # narrowed to the customer's own in get_queryset
    permission_classes = [permissions.IsAuthenticated]
    throttle_scope = "orders"

    @api_errors(add=[402, 422])  # insufficient_balance, out_of_stock
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Order]:
        return Order.objects.filter(customer=self.customer).prefetch_related("items__product")

    @property
    def customer(self) -> User:
        user = self.request.user
        assert isinstance(user, User), "IsAuthenticated lets only users through"
        return user

    def get_throttles(self) -> list[BaseThrottle]:
        return [ScopedRateThrottle()] if self.action == "create" else []

    def perform_create(self, serializer: BaseSerializer[Order]) -> None:
        items = serializer.validated_data["items"]
        skus = [item["product"].sku for item in items]
        with transaction.atomic():
            products = {p.sku: p for p in Product.objects.select_for_update().filter(sku__in=skus)}
            total = Decimal("0")
            # One SKU on several lines: the stock covers them all together.
            ordered: dict[str, int] = {}
            for index, item in enumerate(items):
                product = products[item["product"].sku]
                available = product.stock - ordered.get(product.sku, 0)
                if item["quantity"] > available:
                    raise OutOfStock(
                        param=f"items[{index}].quantity", meta={"available": available}
                    )
                ordered[product.sku] = ordered.get(product.sku, 0) + item["quantity"]
                total += product.price * item["quantity"]
            account, _ = Account.objects.select_for_update().get_or_create(user=self.customer)
            if account.balance < total:
                raise InsufficientBalance(meta={"balance": account.balance, "total": total})
            order = Order.objects.create(customer=self.customer, total=total)
            for item in items:
                product = products[item["product"].sku]
                OrderItem.objects.create(
                    order=order,
                    product=product,
                    quantity=item["quantity"],
                    unit_price=product.price,
                )
                product.stock -= item["quantity"]
                # A new version: a PATCH holding the ETag from before the order must not
                # write the old stock back (412 instead).
                product.version += 1
                product.save(update_fields=["stock", "version"])
            account.balance -= total
            account.save(update_fields=["balance"])
        serializer.instance = order


POSTCODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{2,9}")


class ShippingQuoteView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("postcode", str, required=True)],
        responses={200: ShippingQuoteSerializer},
    )
    @api_errors(add=[502, 504])
    def get(self, request: Request) -> Response:
        postcode = request.query_params.get("postcode", "")
        if not POSTCODE.fullmatch(postcode):
            raise InvalidArgument("postcode must be 3 to 10 letters or digits.", param="postcode")
        return Response(carrier.fetch_quote(postcode))
