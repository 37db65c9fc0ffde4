"""The Django Ninja side of the shop, served at /api/v2/: products and orders, as the DRF
side at /api/ offers them and with its business rules, every error by the same contract.

Every operation is sync: the example runs each request in a transaction (ATOMIC_REQUESTS),
which Django refuses for async views.

No annotations are postponed in this module (no `from __future__ import annotations`):
Ninja would resolve them in the globals of the function it is given, and `@ratelimit`
gives it a wrapper from another module.
"""

import json
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, cast

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from drf_spectacular.settings import spectacular_settings
from ninja import Field, NinjaAPI, Path, Query, Schema, Status
from ninja.errors import AuthorizationError
from ninja.openapi.docs import DocsBase
from ninja.security import HttpBasicAuth
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.throttling import AuthRateThrottle
from pydantic import field_validator

from django_apierrors import AlreadyExists, FieldError, ValidationFailed
from django_apierrors.ninja import install
from django_apierrors.openapi import api_errors
from django_apierrors.ratelimit import ratelimit

from .errors import InsufficientBalance, OutOfStock
from .models import MAX_STOCK, SKU_REGEX, Account, Order, OrderItem, Product

#: The largest price the column stores (10 digits, 2 decimals).
MAX_PRICE = Decimal("99999999.99")
#: Reads of the catalog (list and detail) count against one limit per user or IP.
CATALOG_READ_GROUP = "shop-v2-catalog-read"


class SidecarSwagger(DocsBase):
    """The docs page at /api/v2/docs as the DRF side's at /api/schema/swagger-ui/:
    drf-spectacular's Swagger UI page on drf-spectacular-sidecar's files, nothing loaded
    from another host (Ninja's own page loads Swagger UI from a CDN unless "ninja" is an
    installed app)."""

    DIST = "drf_spectacular_sidecar/swagger-ui-dist/"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        context = {
            "title": api.title,
            "swagger_ui_css": static(self.DIST + "swagger-ui.css"),
            "swagger_ui_bundle": static(self.DIST + "swagger-ui-bundle.js"),
            "swagger_ui_standalone": static(self.DIST + "swagger-ui-standalone-preset.js"),
            "favicon_href": static(self.DIST + "favicon-32x32.png"),
            "template_name_js": "drf_spectacular/swagger_ui.js",
            "schema_url": self.get_openapi_url(api, kwargs),
            "settings": json.dumps(spectacular_settings.SWAGGER_UI_SETTINGS),
            "schema_auth_names": "[]",
            "csrf_header_name": settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-"),
        }
        return render(request, "drf_spectacular/swagger_ui.html", context)


api = install(
    NinjaAPI(
        title="Shop API v2",
        version="2",
        description="The example shop on Django Ninja. Every error answers with the body "
        "documented at /api/errors/.",
        urls_namespace="shop-v2",
        docs=SidecarSwagger(),
    )
)


# --- authentication ------------------------------------------------------------------


class BasicAuth(HttpBasicAuth):
    """HTTP Basic against Django's users (`authenticate()`: inactive users are refused)."""

    def authenticate(self, request: HttpRequest, username: str, password: str) -> User | None:
        user = authenticate(request, username=username, password=password)
        return user if isinstance(user, User) else None


class StaffBasicAuth(BasicAuth):
    """HTTP Basic for staff: a known user who is no staff member is refused with 403
    before the request body is read, as DRF's permission classes refuse."""

    def authenticate(self, request: HttpRequest, username: str, password: str) -> User | None:
        user = super().authenticate(request, username, password)
        if user is not None and not user.is_staff:
            raise AuthorizationError(message="Only staff members may change the catalog.")
        return user


class SessionAuth(NinjaSessionAuth):
    """Django's session, its CSRF token checked only for a logged-in session, as DRF's
    SessionAuthentication does: a request without one goes on to 401, not Ninja's 403."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


def authenticated_user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User), "the operation's auth lets only users through"
    return user


class OrdersThrottle(AuthRateThrottle):
    """Ninja's per-user throttle at the DRF side's "orders" rate (ORDERS_RATE), read on
    every request so that deployments and tests can change it."""

    scope = "shop-v2-orders"

    def __init__(self) -> None:
        super().__init__(self.current_rate())

    @staticmethod
    def current_rate() -> str:
        # DRF's "10/minute" is Ninja's "10/m": DRF reads the period's first letter only.
        rates = cast(dict[str, str], settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
        count, period = rates["orders"].split("/")
        return f"{count}/{period[:1]}"

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = self.current_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


# --- schemas ---------------------------------------------------------------------------

Sku = Annotated[str, Field(pattern=SKU_REGEX, max_length=32, examples=["MUG-1"])]


def printable(value: str, name: str) -> str:
    # PostgreSQL refuses a NUL byte in text; no control characters at all.
    if not value.isprintable():
        raise ValueError(f"{name} must be printable characters.")
    return value


class ProductOut(Schema):
    sku: str
    name: str
    price: Decimal
    stock: int
    version: int


class ProductPage(Schema):
    count: int
    results: list[ProductOut]


class ProductIn(Schema):
    sku: Sku
    name: str = Field(min_length=1, max_length=200)
    price: Decimal = Field(ge=0, le=MAX_PRICE, max_digits=10, decimal_places=2)
    stock: int = Field(0, ge=0, le=MAX_STOCK)

    @field_validator("name")
    @classmethod
    def name_is_printable(cls, value: str) -> str:
        value = printable(value, "name").strip()
        if not value:
            raise ValueError("name may not be blank.")
        return value


class ProductFilters(Schema):
    q: str | None = Field(None, min_length=1, max_length=50, description="Part of the name or SKU.")
    max_price: Decimal | None = Field(None, ge=0, le=MAX_PRICE, max_digits=10, decimal_places=2)
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=100_000)

    @field_validator("q")
    @classmethod
    def q_is_printable(cls, value: str | None) -> str | None:
        return None if value is None else printable(value, "q")


class StockOut(Schema):
    sku: str
    stock: int


class OrderLine(Schema):
    sku: Sku
    qty: int = Field(ge=1, le=1000)


class OrderIn(Schema):
    items: list[OrderLine] = Field(min_length=1, max_length=50)


class OrderLineOut(Schema):
    sku: str
    qty: int
    unit_price: Decimal


class OrderOut(Schema):
    id: int
    items: list[OrderLineOut]
    total: Decimal
    created_at: datetime


# --- products --------------------------------------------------------------------------


@api.get("/products", response=ProductPage, tags=["products"])
@ratelimit(key="user_or_ip", rate="shop.rates.catalog_read", group=CATALOG_READ_GROUP)
def list_products(request: HttpRequest, filters: Query[ProductFilters]) -> dict[str, Any]:
    """The catalog, by SKU; `q` matches part of the name or SKU."""
    products = Product.objects.all()
    if filters.q is not None:
        products = products.filter(Q(name__icontains=filters.q) | Q(sku__icontains=filters.q))
    if filters.max_price is not None:
        products = products.filter(price__lte=filters.max_price)
    page = products[filters.offset : filters.offset + filters.limit]
    return {"count": products.count(), "results": list(page)}


@api.get("/products/{sku}", response=ProductOut, tags=["products"])
@ratelimit(key="user_or_ip", rate="shop.rates.catalog_read", group=CATALOG_READ_GROUP)
def get_product(request: HttpRequest, sku: str = Path(..., pattern=SKU_REGEX)) -> Product:
    return get_object_or_404(Product, sku=sku)


@api.post("/products", response={201: ProductOut}, auth=StaffBasicAuth(), tags=["products"])
@api_errors(add=[409])  # a SKU already taken
def create_product(request: HttpRequest, payload: ProductIn) -> Status[Product]:
    """A new product (staff only)."""
    if Product.objects.filter(sku=payload.sku).exists():
        raise AlreadyExists("A product with this SKU already exists.", param="sku")
    # A concurrent create with the same SKU still ends as 409 (the unique constraint).
    return Status(201, Product.objects.create(**payload.model_dump()))


@api.get("/products/{sku}/stock", response=StockOut, tags=["products"])
@ratelimit(key="ip", rate="shop.rates.stock", group="shop-v2-stock")
def product_stock(request: HttpRequest, sku: str = Path(..., pattern=SKU_REGEX)) -> Product:
    """How many are in stock: cheap, and limited per client IP (STOCK_RATE)."""
    return get_object_or_404(Product.objects.only("sku", "stock"), sku=sku)


# --- orders ----------------------------------------------------------------------------


@api.post(
    "/orders",
    response={201: OrderOut},
    auth=[BasicAuth(), SessionAuth()],
    throttle=OrdersThrottle(),
    tags=["orders"],
)
@api_errors(add=[402, 422])  # insufficient_balance, out_of_stock
def create_order(request: HttpRequest, payload: OrderIn) -> Status[dict[str, Any]]:
    """An order of the authenticated customer, paid from the account's balance."""
    customer = authenticated_user(request)
    with transaction.atomic():
        skus = {line.sku for line in payload.items}
        products = {p.sku: p for p in Product.objects.select_for_update().filter(sku__in=skus)}
        unknown = []
        for index, line in enumerate(payload.items):
            if line.sku not in products:
                error = FieldError.at(
                    ("items", index, "sku"), "No product has this SKU.", "does_not_exist"
                )
                error.location = "body"
                unknown.append(error)
        if unknown:
            raise ValidationFailed(errors=unknown)
        # One SKU on several lines: the stock covers them all together.
        ordered: dict[str, int] = {}
        total = Decimal("0")
        for index, line in enumerate(payload.items):
            product = products[line.sku]
            available = product.stock - ordered.get(line.sku, 0)
            if line.qty > available:
                raise OutOfStock(param=f"items[{index}].qty", meta={"available": available})
            ordered[line.sku] = ordered.get(line.sku, 0) + line.qty
            total += product.price * line.qty
        account, _ = Account.objects.select_for_update().get_or_create(user=customer)
        if account.balance < total:
            raise InsufficientBalance(meta={"balance": account.balance, "total": total})
        order = Order.objects.create(customer=customer, total=total)
        lines = [
            OrderItem.objects.create(
                order=order,
                product=products[line.sku],
                quantity=line.qty,
                unit_price=products[line.sku].price,
            )
            for line in payload.items
        ]
        for sku, quantity in ordered.items():
            product = products[sku]
            product.stock -= quantity
            # A new version: an update holding the ETag from before the order must not
            # write the old stock back.
            product.version += 1
            product.save(update_fields=["stock", "version"])
        account.balance -= total
        account.save(update_fields=["balance"])
    return Status(
        201,
        {
            "id": order.pk,
            "items": [
                {"sku": item.product.sku, "qty": item.quantity, "unit_price": item.unit_price}
                for item in lines
            ],
            "total": order.total,
            "created_at": order.created_at,
        },
    )
