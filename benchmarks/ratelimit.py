"""Cost of a rate-limited view: the example's search view (an SQLite query and a JSON body)
without a limit, behind django_apierrors' @ratelimit, and behind django-ratelimit's own
@ratelimit, with the counters in LocMemCache, in Django's RedisCache and in
django_apierrors.cache.RedisCache (Redis on 127.0.0.1). Alternating rounds in one run;
medians. The order of the variants changes from round to round.

Round trips to Redis are counted on the client: the commands the cache's connections send,
per request (no pipeline is involved, so a command is a round trip), on later requests of a
window. Redis's own INFO is not used: it counts the commands a Lua script runs as well, and
every other client of the same server.

    .venv/bin/python benchmarks/ratelimit.py [--requests 3000] [--rounds 5] [--quick]
    .venv/bin/python benchmarks/ratelimit.py --summary-json [...]

`--summary-json` prints one JSON object instead of the table: `ours_round_trips` (our
@ratelimit on django_apierrors.cache.RedisCache), `upstream_round_trips` (django-ratelimit's
@ratelimit on Django's RedisCache), `ours_ratio` and `upstream_ratio` (their median times
over the unlimited view's), `redis_version`. `--quick` is a smoke run (200 requests, 2
rounds). REDIS_URL (default redis://127.0.0.1:6379/0) names the Redis to use.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django
import redis
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "example_project"))
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = f"rl-bench-{uuid.uuid4().hex}:"


class CountingConnection(redis.connection.Connection):
    """A redis-py connection that counts the commands it sends."""

    sent = 0

    def send_command(self, *args: Any, **kwargs: Any) -> None:
        CountingConnection.sent += 1
        super().send_command(*args, **kwargs)


DJANGOS_REDIS = "django.core.cache.backends.redis.RedisCache"
OUR_REDIS = "django_apierrors.cache.RedisCache"
COUNTING = {"connection_class": CountingConnection}

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
        # Timed as configured; their "counted" twins count the round trips.
        "djangos": {"BACKEND": DJANGOS_REDIS, "LOCATION": REDIS_URL},
        "ours": {"BACKEND": OUR_REDIS, "LOCATION": REDIS_URL},
        "djangos-counted": {"BACKEND": DJANGOS_REDIS, "LOCATION": REDIS_URL, "OPTIONS": COUNTING},
        "ours-counted": {"BACKEND": OUR_REDIS, "LOCATION": REDIS_URL, "OPTIONS": COUNTING},
    },
    RATELIMIT_CACHE_PREFIX=PREFIX,
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    LOGGING_CONFIG=None,
    USE_TZ=True,
)
django.setup()

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
NO_LIMIT, OURS, UPSTREAM = "no limit", "django_apierrors @ratelimit", "django-ratelimit @ratelimit"


def search(request: HttpRequest) -> JsonResponse:
    query = request.GET.get("q", "mug")
    products = Product.objects.filter(Q(name__icontains=query) | Q(sku__icontains=query))[:20]
    return JsonResponse({"results": [{"sku": p.sku, "name": p.name} for p in products]})


VIEWS: dict[str, Callable[[HttpRequest], JsonResponse]] = {
    NO_LIMIT: search,
    OURS: ratelimit(key="ip", rate=RATE)(search),
    UPSTREAM: upstream_ratelimit(key="ip", rate=RATE)(search),
}
URLS = {name: f"/v{index}/" for index, name in enumerate(VIEWS)}
urlpatterns = [path(URLS[name].strip("/") + "/", view) for name, view in VIEWS.items()]

#: The caches the counters are kept in: (shown as, alias timed, alias counted).
COUNTERS = [
    ("LocMemCache", "default", None),
    ("Django's RedisCache", "djangos", "djangos-counted"),
    ("django_apierrors RedisCache", "ours", "ours-counted"),
]
#: What is timed: the unlimited view once, each limited view on each cache.
VARIANTS = [(NO_LIMIT, COUNTERS[0])] + [
    (name, counters) for counters in COUNTERS for name in (OURS, UPSTREAM)
]


def start_response(status: str, headers: list[tuple[str, str]]) -> None:
    assert status.startswith("200"), status


def request(handler: WSGIHandler, url: str) -> None:
    b"".join(handler(environ(url, "q=mug"), start_response))


def microseconds_per_request(handler: WSGIHandler, url: str, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        request(handler, url)
    return (time.perf_counter() - started) / count * 1e6


def round_trips_per_request(handler: WSGIHandler, url: str, count: int) -> list[int]:
    """The commands each of `count` requests sent, on a window that has begun."""
    request(handler, url)  # the window's first request, and the connection's handshake
    trips = []
    for _ in range(count):
        before = CountingConnection.sent
        request(handler, url)
        trips.append(CountingConnection.sent - before)
    return trips


def measure(requests: int, rounds: int, sampled: int) -> dict[str, Any]:
    call_command("migrate", verbosity=0)
    Product.objects.bulk_create(
        Product(sku=f"SKU-{i}", name=f"{'Mug' if i % 5 == 0 else 'Cup'} {i}", price=1)
        for i in range(200)
    )
    handler = WSGIHandler()
    samples: dict[tuple[str, str], list[float]] = {}
    for name, (shown, alias, _) in VARIANTS:  # warm up: connections, counters, the script
        with override_settings(RATELIMIT_USE_CACHE=alias):
            microseconds_per_request(handler, URLS[name], 200)
        samples[name, shown] = []
    shuffled = random.Random(0)
    for _ in range(rounds):
        order = VARIANTS[:]
        shuffled.shuffle(order)  # no variant always runs after the same one
        for name, (shown, alias, _) in order:
            with override_settings(RATELIMIT_USE_CACHE=alias):
                samples[name, shown].append(microseconds_per_request(handler, URLS[name], requests))
    trips: dict[tuple[str, str], list[int]] = {}
    for name, (shown, _, counted) in VARIANTS:
        if counted is not None:
            with override_settings(RATELIMIT_USE_CACHE=counted):
                trips[name, shown] = round_trips_per_request(handler, URLS[name], sampled)
    with override_settings(RATELIMIT_USE_CACHE="ours-counted"):
        trips[NO_LIMIT, "Redis"] = round_trips_per_request(handler, URLS[NO_LIMIT], sampled)
    return {
        "medians": {key: statistics.median(values) for key, values in samples.items()},
        "trips": trips,
    }


def forget_counters() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"*{PREFIX}*", count=1000))
    if keys:
        client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, help="requests per variant and round (3000)")
    parser.add_argument("--rounds", type=int, help="alternating rounds (5)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 requests, 2 rounds")
    parser.add_argument("--summary-json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    requests = args.requests or (200 if args.quick else 3000)
    rounds = args.rounds or (2 if args.quick else 5)
    sampled = 51 if args.quick else 501

    client = redis.Redis.from_url(REDIS_URL)
    redis_version = str(client.info("server")["redis_version"])
    try:
        measured = measure(requests, rounds, sampled)
    finally:
        forget_counters()
    medians, trips = measured["medians"], measured["trips"]
    base = medians[NO_LIMIT, "LocMemCache"]

    def trips_of(name: str, shown: str) -> int:
        return int(statistics.median_low(trips[name, shown]))

    if args.summary_json:
        summary = {
            "ours_round_trips": trips_of(OURS, "django_apierrors RedisCache"),
            "upstream_round_trips": trips_of(UPSTREAM, "Django's RedisCache"),
            "ours_ratio": round(medians[OURS, "django_apierrors RedisCache"] / base, 3),
            "upstream_ratio": round(medians[UPSTREAM, "Django's RedisCache"] / base, 3),
            "redis_version": redis_version,
        }
        print(json.dumps(summary))
        return

    print(
        f"{requests} requests x {rounds} rounds; Redis {redis_version}; round trips counted on "
        f"the client over {sampled} later requests of a window (median, mean)"
    )
    print(
        f"{'view':<30}{'counters in':<30}{'us/req':>9}{'ratio':>8}{'added us':>10}"
        f"{'round trips/req':>18}"
    )
    for name, (shown, _, counted) in VARIANTS:
        median = medians[name, shown]
        key = (name, shown) if counted else (NO_LIMIT, "Redis") if name == NO_LIMIT else None
        shown_as = "-" if name == NO_LIMIT else shown
        if key is None:
            trips_text = "-"
        else:
            trips_text = f"{trips_of(*key)} ({statistics.fmean(trips[key]):.2f})"
        print(
            f"{name:<30}{shown_as:<30}{median:>9.1f}{median / base:>8.3f}"
            f"{median - base:>10.1f}{trips_text:>18}"
        )


if __name__ == "__main__":
    main()
