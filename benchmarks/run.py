"""django-apierrors against the alternatives, side by side in one run.

    .venv/bin/python benchmarks/run.py            # about a minute
    .venv/bin/python benchmarks/run.py --quick    # a smoke run (the test suite runs this)

In-process requests through Django's WSGI handler; every scenario's variants alternate in
each round, and the table shows medians over the rounds. Logging is off for every variant,
so the numbers are the error machinery, not log I/O.

1. success path: a JSON view (and one reading the database) without and with the middleware;
2. a DRF ValidationError with three nested field errors, through DRF's default handler,
   ours, drf-standardized-errors' and drf-exceptions-hog's;
3. an unknown URL: Django's default handler404 against ours;
4. an unexpected exception: Django's default 500 against ours (the middleware);
5. the functions alone on a prepared exception, with what each step returns.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "example_project"))
sys.path.insert(0, str(ROOT))

settings.configure(
    DEBUG=False,
    SECRET_KEY="benchmark",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF="benchmarks.run" if __name__ != "__main__" else "__main__",
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "rest_framework",
        "drf_standardized_errors",
        "django_apierrors",
        "shop",
    ],
    MIDDLEWARE=[],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": []}],
    REST_FRAMEWORK={"DEFAULT_AUTHENTICATION_CLASSES": [], "UNAUTHENTICATED_USER": None},
    LOGGING_CONFIG=None,
    USE_TZ=True,
)
django.setup()
logging.disable(logging.CRITICAL)

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import path  # noqa: E402
from drf_standardized_errors.handler import exception_handler as standardized_handler  # noqa: E402
from exceptions_hog import exception_handler as hog_handler  # noqa: E402
from rest_framework import exceptions as drf_exceptions  # noqa: E402
from rest_framework.permissions import AllowAny  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402
from rest_framework.views import exception_handler as drf_handler  # noqa: E402

from benchmarks.wsgi import environ  # noqa: E402
from django_apierrors.drf import exception_handler as our_handler  # noqa: E402
from django_apierrors.handling import response_for_exception  # noqa: E402
from django_apierrors.render import render_api_error  # noqa: E402
from django_apierrors.translate import to_api_error  # noqa: E402
from shop.models import Product  # noqa: E402

OUR_MIDDLEWARE = ["django_apierrors.middleware.APIErrorsMiddleware"]


def nested_validation_error() -> drf_exceptions.ValidationError:
    """Three nested field errors: a nested serializer's field, and two in a many=True list."""
    return drf_exceptions.ValidationError(
        {
            "address": {"zip": [drf_exceptions.ErrorDetail("Enter a valid zip.", "invalid")]},
            "items": [
                {},
                {"qty": [drf_exceptions.ErrorDetail("Must be at least 1.", "min_value")]},
                {"sku": [drf_exceptions.ErrorDetail("This field is required.", "required")]},
            ],
        }
    )


def ok(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def product(request: HttpRequest) -> JsonResponse:
    found = Product.objects.get(sku="MUG-1")
    return JsonResponse({"sku": found.sku, "name": found.name, "price": str(found.price)})


def crash(request: HttpRequest) -> JsonResponse:
    raise RuntimeError("an unexpected failure")


def validation_view(handler: Callable[..., Any]) -> Callable[..., Any]:
    class Invalid(APIView):
        permission_classes = [AllowAny]

        def get_exception_handler(self) -> Callable[..., Any]:
            return handler

        def get(self, request: Any) -> Response:
            raise nested_validation_error()

    return Invalid.as_view()


DRF_HANDLERS = {
    "DRF default": drf_handler,
    "django_apierrors": our_handler,
    "drf-standardized-errors": standardized_handler,
    "drf-exceptions-hog": hog_handler,
}

urlpatterns = [
    path("api/ok/", ok),
    path("api/product/", product),
    path("api/crash/", crash),
    *[path(f"api/invalid/{i}/", validation_view(h)) for i, h in enumerate(DRF_HANDLERS.values())],
]


class OurHandlersURLs:
    """The same routes, with django_apierrors' error handlers."""

    urlpatterns = urlpatterns
    handler404 = "django_apierrors.views.handler404"
    handler500 = "django_apierrors.views.handler500"


def ignore_status(status: str, headers: list[tuple[str, str]]) -> None:
    pass


class Variant:
    """One side of a comparison: a WSGI handler built with its settings, and a URL."""

    def __init__(self, url: str, middleware: list[str], urlconf: Any = None) -> None:
        self.url = url
        self.overrides: dict[str, Any] = {"MIDDLEWARE": middleware}
        if urlconf is not None:
            self.overrides["ROOT_URLCONF"] = urlconf
        with override_settings(**self.overrides):
            self.handler = WSGIHandler()

    def run(self, count: int) -> None:
        with override_settings(**self.overrides):  # ROOT_URLCONF is read per request
            for _ in range(count):
                b"".join(self.handler(environ(self.url), ignore_status))

    def microseconds(self, count: int) -> float:
        started = time.perf_counter()
        self.run(count)
        return (time.perf_counter() - started) / count * 1e6


def compare(name: str, variants: dict[str, Variant], requests: int, rounds: int) -> list[tuple]:
    for variant in variants.values():
        variant.microseconds(max(20, requests // 10))  # warm up
    samples: dict[str, list[float]] = {label: [] for label in variants}
    for _ in range(rounds):
        for label, variant in variants.items():
            samples[label].append(variant.microseconds(requests))
    medians = {label: statistics.median(values) for label, values in samples.items()}
    base = next(iter(medians.values()))
    return [(name, label, median, median / base) for label, median in medians.items()]


def micro(requests: int) -> list[tuple[str, float, str]]:
    request = RequestFactory().get("/api/invalid/")
    exc = nested_validation_error()
    error = to_api_error(exc)
    response = render_api_error(request, error)
    steps: list[tuple[str, Callable[[], Any], str]] = [
        ("to_api_error(exc)", lambda: to_api_error(exc), repr(error)),
        (
            "render_api_error(request, error)",
            lambda: render_api_error(request, error),
            response.content.decode()[:120] + "...",
        ),
        (
            "response_for_exception(request, exc)",
            lambda: response_for_exception(request, exc),
            f"{response.status_code} {response['Content-Type']}",
        ),
    ]
    rows = []
    for label, call, shown in steps:
        count = requests * 5
        started = time.perf_counter()
        for _ in range(count):
            call()
        rows.append((label, (time.perf_counter() - started) / count * 1e6, shown))
    return rows


def scenarios() -> dict[str, dict[str, Variant]]:
    invalid = {label: f"/api/invalid/{i}/" for i, label in enumerate(DRF_HANDLERS)}
    return {
        "1. success: JSON view": {
            "no middleware": Variant("/api/ok/", []),
            "APIErrorsMiddleware": Variant("/api/ok/", OUR_MIDDLEWARE),
        },
        "1. success: JSON view reading the DB": {
            "no middleware": Variant("/api/product/", []),
            "APIErrorsMiddleware": Variant("/api/product/", OUR_MIDDLEWARE),
        },
        "2. DRF ValidationError (3 nested)": {
            label: Variant(url, []) for label, url in invalid.items()
        },
        "3. unknown URL (404)": {
            "Django default handler404": Variant("/api/nowhere/", []),
            "django_apierrors handler404": Variant("/api/nowhere/", [], OurHandlersURLs),
        },
        "4. unexpected exception (500)": {
            "Django default 500": Variant("/api/crash/", []),
            "django_apierrors middleware": Variant("/api/crash/", OUR_MIDDLEWARE, OurHandlersURLs),
        },
    }


def prepare_database() -> None:
    call_command("migrate", verbosity=0)
    Product.objects.create(sku="MUG-1", name="Mug", price=9.5, stock=5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="a smoke run: few requests")
    parser.add_argument(
        "--single",
        nargs=3,
        metavar=("SCENARIO", "VARIANT", "COUNT"),
        type=int,
        help="run one variant COUNT times after a warm-up, printing nothing "
        "(benchmarks/instructions.py counts its instructions)",
    )
    parser.add_argument("--list", action="store_true", help="print the scenarios as JSON")
    args = parser.parse_args(argv)
    if args.list:
        print(json.dumps({name: list(variants) for name, variants in scenarios().items()}))
        return
    prepare_database()
    if args.single:
        scenario, variant, count = args.single
        chosen = list(list(scenarios().values())[scenario].values())[variant]
        chosen.run(50)  # warm-up: first-request imports and caches
        chosen.run(count)
        return
    requests, rounds = (20, 2) if args.quick else (args.requests, args.rounds)

    rows = []
    for name, variants in scenarios().items():
        rows += compare(name, variants, requests, rounds)

    print(
        f"# {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
        f"Django {django.get_version()}, {platform.machine()}, {platform.processor() or '-'}"
    )
    print(f"# {requests} requests x {rounds} alternating rounds; medians; ratio to the first row")
    print(f"{'scenario':<38}{'variant':<30}{'us/request':>11}{'ratio':>8}")
    for scenario, label, median, ratio in rows:
        print(f"{scenario:<38}{label:<30}{median:>11.1f}{ratio:>8.3f}")
    print()
    print(f"{'5. step on a prepared exception':<38}{'us/call':>11}  result")
    for label, microseconds, shown in micro(requests):
        print(f"{label:<38}{microseconds:>11.2f}  {shown}")


if __name__ == "__main__":
    main()
