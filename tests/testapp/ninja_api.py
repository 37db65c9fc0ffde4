"""A Django Ninja API through `install()`, beside the testapp's plain and DRF views."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from asgiref.sync import iscoroutinefunction
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Header, NinjaAPI, Query, Router, Schema
from ninja.errors import AuthorizationError, HttpError
from ninja.pagination import CursorPagination, paginate
from ninja.security import APIKeyHeader, HttpBasicAuth, HttpBearer, SessionAuth
from ninja.throttling import AnonRateThrottle
from pydantic import HttpUrl, Json, field_validator, model_validator

from django_apierrors.ninja import install
from django_apierrors.openapi import api_errors
from django_apierrors.ratelimit import ratelimit

from .raising import EXCEPTIONS
from .views import write_product_then_conflict

api = install(NinjaAPI(title="Test Ninja", urls_namespace="test-ninja"))


class Line(Schema):
    sku: str = Field(min_length=1)
    qty: int = Field(ge=1)


class Address(Schema):
    city: str
    zip: str = Field(pattern=r"^\d{5}$")


class Order(Schema):
    items: list[Line]
    address: Address
    note: str | None = None


class Pet(Schema):
    name: str


class Owner(Schema):
    email: str


class Paging(Schema):
    page: int = Field(1, ge=1)
    size: int = Field(10, ge=1, le=100)


class Cat(Schema):
    kind: Literal["cat"]
    meow: int


class Dog(Schema):
    kind: Literal["dog"]
    bark: int


class Shelter(Schema):
    pet: Annotated[Cat | Dog, Field(discriminator="kind")]
    value: int | list[int] = 0
    tally: dict[str, int] = {}


class Filters(Schema):
    tags: list[int] = []
    low: int = 0
    high: int = 10

    @model_validator(mode="after")
    def low_below_high(self) -> Filters:
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        return self


class Named(Schema):
    name: str

    @field_validator("name")
    @classmethod
    def not_bad(cls, value: str) -> str:
        if value == "bad":
            raise ValueError("Name must not be 'bad'.")
        return value


class Inputs(Schema):
    """A field for each kind of input whose pydantic errors Django has a message for (lists,
    so that one body fails each way), and some whose errors keep pydantic's text."""

    name: str
    ints: list[int] = []
    floats: list[Annotated[float, Field(allow_inf_nan=False)]] = []
    prices: list[Annotated[Decimal, Field(max_digits=4, decimal_places=2)]] = []
    days: list[date] = []
    moments: list[datetime] = []
    times: list[time] = []
    waits: list[timedelta] = []
    refs: list[UUID] = []
    sites: list[HttpUrl] = []
    tags: list[str] = []
    ratings: list[Annotated[int, Field(ge=1, le=5)]] = []
    steps: list[Annotated[int, Field(multiple_of=5)]] = []
    zips: list[Annotated[str, Field(pattern=r"^\d{5}$")]] = []
    data: Json[list[int]] | None = None
    # pydantic's text
    flag: bool = False
    positive: int = Field(1, gt=0, lt=10)
    word: str = Field("word", min_length=2, max_length=5)
    size: Literal["S", "M", "L"] = "M"


class ProductOut(Schema):
    id: int
    sku: str


class Message(Schema):
    detail: str


class Basic(HttpBasicAuth):
    def authenticate(self, request: HttpRequest, username: str, password: str) -> Any:
        return username if (username, password) == ("ann", "pw") else None


class Bearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if token == "expired-token":
            raise HttpError(401, "The token has expired.")
        return token if token == "secret-token" else None


class ApiKey(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return key if key == "k3y" else None


class ChallengingApiKey(ApiKey):
    def authenticate_header(self, request: HttpRequest) -> str:
        return 'ApiKey realm="test"'


@api.post("/orders")
def create_order(request: HttpRequest, payload: Order) -> dict[str, Any]:
    return {"items": len(payload.items)}


@api.post("/async/orders")
async def create_order_async(request: HttpRequest, payload: Order) -> dict[str, Any]:
    return {"items": len(payload.items)}


@api.post("/adoptions")
def adopt(request: HttpRequest, pet: Pet, owner: Owner) -> dict[str, Any]:
    return {"pet": pet.name}


@api.get("/items/{item_id}")
def get_item(
    request: HttpRequest,
    item_id: int,
    paging: Query[Paging],
    x_tenant: str = Header(alias="X-Tenant"),
) -> dict[str, Any]:
    return {"id": item_id, "page": paging.page, "tenant": x_tenant}


@api.get("/basic", auth=Basic())
def basic(request: HttpRequest) -> dict[str, Any]:
    return {"user": request.auth}  # type: ignore[attr-defined]


@api.get("/bearer", auth=Bearer())
async def bearer(request: HttpRequest) -> dict[str, Any]:
    return {"token": request.auth}  # type: ignore[attr-defined]


@api.get("/api-key", auth=ApiKey())
def api_key(request: HttpRequest) -> dict[str, Any]:
    return {"ok": True}


@api.get("/challenging-api-key", auth=ChallengingApiKey())
def challenging_api_key(request: HttpRequest) -> dict[str, Any]:
    return {"ok": True}


@api.post("/session", auth=SessionAuth())
def session_write(request: HttpRequest) -> dict[str, Any]:
    return {"ok": True}


@api.get("/forbidden")
def forbidden(request: HttpRequest) -> dict[str, Any]:
    raise AuthorizationError()


@api.get("/http-error/{status}")
@api_errors(add=[402, 409, 412, 413, 422, 502, 504])
def http_error(request: HttpRequest, status: int, message: str = "") -> dict[str, Any]:
    raise HttpError(status, message)


@api.get("/throttled", throttle=AnonRateThrottle("2/m"))
def throttled(request: HttpRequest) -> dict[str, Any]:
    return {"ok": True}


@api.get("/limited")
@ratelimit(key="ip", rate="2/m", group="ninja-limited")
def limited(request: HttpRequest) -> dict[str, Any]:
    return {"ok": True}


@api.get("/async/limited")
@ratelimit(key="ip", rate="2/m", group="ninja-async-limited")
async def limited_async(request: HttpRequest) -> dict[str, Any]:
    return {"ok": True}


@api.get("/raise/{name}")
def raise_sync(request: HttpRequest, name: str) -> dict[str, Any]:
    raise EXCEPTIONS[name]()


@api.get("/async/raise/{name}")
async def raise_async(request: HttpRequest, name: str) -> dict[str, Any]:
    raise EXCEPTIONS[name]()


@api.get("/documented/{item_id}", response={200: Message, 404: Message})
def documented(request: HttpRequest, item_id: int) -> tuple[int, dict[str, str]]:
    return 404, {"detail": "Documented by the operation itself."}


@api.get("/unlisted", include_in_schema=False)
@api_errors(remove=[500])
def unlisted(request: HttpRequest) -> dict[str, Any]:
    return {"ok": True}


@api.get("/quiet")
@api_errors(remove=[405])
def quiet(request: HttpRequest) -> dict[str, Any]:
    return {"ok": True}


@api.post("/write-then-fail")
def write_then_fail(request: HttpRequest) -> dict[str, Any]:
    write_product_then_conflict()
    return {}


@api.post("/shelters")
def shelter(request: HttpRequest, payload: Shelter) -> dict[str, Any]:
    return {"ok": True}


@api.get("/filtered")
def filtered(request: HttpRequest, filters: Query[Filters]) -> dict[str, Any]:
    return {"tags": filters.tags}


@api.post("/named")
def named(request: HttpRequest, payload: Named) -> dict[str, Any]:
    return {"name": payload.name}


#: A body for `Inputs` whose every field fails (each list item another way), with an error
#: of each type Django has a message for.
FAILING_INPUTS: dict[str, Any] = {
    "ints": ["x", 1.5, [], "9" * 5000],
    "floats": ["inf", "x", []],
    "prices": ["12345", "1.234", "123.4", "x", []],
    "days": ["2024-13-45", "2024-01-01T10:00:01", []],
    "moments": ["x", [], 1e20],
    "times": ["x", []],
    "waits": ["x", []],
    "refs": ["x", 5],
    "sites": ["x", 5],
    "tags": "x",
    "ratings": [0, 6],
    "steps": [3],
    "zips": ["x"],
    "data": "{oops",
}


@api.post("/inputs")
def inputs(request: HttpRequest, payload: Inputs) -> dict[str, Any]:
    return {"name": payload.name}


@api.get("/products", response=list[ProductOut])
@paginate(CursorPagination, ordering=("id",))
def products(request: HttpRequest) -> Any:
    from shop.models import Product

    return Product.objects.all()


@api.get("/odd-http-error/{kind}")
def odd_http_error(request: HttpRequest, kind: str) -> dict[str, Any]:
    if kind == "none":
        raise HttpError(404, None)  # type: ignore[arg-type]
    raise HttpError("404", "A status that is no number.")  # type: ignore[arg-type]


router = Router(tags=["router"])


@router.get("/greetings/{name}")
def greet(request: HttpRequest, name: str, times: int = Query(1, ge=1, le=3)) -> dict[str, Any]:
    return {"greeting": " ".join([f"Hello {name}"] * times)}


@router.get("/missing")
def missing(request: HttpRequest) -> dict[str, Any]:
    from django.shortcuts import get_object_or_404

    from shop.models import Product

    get_object_or_404(Product, pk=0)
    return {}


api.add_router("/router", router)


def urls() -> tuple[list[Any], str, str]:
    """`api.urls`, its async paths outside ATOMIC_REQUESTS (Django refuses async views in
    it, and Ninja builds the views itself)."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if iscoroutinefunction(pattern.callback):
            transaction.non_atomic_requests(pattern.callback)
    return patterns, app_name, namespace
