"""The variants of benchmarks/run.py in CPU instructions per request, counted by valgrind.

Timings on a shared virtual machine wander by 20% from one run to the next; an instruction
count does not (the same interpreter, code and inputs give the same count whatever else the
machine is doing). One process runs `run.py --single SCENARIO VARIANT COUNT` under
`valgrind --tool=callgrind`: after start-up and a warm-up, each chosen variant runs an
empty stretch and one of COUNT requests, and run.py marks the end of each by calling
getloadavg(), on which callgrind dumps its counters. The difference between a variant's two
stretches divided by COUNT is what one request costs, without start-up and warm-up.

    .venv/bin/python benchmarks/instructions.py [--count 200] [--scenario N [--variant M]]

`benchmarks/run.py --instructions` counts every variant this way and prints the table with
its timings and targets. Needs valgrind (Debian: apt-get install valgrind).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "benchmarks" / "run.py"
#: The C function run.py's `mark()` calls; callgrind dumps its counters on entering it.
MARKER = "getloadavg"
#: Marks per variant in `run.py --single`: before its stretches, after the empty one,
#: after the one of COUNT requests.
MARKS_PER_VARIANT = 3

_TOTALS = re.compile(r"^totals:\s+(\d+)", re.M)


def require_valgrind() -> None:
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")


def scenarios() -> dict[str, list[str]]:
    """run.py's scenarios and their variants, in its order (--single takes the indexes)."""
    listed = subprocess.run(
        [sys.executable, str(RUN), "--list"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return dict(json.loads(listed.stdout))


def stretches(scenario: str, variant: str, count: int) -> list[int]:
    """The instructions between consecutive marks of `run.py --single`, in order."""
    with tempfile.TemporaryDirectory(prefix="callgrind-") as folder:
        out = Path(folder) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            f"--dump-before={MARKER}",
            "--dump-instr=no",
            "--dump-line=no",
            sys.executable,
            str(RUN),
            "--single",
            scenario,
            variant,
            str(count),
        ]
        # A fixed hash seed: dict and set layouts (and so the count) do not change between runs.
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        finished = subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=ROOT, env=env
        )
        if finished.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{finished.stderr[-3000:]}")
        # callgrind.out.1, .2, ...: one per mark; callgrind.out itself is what follows.
        dumps = sorted(
            (int(dump.name.rsplit(".", 1)[1]), dump)
            for dump in Path(folder).glob("callgrind.out.*")
            if dump.name.rsplit(".", 1)[1].isdigit()
        )
        counts = []
        for _, dump in dumps:
            found = _TOTALS.search(dump.read_text())
            if found is None:
                raise RuntimeError(f"callgrind wrote no totals in {dump.name}")
            counts.append(int(found.group(1)))
        return counts


def measure(
    layout: dict[str, list[str]], scenario: str, variant: str, count: int
) -> dict[str, dict[str, float]]:
    """Instructions per request of the chosen variants (indexes into `layout`, as run.py's
    --list gives it, or "all"), by scenario and variant, in run.py's order."""
    chosen = [
        (name, label)
        for index, (name, labels) in enumerate(layout.items())
        if scenario in ("all", str(index))
        for position, label in enumerate(labels)
        if variant in ("all", str(position))
    ]
    counts = stretches(scenario, variant, count)
    if len(counts) != MARKS_PER_VARIANT * len(chosen):
        raise RuntimeError(
            f"expected {MARKS_PER_VARIANT * len(chosen)} marks for {len(chosen)} variants, "
            f"callgrind dumped {len(counts)}"
        )
    result: dict[str, dict[str, float]] = {}
    for position, (name, label) in enumerate(chosen):
        _, empty, full = counts[MARKS_PER_VARIANT * position : MARKS_PER_VARIANT * (position + 1)]
        result.setdefault(name, {})[label] = (full - empty) / count
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200, help="requests per variant")
    parser.add_argument("--scenario", type=int, help="only this scenario (0-based)")
    parser.add_argument("--variant", type=int, help="only this variant of --scenario (0-based)")
    args = parser.parse_args(argv)
    require_valgrind()
    if args.variant is not None and args.scenario is None:
        parser.error("--variant needs --scenario")
    layout = scenarios()
    scenario = "all" if args.scenario is None else str(args.scenario)
    variant = "all" if args.variant is None else str(args.variant)

    started = time.monotonic()
    counted = measure(layout, scenario, variant, args.count)
    print(
        f"# {time.strftime('%Y-%m-%d')}, {args.count} requests per variant, "
        f"{time.monotonic() - started:.0f} s under valgrind; ratio to the scenario's first"
    )
    print(f"{'scenario':<38}{'variant':<30}{'instr/request':>14}{'ratio':>8}")
    for name, values in counted.items():
        base = layout[name][0]
        for label, cost in values.items():
            ratio = f"{cost / values[base]:.3f}" if base in values else "-"
            print(f"{name:<38}{label:<30}{cost:>14,.0f}{ratio:>8}", flush=True)


if __name__ == "__main__":
    main()
