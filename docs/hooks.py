"""MkDocs hooks: the pages that are generated from the package at build time.

Nothing these hooks produce is committed under docs/:

- ``errors.md``, the errors reference page, is ``render(build_document(), "markdown")``
  of ``django_apierrors.errors_page.page`` (what ``manage.py apierrors_docs`` writes), for
  the example project's catalog;
- the catalog tables of ``catalog.md`` replace its ``<!-- catalog-table -->`` marker, from
  ``django_apierrors.catalog``;
- the results of ``benchmarks.md`` replace its ``<!-- benchmark-results -->`` marker, from
  ``benchmarks/results.txt`` (the output of ``benchmarks/run.py``);
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
BENCHMARK_COMMAND = ".venv/bin/python benchmarks/run.py > benchmarks/results.txt"
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


def benchmark_markdown(results: str) -> str:
    """benchmarks/run.py's output as tables; lines it cannot read stay as they were."""
    comments: list[str] = []
    requests: list[list[str]] = []
    steps: list[list[str]] = []
    other: list[str] = []
    section = "requests"
    for line in results.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = [part.strip() for part in line.lstrip("# ").split(",")]
            comments.append(", ".join(part for part in parts if part not in ("", "-")))
            continue
        cells = _SPLIT.split(line.strip())
        if cells[0] == "scenario":
            continue
        if cells[0].startswith("5. "):
            section = "steps"
            continue
        if section == "requests" and len(cells) == 4:
            requests.append(cells)
        elif section == "steps" and len(cells) >= 2:
            steps.append([cells[0], cells[1], "  ".join(cells[2:])])
        else:
            other.append(line)
    parts = [
        f"The tables below are `benchmarks/results.txt`, written by `{BENCHMARK_COMMAND}` "
        "(the full run, about half a minute) and rendered into this page when the site is "
        "built. Run it again to refresh them."
    ]
    if comments:
        parts.append("The run: " + "; ".join(f"{_cell(c)}" for c in comments) + ".")
    if requests:
        rows = ["| scenario | variant | µs/request | ratio |", "|---|---|---:|---:|"]
        previous = None
        for scenario, variant, micros, ratio in requests:
            shown = "" if scenario == previous else _cell(scenario)
            previous = scenario
            rows.append(f"| {shown} | {_cell(variant)} | {micros} | {ratio} |")
        parts.append("\n".join(rows))
    if steps:
        rows = ["| step on a prepared exception | µs/call | result |", "|---|---:|---|"]
        rows += [f"| `{label}` | {micros} | `{_cell(shown)}` |" for label, micros, shown in steps]
        parts.append("\n".join(rows))
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
