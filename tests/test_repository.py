"""The repository stands on its own: no tracked file refers to a document or a path
outside it."""

import subprocess

import pytest

from .servers import ROOT

#: What a reference to something outside the repository looks like.
OUTSIDE = ("DESIGN.md", "../shared", "/work/", "/root/", "/home/", ".library/")


def tracked_text_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    return [name.decode() for name in listed if name]


@pytest.mark.skipif(
    not (ROOT / ".git").exists(), reason="not a git checkout (the suite against the wheel)"
)
def test_no_tracked_file_refers_outside_the_repository():
    offending = []
    for name in tracked_text_files():
        path = ROOT / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a binary file
        offending += [f"{name}: {word}" for word in OUTSIDE if word in text]
    # This file names them to look for them.
    assert [o for o in offending if not o.startswith("tests/test_repository.py")] == []
