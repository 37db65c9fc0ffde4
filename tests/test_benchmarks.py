"""The benchmark scripts run (their timings are reported, never asserted: machines are noisy)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_comparison_benchmark_runs():
    result = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
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
    result = subprocess.run(
        [sys.executable, "benchmarks/success_path.py", "--requests", "50", "--rounds", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "APIErrorsMiddleware's own work" in result.stdout
