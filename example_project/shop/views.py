"""The plain-Django side of the shop: JSON views without DRF, one of them async."""

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from django_apierrors import InvalidArgument, MethodNotAllowed, ValidationFailed
from django_apierrors.batch import form_item, run_batch
from django_apierrors.idempotency import idempotent
from django_apierrors.json_body import read_json
from django_apierrors.ratelimit import ratelimit

from .forms import ProductForm
from .models import Product


def product_json(product: Product) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "name": product.name,
        "price": str(product.price),
        "stock": product.stock,
    }


@require_GET
@ratelimit(key="ip", rate="shop.rates.search", group="catalog-search")
@ratelimit(key="ip", rate="shop.rates.search_burst", group="catalog-search-burst")
def search_products(request: HttpRequest) -> JsonResponse:
    """GET /api/catalog/search/?q=mug: limited per client IP, a sustained and a burst rate."""
    query = request.GET.get("q", "").strip()
    # No control characters: PostgreSQL refuses a NUL byte in text (a DataError).
    if not 1 <= len(query) <= 50 or not query.isprintable():
        raise InvalidArgument("q must be 1 to 50 printable characters.", param="q")
    products = Product.objects.filter(Q(name__icontains=query) | Q(sku__icontains=query))[:20]
    return JsonResponse({"results": [product_json(product) for product in products]})


@csrf_exempt  # it never writes: a POST is a 405, not a CSRF failure
@require_GET
def product_detail(request: HttpRequest, sku: str) -> JsonResponse:
    return JsonResponse(product_json(get_object_or_404(Product, sku=sku)))


def csrf_for_sessions(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """CSRF protection where a session cookie could make the request (a browser), as DRF's
    SessionAuthentication does; API clients without cookies (curl, scripts) need no token."""

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            refused = CsrfViewMiddleware(lambda request: HttpResponse()).process_view(
                request, view, args, kwargs
            )
            if refused is not None:
                return refused  # CSRF_FAILURE_VIEW's answer: 403 csrf_failed
        return view(request, *args, **kwargs)

    return csrf_exempt(checked)


@csrf_for_sessions
@require_POST
def import_products(request: HttpRequest) -> JsonResponse:
    """POST {"products": [...]}: creates all of them or, on any error, none."""
    payload = read_json(request)  # 415, 413 or 400 parse_error for what is not JSON
    items = payload.get("products") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items:
        raise ValidationFailed(errors={"products": ["Send a non-empty list of products."]})
    forms = [ProductForm(item if isinstance(item, dict) else {}) for item in items]
    errors = {
        index: form.errors.as_data() for index, form in enumerate(forms) if not form.is_valid()
    }
    if errors:
        raise ValidationFailed(errors={"products": errors})
    created = [
        Product.objects.create(**{k: v for k, v in form.cleaned_data.items() if v is not None})
        for form in forms
    ]
    return JsonResponse({"created": [product_json(product) for product in created]}, status=201)


@csrf_exempt  # for API clients without cookies (catalog/import checks sessions' CSRF)
@require_POST
@idempotent()
def batch_products(request: HttpRequest) -> JsonResponse:
    """POST {"products": [...]}: creates each valid product and reports every item's outcome
    (201); 422 when none could be created. ?all_or_nothing=1: any failure rolls back all."""
    payload = read_json(request)
    items = payload.get("products") if isinstance(payload, dict) else None
    return run_batch(
        items,
        form_item(ProductForm, save=create_product),
        field="products",
        max_items=100,
        all_or_nothing=request.GET.get("all_or_nothing") == "1",
    )


def create_product(form: ProductForm) -> Product:
    values = {k: v for k, v in form.cleaned_data.items() if v is not None}
    return Product.objects.create(**values)


@transaction.non_atomic_requests  # Django runs no ATOMIC_REQUESTS transaction for async views
@ratelimit(key="ip", rate="shop.rates.stock", group="stock")
async def stock_level(request: HttpRequest, sku: str) -> JsonResponse:
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(headers={"Allow": "GET, HEAD"})
    product = await Product.objects.aget(sku=sku)  # DoesNotExist answers 404
    return JsonResponse({"sku": product.sku, "stock": product.stock})
