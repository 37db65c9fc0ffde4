"""Success-path cost of APIErrorsMiddleware: a JSON view through Django's WSGI handler,
with no middleware, with a pass-through one (what any middleware costs), with a hand-rolled
request-id middleware (what a project would write instead) and with ours. Alternating
rounds in one run; prints the median requests/second of each and their ratios.

    .venv/bin/python benchmarks/success_path.py [--requests 20000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.urls import path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wsgi import environ

settings.configure(
    DEBUG=False,
    SECRET_KEY="benchmark",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["django_apierrors"],
    MIDDLEWARE=[],
    LOGGING_CONFIG=None,
)
django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.test.utils import override_settings  # noqa: E402


def ok(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [path("api/ok/", ok)]

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


class HandRolledRequestIdMiddleware:
    """What a project writes for itself: a UUID4 request id in a contextvar and two headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = str(uuid.uuid4())
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        response["Access-Control-Expose-Headers"] = "X-Request-ID"
        return response


class PassThroughMiddleware:
    """The least any middleware costs: what Django's handler adds around one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)


def start_response(status: str, headers: list[tuple[str, str]]) -> None:
    assert status.startswith("200")


def requests_per_second(handler: WSGIHandler, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        b"".join(handler(environ("/api/ok/"), start_response))
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    handlers = {"no middleware": WSGIHandler()}
    for name, middleware in (
        ("pass-through middleware", f"{__name__}.PassThroughMiddleware"),
        ("hand-rolled request id", f"{__name__}.HandRolledRequestIdMiddleware"),
        ("APIErrorsMiddleware", "django_apierrors.middleware.APIErrorsMiddleware"),
    ):
        with override_settings(MIDDLEWARE=[middleware]):
            handlers[name] = WSGIHandler()
    for handler in handlers.values():  # warm up
        requests_per_second(handler, 1000)
    results: dict[str, list[float]] = {name: [] for name in handlers}
    for _ in range(args.rounds):
        for name, handler in handlers.items():
            results[name].append(requests_per_second(handler, args.requests))
    medians = {name: statistics.median(values) for name, values in results.items()}
    base = medians["no middleware"]
    print(f"{'setup':<26}{'median req/s':>14}{'time ratio':>12}{'us/request':>12}")
    for name, value in medians.items():
        print(f"{name:<26}{value:>14,.0f}{base / value:>12.3f}{1e6 / value:>12.1f}")
    ours = 1e6 / medians["APIErrorsMiddleware"] - 1e6 / medians["pass-through middleware"]
    print(f"APIErrorsMiddleware's own work: {ours:.1f} us/request")


if __name__ == "__main__":
    main()
