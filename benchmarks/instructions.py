"""The comparison of benchmarks/run.py in CPU instructions per request, counted by valgrind.

Timings on a shared virtual machine wander by 20% from one run to the next; an instruction
count does not (the same interpreter, code and inputs give the same count whatever else the
machine is doing). Each variant runs twice under `valgrind --tool=callgrind`, once with
COUNT requests and once with none, and the difference divided by COUNT is what one request
costs, without start-up and warm-up.

    .venv/bin/python benchmarks/instructions.py [--count 300]    # a few minutes
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The scenarios and variants of run.py, in its order (indexes are passed to --single).
SCENARIOS = {
    "1. success: JSON view": ("no middleware", "APIErrorsMiddleware"),
    "1. success: JSON view reading the DB": ("no middleware", "APIErrorsMiddleware"),
    "2. DRF ValidationError (3 nested)": (
        "DRF default",
        "django_apierrors",
        "drf-standardized-errors",
        "drf-exceptions-hog",
    ),
    "3. unknown URL (404)": ("Django default handler404", "django_apierrors handler404"),
    "4. unexpected exception (500)": ("Django default 500", "django_apierrors middleware"),
}

_COLLECTED = re.compile(r"Collected : (\d+)")


def instructions(scenario: int, variant: int, count: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        str(ROOT / "benchmarks" / "run.py"),
        "--single",
        str(scenario),
        str(variant),
        str(count),
    ]
    finished = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    found = _COLLECTED.search(finished.stderr)
    if found is None:
        raise RuntimeError(f"valgrind printed no instruction count:\n{finished.stderr[-2000:]}")
    return int(found.group(1))


def per_request(scenario: int, variant: int, count: int) -> float:
    return (instructions(scenario, variant, count) - instructions(scenario, variant, 0)) / count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300, help="requests per variant")
    parser.add_argument("--scenario", type=int, help="only this scenario (0-based)")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")

    print(f"# {time.strftime('%Y-%m-%d')}, {args.count} requests per variant; ratio to the first")
    print(f"{'scenario':<38}{'variant':<30}{'instr/request':>14}{'ratio':>8}")
    for index, (name, variants) in enumerate(SCENARIOS.items()):
        if args.scenario is not None and index != args.scenario:
            continue
        base = None
        for position, label in enumerate(variants):
            cost = per_request(index, position, args.count)
            base = base or cost
            print(f"{name:<38}{label:<30}{cost:>14,.0f}{cost / base:>8.3f}", flush=True)


if __name__ == "__main__":
    main()
