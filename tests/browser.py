"""Headless Chromium (Debian's, which .ci/run installs) for the tests that look at a page
in a real browser."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]

requires_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="install Debian's chromium (.ci/run does)"
)


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Chromium headless with its own profile folder; its output as text."""
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
