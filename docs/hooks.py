"""MkDocs hooks: the pages that are generated from the package at build time.

Nothing these hooks produce is committed under docs/:

- ``errors.md``, the errors reference page, is ``render(build_document(), "markdown")``
  of ``django_apierrors.errors_page.page`` (what ``manage.py apierrors_docs`` writes), for
  the example project's catalog;
- the catalog tables of ``catalog.md`` replace its ``<!-- catalog-table -->`` marker, from
  ``django_apierrors.catalog``;
- the results of ``benchmarks.md`` replace its ``<!-- benchmark-results -->`` marker, from
  ``benchmarks/results.txt`` (the output of one run of ``benchmarks/run.py --instructions``);
- ``changelog.md`` is ``CHANGELOG.md``.

Django is configured with the example project's settings, as pytest's ``pythonpath``
(``.`` and ``example_project``) has it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = "example_project.settings"
CATALOG_MARKER = "<!-- catalog-table -->"
BENCHMARK_MARKER = "<!-- benchmark-results -->"
BENCHMARK_RESULTS = ROOT / "benchmarks" / "results.txt"
BENCHMARK_COMMAND = (
    ".venv/bin/python benchmarks/run.py --instructions --output benchmarks/results.txt"
)
CHANGELOG = ROOT / "CHANGELOG.md"
ERRORS_PAGE = "errors.md"
CHANGELOG_PAGE = "changelog.md"
# Variables of the example's settings that would change what the generated pages say (or
# point the build at a database or a cache it never needs).
IGNORED_ENVIRONMENT = ("API_ERRORS_ENVELOPE", "API_ERRORS_DOCS_URL", "DATABASE_URL", "REDIS_URL")


def setup_django() -> None:
    """Configure Django with the example project's settings (once per process)."""
    for entry in (ROOT / "example_project", ROOT):
        if str(entry) not in sys.path:
            sys.path.insert(0, str(entry))
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    for name in IGNORED_ENVIRONMENT:
        os.environ.pop(name, None)
    import django

    django.setup()


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def catalog_table(codes: Iterable[str]) -> str:
    """A Markdown table of catalog entries, each code linking to its errors-page section."""
    from django_apierrors import APIError
    from django_apierrors.catalog import catalog

    lines = [
        "| status | code | exception | type | retryable | default message |",
        "|---|---|---|---|---|---|",
    ]
    for code in codes:
        entry = catalog.get(code)
        exception = type(APIError.for_code(code)).__name__
        lines.append(
            f"| {entry.status} | [`{entry.code}`]({ERRORS_PAGE}#{entry.code}) | `{exception}` "
            f"| `{entry.type}` | {'yes' if entry.retryable else 'no'} | {_cell(entry.message)} |"
        )
    return "\n".join(lines)


def catalog_markdown() -> str:
    """The package's codes, then those the installed apps register (the example's)."""
    from django_apierrors.catalog import BUILTIN_CODES, catalog

    text = catalog_table(BUILTIN_CODES)
    own = [entry.code for entry in catalog if entry.code not in BUILTIN_CODES]
    if own:
        text += (
            "\n\nCodes registered by installed apps' `errors.py` modules; in this build, the "
            "example project's (`example_project/shop/errors.py`):\n\n" + catalog_table(own)
        )
    return text


def errors_page_markdown() -> str:
    """The errors reference page, as ``manage.py apierrors_docs --format markdown`` has it."""
    from django_apierrors.catalog import BUILTIN_CODES, catalog
    from django_apierrors.errors_page.page import build_document, render

    page = render(build_document(), "markdown")
    # Each code's heading gets the code itself as its id from the toc extension, so the
    # page's own <a id="code"> anchors would only repeat it.
    page = re.sub(r'^<a id="[a-z][a-z0-9_]*"></a>\n', "", page, flags=re.M)
    title, _, rest = page.partition("\n")
    own = ", ".join(f"`{e.code}`" for e in catalog if e.code not in BUILTIN_CODES)
    note = (
        '!!! note "Generated"\n'
        "    This page is generated at build time from the catalog, exactly as "
        "`python manage.py apierrors_docs --format markdown` writes it for the example "
        "project (`example_project.settings`): the codes the package ships"
        + (f", and the example's own {own}" if own else "")
        + ". Your project's page has your codes too; see "
        "[The errors reference page](errors-page.md)."
    )
    return f"{title} reference\n\n{note}\n{rest}"


_SPLIT = re.compile(r"\s{2,}")
_NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?x?$")
#: Columns of the results whose cells are code.
_CODE_COLUMNS = frozenset({"step", "result"})


def _markdown_table(columns: list[str], rows: list[list[str]]) -> str:
    numeric = [
        all(_NUMBER.match(row[i]) for row in rows) if rows else False for i in range(len(columns))
    ]
    lines = [
        "| " + " | ".join(_cell(column) for column in columns) + " |",
        "|" + "|".join("---:" if right else "---" for right in numeric) + "|",
    ]
    previous = None
    for row in rows:
        cells = []
        for column, cell in zip(columns, row, strict=True):
            if column == "scenario":
                # A scenario's name once, over its variants.
                cell, previous = ("" if cell == previous else cell), cell
            if column in _CODE_COLUMNS:
                cells.append(f"`{_cell(cell)}`")
            elif column == "verdict" and cell == "NOT met":
                cells.append(f"**{cell}**")
            else:
                cells.append(_cell(cell))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def benchmark_markdown(results: str) -> str:
    """benchmarks/results.txt, the output of one run of benchmarks/run.py, as Markdown: its
    `# name: value` header as a list, then each block (a title, a header line, rows whose
    cells are two spaces apart at least) as a titled table. Lines that fit no table are
    shown as they are."""
    header: list[tuple[str, str]] = []
    blocks: list[list[str]] = [[]]
    for line in results.splitlines():
        if line.startswith("#"):
            name, _, value = line.lstrip("# ").partition(": ")
            header.append((name, value))
        elif not line.strip():
            blocks.append([])
        else:
            blocks[-1].append(line)
    parts = [
        f"The tables below are `benchmarks/results.txt`: the output of one run of "
        f"`{BENCHMARK_COMMAND}`, rendered into this page when the site is built."
    ]
    if header:
        items = []
        for name, value in header:
            shown = f"`{value}`" if name == "command" else _cell(value)
            items.append(f"- {_cell(name)}: {shown}")
        parts.append("\n".join(items))
    for block in blocks:
        if len(block) < 2:
            if block:
                parts.append("```text\n" + "\n".join(block) + "\n```")
            continue
        title, columns, *lines = block
        names = _SPLIT.split(columns.strip())
        rows = [_SPLIT.split(line.strip()) for line in lines]
        fitting = [row for row in rows if len(row) == len(names)]
        parts.append(f"### {title.strip()}")
        parts.append(_markdown_table(names, fitting))
        other = [line for line, row in zip(lines, rows, strict=True) if len(row) != len(names)]
        if other:
            parts.append("```text\n" + "\n".join(other) + "\n```")
    return "\n\n".join(parts)


# MkDocs events -------------------------------------------------------------------------


def on_config(config: Any) -> Any:
    setup_django()
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    files.append(File.generated(config, ERRORS_PAGE, content=errors_page_markdown()))
    files.append(File.generated(config, CHANGELOG_PAGE, content=CHANGELOG.read_text()))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    from mkdocs.exceptions import PluginError

    if CATALOG_MARKER in markdown:
        markdown = markdown.replace(CATALOG_MARKER, catalog_markdown())
    if BENCHMARK_MARKER in markdown:
        if not BENCHMARK_RESULTS.exists():
            raise PluginError(f"{BENCHMARK_RESULTS.name} is missing: run `{BENCHMARK_COMMAND}`")
        markdown = markdown.replace(
            BENCHMARK_MARKER, benchmark_markdown(BENCHMARK_RESULTS.read_text())
        )
    return markdown
