"""The README is the front page: short, a two-command quick start, links that resolve.

The catalog table lives in the docs site now (docs/catalog.md, generated at build time and
checked by tests/test_docs_site.py)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
MAX_LINES = 250


def test_readme_is_at_most_250_lines():
    assert len(README.splitlines()) <= MAX_LINES


def test_quick_start_is_two_commands():
    quick_start = README.split("## Quick start")[1].split("##")[0]
    block = re.search(r"```sh\n(.*?)```", quick_start, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert [c for c in commands if c] == ["make run", "make test"]


def test_relative_links_resolve_to_files_of_the_repository():
    links = [target for target in re.findall(r"\]\(([^)\s]+)\)", README) if "://" not in target]
    assert any(link.startswith("docs/") for link in links)
    for link in links:
        path = link.split("#")[0]
        assert not path.startswith(("/", "..")), link
        assert (ROOT / path).exists(), link
