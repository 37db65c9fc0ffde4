"""The benchmark scripts run (their timings are reported, never asserted: machines are noisy)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def script(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a benchmark script with this interpreter; fail with its stderr when it fails."""
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_comparison_benchmark_runs():
    result = script("benchmarks/run.py", "--quick", timeout=300)
    for scenario in (
        "1. success: JSON view",
        "2. DRF ValidationError",
        "3. unknown URL",
        "4. unexpected exception",
        "to_api_error(exc)",
    ):
        assert scenario in result.stdout, result.stdout
    assert "drf-standardized-errors" in result.stdout and "drf-exceptions-hog" in result.stdout


def test_success_path_benchmark_runs():
    result = script("benchmarks/success_path.py", "--requests", "50", "--rounds", "1")
    assert "APIErrorsMiddleware's own work" in result.stdout


def test_memory_stays_flat_over_100000_error_requests():
    result = script("benchmarks/memory.py", "--requests", "100000", timeout=600)
    figures = dict(part.split("=") for part in result.stdout.split())
    # No per-request state: 100,000 distinct paths and ids leave no trace. The allocator
    # settles within the first half (about 3 MiB here); a leak of even 20 bytes per request
    # would add another megabyte in the second.
    assert int(figures["second_half_growth_kib"]) < 1024, result.stdout
    assert int(figures["growth_kib"]) < 8 * 1024, result.stdout


def test_instruction_count_harness_runs_one_variant():
    """benchmarks/instructions.py runs `run.py --single` under valgrind (minutes, so not
    here); the harness it drives must list the scenarios and run any one variant."""
    listed = script("benchmarks/run.py", "--list")
    scenarios = json.loads(listed.stdout)
    assert list(scenarios)[2] == "2. DRF ValidationError (3 nested)"
    assert scenarios["2. DRF ValidationError (3 nested)"][1] == "django_apierrors"
    single = script("benchmarks/run.py", "--single", "2", "1", "5")
    assert single.stdout == ""
