"""The README's catalog table and quick start are checked, so they cannot drift."""

import re
from pathlib import Path

from django_apierrors import APIError, catalog
from django_apierrors.catalog import BUILTIN_CODES

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_catalog_table_matches_the_catalog():
    table = README.split("<!-- catalog-table")[1].split("<!-- /catalog-table -->")[0]
    rows = [
        [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("| 4") or line.startswith("| 5")
    ]
    expected = []
    for code in BUILTIN_CODES:
        entry = catalog.get(code)
        expected.append(
            [
                str(entry.status),
                entry.code,
                type(APIError.for_code(code)).__name__,
                entry.type,
                "yes" if entry.retryable else "no",
                str(entry.message),
            ]
        )
    assert rows == expected


def test_quick_start_is_two_commands():
    quick_start = README.split("## Quick start")[1].split("##")[0]
    block = re.search(r"```sh\n(.*?)```", quick_start, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert [c for c in commands if c] == ["make run", "make test"]
