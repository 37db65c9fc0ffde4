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
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

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
    # A fixed hash seed: dict and set layouts (and so the count) do not change between runs.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    finished = subprocess.run(
        command, capture_output=True, text=True, check=True, cwd=ROOT, env=env
    )
    found = _COLLECTED.search(finished.stderr)
    if found is None:
        raise RuntimeError(f"valgrind printed no instruction count:\n{finished.stderr[-2000:]}")
    return int(found.group(1))


def per_request(scenario: int, variant: int, count: int) -> float:
    return (instructions(scenario, variant, count) - instructions(scenario, variant, 0)) / count


def scenarios() -> dict[str, list[str]]:
    """run.py's scenarios and their variants, in its order (--single takes the indexes)."""
    listed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--list"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return dict(json.loads(listed.stdout))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300, help="requests per variant")
    parser.add_argument("--scenario", type=int, help="only this scenario (0-based)")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")

    print(f"# {time.strftime('%Y-%m-%d')}, {args.count} requests per variant; ratio to the first")
    print(f"{'scenario':<38}{'variant':<30}{'instr/request':>14}{'ratio':>8}")
    for index, (name, variants) in enumerate(scenarios().items()):
        if args.scenario is not None and index != args.scenario:
            continue
        base = None
        for position, label in enumerate(variants):
            cost = per_request(index, position, args.count)
            base = base or cost
            print(f"{name:<38}{label:<30}{cost:>14,.0f}{cost / base:>8.3f}", flush=True)


if __name__ == "__main__":
    main()
