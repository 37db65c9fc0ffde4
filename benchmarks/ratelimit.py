"""Cost of a rate-limited view: the example's search view (an SQLite query and a JSON body)
without a limit, behind django_apierrors' @ratelimit, and behind django-ratelimit's own
@ratelimit, with the counters in LocMemCache and in Redis on 127.0.0.1. Alternating
rounds in one run; medians. Redis round trips are counted by Redis itself (INFO).

    .venv/bin/python benchmarks/ratelimit.py [--requests 3000] [--rounds 5]

REDIS_URL (default redis://127.0.0.1:6379/0) names the Redis to use.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import django
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "example_project"))
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

settings.configure(
    DEBUG=False,
    SECRET_KEY="benchmark",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django_apierrors",
        "shop",
    ],
    MIDDLEWARE=["django_apierrors.middleware.APIErrorsMiddleware"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    },
    RATELIMIT_CACHE_PREFIX=f"rl-bench-{uuid.uuid4().hex}:",
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    LOGGING_CONFIG=None,
    USE_TZ=True,
)
django.setup()

import redis  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import path  # noqa: E402
from django_ratelimit.decorators import ratelimit as upstream_ratelimit  # noqa: E402

from django_apierrors.ratelimit import ratelimit  # noqa: E402
from shop.models import Product  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from wsgi import environ  # noqa: E402

RATE = "100000000/h"  # counted, never reached


def search(request: HttpRequest) -> JsonResponse:
    query = request.GET.get("q", "mug")
    products = Product.objects.filter(Q(name__icontains=query) | Q(sku__icontains=query))[:20]
    return JsonResponse({"results": [{"sku": p.sku, "name": p.name} for p in products]})


VIEWS: dict[str, Callable[[HttpRequest], JsonResponse]] = {
    "no limit": search,
    "django_apierrors @ratelimit": ratelimit(key="ip", rate=RATE)(search),
    "django-ratelimit @ratelimit": upstream_ratelimit(key="ip", rate=RATE)(search),
}
urlpatterns = [path(f"v{index}/", view) for index, view in enumerate(VIEWS.values())]


def start_response(status: str, headers: list[tuple[str, str]]) -> None:
    assert status.startswith("200"), status


def microseconds_per_request(handler: WSGIHandler, url: str, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        b"".join(handler(environ(url, "q=mug"), start_response))
    return (time.perf_counter() - started) / count * 1e6


def redis_commands_per_request(handler: WSGIHandler, url: str, count: int) -> float:
    client = redis.Redis.from_url(REDIS_URL)
    before = int(client.info("stats")["total_commands_processed"])
    for _ in range(count):
        b"".join(handler(environ(url, "q=mug"), start_response))
    after = int(client.info("stats")["total_commands_processed"])
    return (after - before - 1) / count  # the second INFO counts itself


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    Product.objects.bulk_create(
        Product(sku=f"SKU-{i}", name=f"{'Mug' if i % 5 == 0 else 'Cup'} {i}", price=1)
        for i in range(200)
    )
    handler = WSGIHandler()
    urls = {name: f"/v{index}/" for index, name in enumerate(VIEWS)}
    rows = []
    for cache in ("default", "redis"):
        with override_settings(RATELIMIT_USE_CACHE=cache):
            for url in urls.values():  # warm up
                microseconds_per_request(handler, url, 200)
            samples: dict[str, list[float]] = {name: [] for name in VIEWS}
            for _ in range(args.rounds):
                for name, url in urls.items():
                    samples[name].append(microseconds_per_request(handler, url, args.requests))
            round_trips = {
                name: redis_commands_per_request(handler, url, 500) for name, url in urls.items()
            }
        base = statistics.median(samples["no limit"])
        for name in VIEWS:
            median = statistics.median(samples[name])
            trips = round_trips[name] if cache == "redis" else None
            rows.append(
                (
                    name,
                    "LocMemCache" if cache == "default" else "Redis 127.0.0.1",
                    median,
                    median / base,
                    median - base,
                    trips,
                )
            )

    print(
        f"{'view':<30}{'counters in':<18}{'us/req':>9}{'ratio':>8}{'added us':>10}"
        f"{'Redis cmds/req':>16}"
    )
    for name, cache, median, ratio, added, trips in rows:
        trips_text = "-" if trips is None else f"{trips:.2f}"
        print(f"{name:<30}{cache:<18}{median:>9.1f}{ratio:>8.3f}{added:>10.1f}{trips_text:>16}")


if __name__ == "__main__":
    main()
