"""django-apierrors beside the alternatives, every speed target checked, in one run.

    .venv/bin/python benchmarks/run.py                  # a few minutes
    .venv/bin/python benchmarks/run.py --instructions   # and CPU instructions (valgrind)
    .venv/bin/python benchmarks/run.py --quick          # a smoke run (the test suite's)
    .venv/bin/python benchmarks/run.py --instructions --output benchmarks/results.txt

In-process requests through Django's WSGI handler, each response closed as a WSGI server
closes it. Each round times every variant of a scenario, in an order rotated by one each
round; a variant's ratio is the median of its per-round ratios to the scenario's first
row. Logging is off for every variant, so the numbers are the machinery, not log I/O.

1. request ids: a JSON view behind the least request-id middleware, no middleware,
   django-guid's, django-log-request-id's and ours;
2. a JSON view reading the database, without and with the middleware;
3. Django's startproject middleware stack with a DRF view, without and with ours,
   without it once more (a control, whose ratio is the run's noise), and with the least
   request-id middleware in our place;
4. a DRF ValidationError with three nested field errors, through DRF's default handler,
   ours, drf-standardized-errors' and drf-exceptions-hog's;
5. an unknown URL: Django's default handler404 against ours;
6. an unexpected exception: Django's default 500 against ours (the middleware);
7. the functions alone on a prepared exception, with what each step returns;
8. rate limits on Redis: `benchmarks/ratelimit.py --summary-json`, in its own process.

`--instructions` also counts the CPU instructions of one request of every variant under
valgrind (`benchmarks/instructions.py`, which runs this script's `--single`). The output
ends with the targets, each with what was measured and `met`, `NOT met` or `not measured`;
with `--instructions`, a ratio target is met only if both the time and the instruction
ratio meet it.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import django
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "example_project"))
sys.path.insert(0, str(ROOT))

#: The request-id header of every request-id variant.
REQUEST_ID_HEADER = "X-Request-ID"

settings.configure(
    DEBUG=False,
    SECRET_KEY="benchmark",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF="benchmarks.run" if __name__ != "__main__" else "__main__",
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "rest_framework",
        "drf_standardized_errors",
        "django_guid",
        "django_apierrors",
        "shop",
    ],
    MIDDLEWARE=[],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": []}],
    REST_FRAMEWORK={"DEFAULT_AUTHENTICATION_CLASSES": [], "UNAUTHENTICATED_USER": None},
    # django-guid's settings as its documentation shows them, on our header. It reads
    # them once, when it is imported.
    DJANGO_GUID={
        "GUID_HEADER_NAME": REQUEST_ID_HEADER,
        "VALIDATE_GUID": True,
        "RETURN_HEADER": True,
        "EXPOSE_HEADER": True,
        "INTEGRATIONS": [],
        "IGNORE_URLS": [],
        "UUID_LENGTH": 32,
    },
    LOGGING_CONFIG=None,
    USE_TZ=True,
)
django.setup()
logging.disable(logging.CRITICAL)

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.signals import request_finished  # noqa: E402
from django.dispatch import Signal  # noqa: E402
from django.http import HttpRequest, HttpResponseBase, JsonResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import path  # noqa: E402
from django_guid.signals import clear_guid  # noqa: E402
from drf_standardized_errors.handler import exception_handler as standardized_handler  # noqa: E402
from exceptions_hog import exception_handler as hog_handler  # noqa: E402
from log_request_id.middleware import _clear_request_id  # noqa: E402
from rest_framework import exceptions as drf_exceptions  # noqa: E402
from rest_framework.authentication import BasicAuthentication, SessionAuthentication  # noqa: E402
from rest_framework.permissions import AllowAny  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402
from rest_framework.views import exception_handler as drf_handler  # noqa: E402

from benchmarks.wsgi import environ, get  # noqa: E402
from django_apierrors.drf import exception_handler as our_handler  # noqa: E402
from django_apierrors.handling import response_for_exception  # noqa: E402
from django_apierrors.private_apis import use_private_apis  # noqa: E402
from django_apierrors.render import render_api_error  # noqa: E402
from django_apierrors.translate import to_api_error  # noqa: E402
from shop.models import Product  # noqa: E402

OURS = "django_apierrors.middleware.APIErrorsMiddleware"
OUR_MIDDLEWARE = [OURS]

#: MIDDLEWARE exactly as `django-admin startproject` writes it (Django 5.2).
STARTPROJECT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
#: The same, with ours right after SecurityMiddleware, where docs/installation.md puts it.
STARTPROJECT_WITH_OURS = [STARTPROJECT_MIDDLEWARE[0], OURS, *STARTPROJECT_MIDDLEWARE[1:]]

# django-guid and django-log-request-id clear their id when a request finishes, from a
# receiver of `request_finished` that their import connects: that is part of their cost,
# so it is connected only while their variant runs (see Variant.receivers).
request_finished.disconnect(clear_guid)
request_finished.disconnect(_clear_request_id)


# The least request-id middleware ---------------------------------------------------------

#: An incoming id that may be kept, as the request-id contract defines it.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
least_request_id: ContextVar[str | None] = ContextVar("least_request_id", default=None)


class LeastRequestIDMiddleware:
    """The least that meets the request-id contract, written plainly, as a project would:
    a valid incoming X-Request-ID is kept, anything else replaced by a UUID4; the id is
    in a contextvar while the request is handled; the response carries it in X-Request-ID
    and exposes that header to cross-origin scripts. Nothing else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        incoming = request.META.get("HTTP_X_REQUEST_ID")
        if incoming is not None and REQUEST_ID_PATTERN.fullmatch(incoming):
            request_id = incoming
        else:
            request_id = str(uuid.uuid4())
        token = least_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            least_request_id.reset(token)
        response["X-Request-ID"] = request_id
        response["Access-Control-Expose-Headers"] = "X-Request-ID"
        return response


# Views -----------------------------------------------------------------------------------


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


class DRFHello(APIView):
    """A DRF view as a new project has it: DRF's default authentication classes (set here
    because this module's REST_FRAMEWORK clears them for the other scenarios; its variants
    also run with REST_FRAMEWORK at DRF's defaults) and permission (AllowAny)."""

    authentication_classes = [SessionAuthentication, BasicAuthentication]

    def get(self, request: Any) -> Response:
        return Response({"ok": True})


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
    path("api/drf/", DRFHello.as_view()),
    *[path(f"api/invalid/{i}/", validation_view(h)) for i, h in enumerate(DRF_HANDLERS.values())],
]


def first_route_urls(route: str, view: Callable[..., Any]) -> type:
    """The routes with `view` at `route` resolved first, so that the variants of a
    scenario compared with each other walk the same URL patterns."""
    return type("FirstRouteURLs", (), {"urlpatterns": [path(route, view), *urlpatterns]})


class OurHandlersURLs:
    """The same routes, with django_apierrors' error handlers."""

    urlpatterns = urlpatterns
    handler404 = "django_apierrors.views.handler404"
    handler500 = "django_apierrors.views.handler500"


# Variants and scenarios ------------------------------------------------------------------


def ignore_status(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    pass


class Variant:
    """One side of a comparison: a WSGI handler built with its settings, and a URL.

    `status` and `headers` are what its response must have (checked before it is
    measured); `receivers` are signal receivers that belong to it, connected only while it
    runs."""

    def __init__(
        self,
        url: str,
        middleware: list[str],
        urlconf: Any = None,
        *,
        extra_settings: dict[str, Any] | None = None,
        status: int = 200,
        headers: tuple[str, ...] = (),
        receivers: tuple[tuple[Signal, Callable[..., Any]], ...] = (),
        public_apis_only: bool = False,
    ) -> None:
        self.url = url
        self.public_apis_only = public_apis_only
        self.overrides: dict[str, Any] = {"MIDDLEWARE": middleware, **(extra_settings or {})}
        if urlconf is not None:
            self.overrides["ROOT_URLCONF"] = urlconf
        self.status = status
        self.headers = headers
        self.receivers = receivers
        with override_settings(**self.overrides):
            self.handler = WSGIHandler()

    @contextmanager
    def active(self) -> Iterator[None]:
        with override_settings(**self.overrides):  # ROOT_URLCONF is read per request
            for signal, receiver in self.receivers:
                signal.connect(receiver)
            if self.public_apis_only:
                use_private_apis(False)
            try:
                yield
            finally:
                use_private_apis(True)
                for signal, receiver in self.receivers:
                    signal.disconnect(receiver)

    def loop(self, count: int) -> None:
        handler, url = self.handler, self.url
        for _ in range(count):
            response = handler(environ(url), ignore_status)
            b"".join(response)
            response.close()  # as a WSGI server does: sends request_finished

    def run(self, count: int) -> None:
        with self.active():
            self.loop(count)

    def microseconds(self, count: int) -> float:
        with self.active():
            started = time.perf_counter()
            self.loop(count)
            return (time.perf_counter() - started) / count * 1e6

    def check(self, name: str) -> None:
        """Fail if the response is not what this variant is meant to measure."""
        with self.active():
            status, headers = get(self.handler, self.url)
        names = {header.lower() for header, _ in headers}
        missing = [header for header in self.headers if header.lower() not in names]
        if not status.startswith(f"{self.status} ") or missing:
            raise SystemExit(
                f"{name}: {self.url} answered {status!r} with headers "
                f"{sorted(names)}; expected {self.status} with {list(self.headers)}"
            )


REQUEST_ID_HEADERS = (REQUEST_ID_HEADER, "Access-Control-Expose-Headers")

S_REQUEST_IDS = "1. request ids: JSON view"
S_DATABASE = "2. JSON view reading the DB"
S_STARTPROJECT = "3. startproject stack, DRF view"
S_DRF = "4. DRF ValidationError (3 nested)"
S_404 = "5. unknown URL (404)"
S_500 = "6. unexpected exception (500)"

LEAST = "least request-id middleware"
GUID = "django-guid"
LOG_REQUEST_ID = "django-log-request-id"
OURS_LABEL = "APIErrorsMiddleware"
STACK = "startproject stack"
STACK_WITH_OURS = "stack + APIErrorsMiddleware"
#: The first row once more: how far two runs of the same code differ (1.000 is no noise).
STACK_AGAIN = "startproject stack again (control)"
#: What the request-id contract costs on the stack at the least (ours sits at the same place).
STACK_WITH_LEAST = "stack + least request-id middleware"
LEAST_MIDDLEWARE = f"{__name__}.LeastRequestIDMiddleware"
#: Ours with django_apierrors.private_apis switched off: what the private interfaces pay.
PUBLIC_ONLY = ", public APIs only"


def scenarios() -> dict[str, dict[str, Variant]]:
    """Every scenario's variants, the first of each being what the others are compared to.
    `--list` prints them in this order and `--single` takes their indexes."""
    invalid = {
        label: first_route_urls("api/invalid/", validation_view(handler))
        for label, handler in DRF_HANDLERS.items()
    }
    drf_defaults: dict[str, Any] = {"REST_FRAMEWORK": {}}
    return {
        S_REQUEST_IDS: {
            LEAST: Variant("/api/ok/", [LEAST_MIDDLEWARE], headers=REQUEST_ID_HEADERS),
            "no middleware": Variant("/api/ok/", []),
            GUID: Variant(
                "/api/ok/",
                ["django_guid.middleware.guid_middleware"],
                headers=REQUEST_ID_HEADERS,
                receivers=((request_finished, clear_guid),),
            ),
            LOG_REQUEST_ID: Variant(
                "/api/ok/",
                ["log_request_id.middleware.RequestIDMiddleware"],
                extra_settings={
                    "LOG_REQUEST_ID_HEADER": "HTTP_X_REQUEST_ID",
                    "GENERATE_REQUEST_ID_IF_NOT_IN_HEADER": True,
                    "REQUEST_ID_RESPONSE_HEADER": REQUEST_ID_HEADER,
                },
                headers=(REQUEST_ID_HEADER,),
                receivers=((request_finished, _clear_request_id),),
            ),
            OURS_LABEL: Variant("/api/ok/", OUR_MIDDLEWARE, headers=REQUEST_ID_HEADERS),
        },
        S_DATABASE: {
            "no middleware": Variant("/api/product/", []),
            OURS_LABEL: Variant("/api/product/", OUR_MIDDLEWARE, headers=REQUEST_ID_HEADERS),
        },
        S_STARTPROJECT: {
            STACK: Variant(
                "/api/drf/",
                STARTPROJECT_MIDDLEWARE,
                extra_settings=drf_defaults,
                headers=("X-Frame-Options",),
            ),
            STACK_WITH_OURS: Variant(
                "/api/drf/",
                STARTPROJECT_WITH_OURS,
                extra_settings=drf_defaults,
                headers=("X-Frame-Options", *REQUEST_ID_HEADERS),
            ),
            STACK_WITH_OURS + PUBLIC_ONLY: Variant(
                "/api/drf/",
                STARTPROJECT_WITH_OURS,
                extra_settings=drf_defaults,
                headers=("X-Frame-Options", *REQUEST_ID_HEADERS),
                public_apis_only=True,
            ),
            STACK_AGAIN: Variant(
                "/api/drf/",
                STARTPROJECT_MIDDLEWARE,
                extra_settings=drf_defaults,
                headers=("X-Frame-Options",),
            ),
            STACK_WITH_LEAST: Variant(
                "/api/drf/",
                [STARTPROJECT_MIDDLEWARE[0], LEAST_MIDDLEWARE, *STARTPROJECT_MIDDLEWARE[1:]],
                extra_settings=drf_defaults,
                headers=("X-Frame-Options", *REQUEST_ID_HEADERS),
            ),
        },
        S_DRF: {
            **{
                label: Variant("/api/invalid/", [], urls, status=400)
                for label, urls in invalid.items()
            },
            "django_apierrors" + PUBLIC_ONLY: Variant(
                "/api/invalid/", [], invalid["django_apierrors"], status=400, public_apis_only=True
            ),
        },
        S_404: {
            "Django default handler404": Variant("/api/nowhere/", [], status=404),
            "django_apierrors handler404": Variant(
                "/api/nowhere/", [], OurHandlersURLs, status=404
            ),
        },
        S_500: {
            "Django default 500": Variant("/api/crash/", [], status=500),
            "django_apierrors middleware": Variant(
                "/api/crash/", OUR_MIDDLEWARE, OurHandlersURLs, status=500
            ),
        },
    }


def layout(built: dict[str, dict[str, Variant]]) -> dict[str, list[str]]:
    return {name: list(variants) for name, variants in built.items()}


# Measuring -------------------------------------------------------------------------------


STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


def settle() -> None:
    """Collect garbage, and leave what survives out of later collections: every measured
    stretch starts from the same state, and pays for the collections of its own garbage
    only (not for scanning the interpreter's and Django's long-lived objects)."""
    gc.collect()
    gc.freeze()


def compare(variants: dict[str, Variant], requests: int, rounds: int) -> dict[str, float]:
    """Microseconds per request of each variant, paired by round: the first variant's
    median, and for each other variant that median times the median of its per-round
    ratios to the first. Every round times each variant once, in an order rotated by one
    from the round before, so that neither a drift of the machine's speed nor a place in
    the order favours a variant."""
    for variant in variants.values():
        variant.microseconds(max(20, requests // 5))  # warm up
    labels = list(variants)
    samples: dict[str, list[float]] = {label: [] for label in labels}
    for round_number in range(rounds):
        start = round_number % len(labels)
        for label in labels[start:] + labels[:start]:
            settle()
            samples[label].append(variants[label].microseconds(requests))
    base = samples[labels[0]]
    base_median = statistics.median(base)
    return {
        label: base_median
        * statistics.median(sample / first for sample, first in zip(values, base, strict=True))
        for label, values in samples.items()
    }


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
            response.content.decode()[:100] + "...",
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


def mark() -> None:
    """A boundary between measured stretches of `--single`: benchmarks/instructions.py has
    callgrind dump its counters whenever getloadavg() is entered (nothing else calls it)."""
    os.getloadavg()


def single(chosen: list[tuple[str, Variant]], count: int) -> None:
    """Each chosen variant, warmed up, then three marks per variant: before its stretches,
    after an empty one and after one of `count` requests (each ended by a collection, so
    that both start from the same state and the requests' garbage is counted)."""
    for name, variant in chosen:
        variant.check(name)
        variant.run(50)  # first-request imports and caches
    for _, variant in chosen:
        with variant.active():
            settle()
            mark()
            variant.loop(0)
            gc.collect()
            mark()
            variant.loop(count)
            gc.collect()
            mark()


def pick(value: str, size: int, what: str) -> list[int]:
    if value == "all":
        return list(range(size))
    if not value.isdigit() or int(value) >= size:
        raise SystemExit(f"--single: {what} must be 'all' or an index below {size}: {value!r}")
    return [int(value)]


def prepare_database() -> None:
    call_command("migrate", verbosity=0)
    Product.objects.create(sku="MUG-1", name="Mug", price=9.5, stock=5)


# Rate limits on Redis (benchmarks/ratelimit.py) -----------------------------------------

RATELIMIT_KEYS = (
    "ours_round_trips",
    "upstream_round_trips",
    "ours_ratio",
    "upstream_ratio",
    "redis_version",
)


def shown_url(url: str) -> str:
    """A Redis URL without its credentials."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def ratelimit_summary(flags: list[str]) -> tuple[dict[str, Any] | None, str]:
    """benchmarks/ratelimit.py's summary, or None and why there is none."""
    script = ROOT / "benchmarks" / "ratelimit.py"
    if not script.exists():
        return None, "benchmarks/ratelimit.py is missing"
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:
        return None, f"the Redis at REDIS_URL ({shown_url(url)}) does not answer: {exc}"
    try:
        finished = subprocess.run(
            [sys.executable, str(script), "--summary-json", *flags],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=1200,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, "benchmarks/ratelimit.py --summary-json did not finish in 20 minutes"
    if finished.returncode != 0:
        last = (finished.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"benchmarks/ratelimit.py --summary-json failed: {last.strip()}"
    lines = finished.stdout.strip().splitlines()
    try:
        summary = json.loads(lines[-1])
    except (IndexError, ValueError):
        return None, "benchmarks/ratelimit.py --summary-json printed no JSON object"
    missing = [key for key in RATELIMIT_KEYS if not isinstance(summary, dict) or key not in summary]
    if missing:
        return None, f"benchmarks/ratelimit.py --summary-json has no {', '.join(missing)}"
    return summary, ""


# Targets ---------------------------------------------------------------------------------

MET, NOT_MET, NOT_MEASURED = "met", "NOT met", "not measured"


@dataclass
class Target:
    text: str
    measured: str
    verdict: str


def verdict(*parts: bool | None) -> str:
    """NOT met if a measured part fails, not measured if a part was not measured."""
    if any(part is False for part in parts):
        return NOT_MET
    return NOT_MEASURED if any(part is None for part in parts) else MET


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 3)


def targets(
    times: dict[str, dict[str, float]],
    instructions: dict[str, dict[str, float]] | None,
    ratelimit: tuple[dict[str, Any] | None, str],
) -> list[Target]:
    def both(scenario: str, label: str, base: str) -> tuple[list[float], str]:
        """The time ratio and, where they were counted, the instructions' ratio (a target
        is met only if every one of them meets it: a few percent are within the time's
        noise on these machines, and an instruction count has none), and how they read."""
        measured = ratio(times[scenario][label], times[scenario][base])
        text = f"{measured:.3f}x"
        ratios = [measured]
        if instructions is not None:
            counted = ratio(instructions[scenario][label], instructions[scenario][base])
            text += f" (instructions {counted:.3f}x)"
            ratios.append(counted)
        return ratios, text

    def at_most(text: str, scenario: str, label: str, base: str, limit: float) -> Target:
        ratios, shown = both(scenario, label, base)
        return Target(text, shown, verdict(*(value <= limit for value in ratios)))

    found: list[Target] = [
        at_most(
            "request ids: APIErrorsMiddleware <= 1.00x the least request-id middleware",
            *(S_REQUEST_IDS, OURS_LABEL, LEAST, 1.00),
        )
    ]
    guid, guid_shown = both(S_REQUEST_IDS, OURS_LABEL, GUID)
    logged, logged_shown = both(S_REQUEST_IDS, OURS_LABEL, LOG_REQUEST_ID)
    found.append(
        Target(
            "request ids: APIErrorsMiddleware below django-guid and django-log-request-id",
            f"{guid_shown} django-guid, {logged_shown} django-log-request-id",
            verdict(*(value < 1 for value in guid + logged)),
        )
    )
    stack_target = at_most(
        "startproject stack, DRF view: with APIErrorsMiddleware <= 1.03x without",
        *(S_STARTPROJECT, STACK_WITH_OURS, STACK, 1.03),
    )
    _, control = both(S_STARTPROJECT, STACK_AGAIN, STACK)
    _, least = both(S_STARTPROJECT, STACK_WITH_LEAST, STACK)
    stack_target.measured += (
        f"; the stack against itself {control}; with the least request-id middleware {least}"
    )
    found += [
        stack_target,
        at_most(
            "DRF ValidationError: django_apierrors <= 1.05x DRF's default handler",
            *(S_DRF, "django_apierrors", "DRF default", 1.05),
        ),
    ]
    rivals = {"drf-exceptions-hog": "hog", "drf-standardized-errors": "standardized"}
    by_time = {
        short: ratio(times[S_DRF]["django_apierrors"], times[S_DRF][label])
        for label, short in rivals.items()
    }
    measured = "time " + ", ".join(f"{value:.3f}x {short}" for short, value in by_time.items())
    by_count: dict[str, float] | None = None
    if instructions is None:
        measured += "; instructions not measured (run with --instructions)"
    else:
        by_count = {
            short: ratio(instructions[S_DRF]["django_apierrors"], instructions[S_DRF][label])
            for label, short in rivals.items()
        }
        measured += "; instructions " + ", ".join(
            f"{value:.3f}x {short}" for short, value in by_count.items()
        )
    found.append(
        Target(
            "DRF ValidationError: django_apierrors below drf-exceptions-hog and "
            "drf-standardized-errors in time and instructions",
            measured,
            verdict(
                *(value < 1 for value in by_time.values()),
                *(value < 1 for value in by_count.values()) if by_count else (None,),
            ),
        )
    )
    found += [
        at_most(
            "unknown URL: django_apierrors handler404 <= 1.00x Django's default",
            *(S_404, "django_apierrors handler404", "Django default handler404", 1.00),
        ),
        at_most(
            "unexpected exception: django_apierrors <= 1.10x Django's default 500",
            *(S_500, "django_apierrors middleware", "Django default 500", 1.10),
        ),
    ]
    summary, reason = ratelimit
    text = (
        "rate limits on Redis: two round trips per request with the new backend "
        "(django-ratelimit's own decorator: three)"
    )
    if summary is None:
        found.append(Target(text, reason, NOT_MEASURED))
    else:
        ours, upstream = float(summary["ours_round_trips"]), float(summary["upstream_round_trips"])
        found.append(
            Target(
                text,
                f"ours {ours:g} round trips ({float(summary['ours_ratio']):.3f}x the unlimited "
                f"view's time), django-ratelimit {upstream:g} "
                f"({float(summary['upstream_ratio']):.3f}x), Redis {summary['redis_version']}",
                verdict(ours <= 2, upstream == 3),
            )
        )
    found.append(private_apis_target(times, instructions))
    return found


def private_apis_target(
    times: dict[str, dict[str, float]], instructions: dict[str, dict[str, float]] | None
) -> Target:
    """What django_apierrors.private_apis pays: ours with the public fallbacks minus ours,
    as a share of the scenario's first row; judged on instructions (time moves more than 1%
    between rounds on these machines)."""

    def share(table: dict[str, dict[str, float]], scenario: str, ours: str, base: str) -> float:
        row = table[scenario]
        return (row[ours + PUBLIC_ONLY] - row[ours]) / row[base] * 100

    parts = []
    paid: float | None = None
    for kind, table in (("time", times), ("instructions", instructions)):
        if table is None:
            parts.append(f"{kind} not measured")
            continue
        stack = share(table, S_STARTPROJECT, STACK_WITH_OURS, STACK)
        drf = share(table, S_DRF, "django_apierrors", "DRF default")
        parts.append(f"{kind} {stack:+.1f}% startproject stack, {drf:+.1f}% DRF ValidationError")
        if kind == "instructions":
            paid = stack
    return Target(
        "private interfaces (private_apis) pay >= 1% on the startproject stack",
        "; ".join(parts),
        verdict(None if paid is None else paid >= 1.0),
    )


# Output ----------------------------------------------------------------------------------


def version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return " ".join(line.partition(":")[2].split())
    except OSError:
        pass
    return platform.processor() or "CPU model unknown"


VERSIONS = (
    ("Django", "Django"),
    ("DRF", "djangorestframework"),
    ("django-ninja", "django-ninja"),
    ("drf-standardized-errors", "drf-standardized-errors"),
    ("drf-exceptions-hog", "drf-exceptions-hog"),
    ("django-guid", "django-guid"),
    ("django-log-request-id", "django-log-request-id"),
    ("django-ratelimit", "django-ratelimit"),
    ("redis", "redis"),
    ("django-apierrors", "django-apierrors"),
)


def header(argv: list[str], requests: int, rounds: int, count: int | None) -> list[str]:
    command = " ".join(["python benchmarks/run.py", *argv])
    lines = [
        f"# command: {command}",
        f"# date: {time.strftime('%Y-%m-%d')}",
        f"# machine: {platform.machine()}, {cpu_model()}, {os.cpu_count()} cores",
        f"# Python: {platform.python_version()} ({platform.python_implementation()})",
        "# versions: " + ", ".join(f"{name} {version(dist)}" for name, dist in VERSIONS),
        f"# timing: {requests} requests per variant and round, {rounds} rounds, each round "
        "timing every variant of a scenario in an order rotated by one; ratio: the median of "
        "the per-round ratios to the scenario's first row (its time: that row's median times "
        "the ratio)",
    ]
    if count is not None:
        lines.append(
            f"# instructions: valgrind callgrind, {count} requests per variant after a "
            "warm-up, PYTHONHASHSEED=0; ratio to the scenario's first row"
        )
    return lines


def table(title: str, columns: list[str], rows: list[list[str]], right: int) -> list[str]:
    """A titled text table, cells two spaces apart at least; the last `right` columns
    aligned right."""
    widths = [max(len(row[i]) for row in [columns, *rows]) for i in range(len(columns))]
    lines = [title]
    for row in [columns, *rows]:
        cells = [
            cell.rjust(width) if i >= len(columns) - right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def per_request_rows(measured: dict[str, dict[str, float]], digits: int) -> list[list[str]]:
    rows = []
    for scenario, values in measured.items():
        base = next(iter(values.values()))
        for label, value in values.items():
            rows.append([scenario, label, f"{value:,.{digits}f}", f"{value / base:.3f}"])
    return rows


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500, help="per variant and round")
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--quick", action="store_true", help="a smoke run: few requests")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count CPU instructions per request under valgrind (minutes)",
    )
    parser.add_argument(
        "--instruction-requests",
        type=int,
        default=200,
        metavar="COUNT",
        help="requests per variant under valgrind (default 200)",
    )
    parser.add_argument("--output", type=Path, help="also write the output to this file")
    parser.add_argument(
        "--single",
        nargs=3,
        metavar=("SCENARIO", "VARIANT", "COUNT"),
        help="run variants (indexes as --list orders them, or 'all') COUNT times each after "
        "a warm-up, marking each stretch for benchmarks/instructions.py; prints nothing",
    )
    parser.add_argument("--list", action="store_true", help="print the scenarios as JSON")
    args = parser.parse_args(argv)
    if args.list:
        print(json.dumps(layout(scenarios())))
        return
    prepare_database()
    built = scenarios()
    if args.single:
        scenario, variant, count = args.single
        names = list(built)
        chosen = []
        for index in pick(scenario, len(names), "SCENARIO"):
            labels = list(built[names[index]])
            for position in pick(variant, len(labels), "VARIANT"):
                chosen.append((labels[position], built[names[index]][labels[position]]))
        single(chosen, int(count))
        return

    requests, rounds = (20, 2) if args.quick else (args.requests, args.rounds)
    count = (5 if args.quick else args.instruction_requests) if args.instructions else None
    if args.instructions:
        from benchmarks import instructions as instruction_counts

        instruction_counts.require_valgrind()
    lines = header(argv, requests, rounds, count)
    for name, variants in built.items():
        for label, variant in variants.items():
            variant.check(f"{name}: {label}")

    times: dict[str, dict[str, float]] = {}
    for name, variants in built.items():
        progress(f"timing {name}")
        times[name] = compare(variants, requests, rounds)
    progress("timing the steps on a prepared exception")
    steps = micro(requests)

    progress("rate limits: benchmarks/ratelimit.py --summary-json")
    flags = ["--quick"] if args.quick else ["--requests", str(requests), "--rounds", str(rounds)]
    ratelimit = ratelimit_summary(flags)

    counted: dict[str, dict[str, float]] | None = None
    if count is not None:
        progress(f"instructions: {count} requests per variant under valgrind (a few minutes)")
        counted = instruction_counts.measure(layout(built), "all", "all", count)

    lines += [""]
    lines += table(
        "Time per request (microseconds)",
        ["scenario", "variant", "us/request", "ratio"],
        per_request_rows(times, 1),
        right=2,
    )
    if counted is not None:
        lines += [""]
        lines += table(
            "CPU instructions per request",
            ["scenario", "variant", "instructions/request", "ratio"],
            per_request_rows(counted, 0),
            right=2,
        )
    lines += [""]
    lines += table(
        "Steps on a prepared exception (microseconds per call)",
        ["step", "us/call", "result"],
        [[label, f"{micros:.2f}", shown] for label, micros, shown in steps],
        right=0,
    )
    lines += [""]
    lines += table(
        "Targets",
        ["target", "measured", "verdict"],
        [[t.text, t.measured, t.verdict] for t in targets(times, counted, ratelimit)],
        right=0,
    )
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.output is not None:
        args.output.write_text(text)


if __name__ == "__main__":
    main()
