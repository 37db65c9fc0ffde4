"""Resident memory over a long run of error requests: nothing is kept per request.

    .venv/bin/python benchmarks/memory.py [--requests 100000]

Unknown URLs with a distinct path each, unexpected exceptions and DRF validation errors,
each with a distinct X-Request-ID, through APIErrorsMiddleware and our handlers. Prints
the resident set size after a warm-up and at the end.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import run


def resident_kib() -> int:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--warmup", type=int, default=10_000)
    args = parser.parse_args()

    run.call_command("migrate", verbosity=0)
    variant = run.Variant("/", run.OUR_MIDDLEWARE, run.OurHandlersURLs)
    handler = variant.handler

    def serve(count: int, offset: int) -> None:
        with run.override_settings(**variant.overrides):
            for i in range(offset, offset + count):
                path = ("/api/nowhere/{}/", "/api/crash/", "/api/invalid/1/")[i % 3].format(i)
                environ = run.environ(path)
                environ["HTTP_X_REQUEST_ID"] = f"mem-{i}"
                b"".join(handler(environ, run.ignore_status))

    serve(args.warmup, 0)
    gc.collect()
    before = resident_kib()
    half = args.requests // 2
    serve(half, args.warmup)
    gc.collect()
    middle = resident_kib()
    serve(args.requests - half, args.warmup + half)
    gc.collect()
    after = resident_kib()
    # A leak grows with every request; the allocator settling does not: compare the halves.
    print(
        f"requests={args.requests} rss_before_kib={before} rss_middle_kib={middle} "
        f"rss_after_kib={after} growth_kib={after - before} "
        f"second_half_growth_kib={after - middle}"
    )


if __name__ == "__main__":
    main()
