"""The documentation site: a strict MkDocs build whose generated pages hold every catalog
code, Python examples that compile and whose imports work, and pages that fit a phone's
width in a real browser (headless Chromium, when installed)."""

from __future__ import annotations

import ast
import functools
import http.server
import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from django_apierrors import APIError
from django_apierrors.catalog import BUILTIN_CODES, catalog

from .browser import chromium, requires_chromium

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RESULTS = ROOT / "benchmarks" / "results.txt"
MARKDOWN_FILES = [
    *sorted(DOCS.glob("*.md")),
    ROOT / "README.md",
    ROOT / "CHANGELOG.md",
    ROOT / "CONTRIBUTING.md",
]
#: Import statements of code blocks that name these packages are executed.
CHECKED_PACKAGES = {"django_apierrors", "django", "rest_framework", "ninja"}
#: An HTML comment right before a block that starts with this skips running its imports
#: (the block must still compile).
NOT_RUN = "<!-- not-run"
GENERATED_PAGES = ("errors.md", "changelog.md")
WARNING_LINE = re.compile(r"^\s*WARNING\b", re.M)


def load_hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example_catalog_codes() -> list[str]:
    """The catalog as the docs build sees it: the example project's settings."""
    program = (
        "import json, django; django.setup(); "
        "from django_apierrors.catalog import catalog; "
        "print(json.dumps([entry.code for entry in catalog]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_project")]),
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    codes: list[str] = json.loads(result.stdout)
    return codes


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`mkdocs build --strict` into a temporary directory, as `make docs` runs it."""
    target = tmp_path_factory.mktemp("docs-site") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the hooks use the example project's settings
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(target)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert not WARNING_LINE.search(output), output[-4000:]
    print(f"mkdocs build --strict: {time.monotonic() - started:.1f} s")
    return target


def test_strict_build_generates_every_catalog_code(site: Path) -> None:
    codes = example_catalog_codes()
    assert set(BUILTIN_CODES) <= set(codes)
    errors_page = (site / "errors" / "index.html").read_text()
    catalog_page = (site / "catalog" / "index.html").read_text()
    for code in codes:
        assert f'id="{code}"' in errors_page, code
        assert f'href="../errors/#{code}"' in catalog_page, code
        assert f"<code>{code}</code>" in catalog_page, code


def test_strict_build_renders_the_benchmark_results_and_changelog(site: Path) -> None:
    benchmarks = (site / "benchmarks" / "index.html").read_text()
    assert "benchmarks/results.txt" in benchmarks and "benchmarks/run.py" in benchmarks
    for line in RESULTS.read_text().splitlines():
        if line[:2] in ("1.", "2.", "3.", "4."):
            variant = re.split(r"\s{2,}", line.strip())[1]
            assert variant in unescape(benchmarks), variant
    changelog = (site / "changelog" / "index.html").read_text()
    assert "0.1.0 (unreleased)" in changelog


def test_nothing_generated_is_committed_under_docs() -> None:
    for name in GENERATED_PAGES:
        assert not (DOCS / name).exists(), f"docs/{name} is generated at build time"
    for path in MARKDOWN_FILES:
        text = path.read_text()
        assert "<!-- catalog-table:" not in text and "<!-- /catalog-table -->" not in text


def test_catalog_table_rows_match_the_catalog() -> None:
    hooks = load_hooks()
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in hooks.catalog_table(BUILTIN_CODES).splitlines()[2:]
    ]
    expected = []
    for code in BUILTIN_CODES:
        entry = catalog.get(code)
        expected.append(
            [
                str(entry.status),
                f"[`{code}`](errors.md#{code})",
                f"`{type(APIError.for_code(code)).__name__}`",
                f"`{entry.type}`",
                "yes" if entry.retryable else "no",
                str(entry.message),
            ]
        )
    assert rows == expected
    # Codes the installed apps register (here the example's and the test app's) follow.
    table = hooks.catalog_markdown()
    for entry in catalog:
        assert f"[`{entry.code}`](errors.md#{entry.code})" in table, entry.code


def test_no_page_links_outside_the_repository() -> None:
    # (tests/test_repository.py looks for any other reference outside, in every file.)
    for path in [*MARKDOWN_FILES, DOCS / "hooks.py", ROOT / "mkdocs.yml"]:
        text = path.read_text()
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            assert not target.startswith(("/", "../", "file:")), f"{path.name}: {target}"


# Python code blocks ---------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    code: str
    run_imports: bool

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")


def python_blocks(path: Path) -> list[Block]:
    lines = path.read_text().splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence = opening["fence"]
        language = (opening["info"].split() or [""])[0].lower()
        start = index
        index += 1
        body = []
        while index < len(lines) and lines[index].strip() != fence:
            body.append(lines[index])
            index += 1
        index += 1
        if language in ("python", "py"):
            before = next((line.strip() for line in reversed(lines[:start]) if line.strip()), "")
            code = textwrap.dedent("\n".join(body))
            blocks.append(Block(path, start + 1, code, not before.startswith(NOT_RUN)))
    return blocks


BLOCKS = [block for path in MARKDOWN_FILES for block in python_blocks(path)]


def test_the_docs_have_python_examples() -> None:
    assert len(BLOCKS) > 40
    assert {block.path.name for block in BLOCKS} >= {"README.md", "installation.md"}


def checked_imports(tree: ast.Module) -> list[ast.stmt]:
    statements: list[ast.stmt] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a for a in node.names if a.name.split(".")[0] in CHECKED_PACKAGES]
            if names:
                statements.append(ast.Import(names=names))
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").split(".")[0] in CHECKED_PACKAGES
        ):
            statements.append(node)
    return statements


@pytest.mark.parametrize("block", BLOCKS, ids=[block.name for block in BLOCKS])
def test_python_block_compiles_and_its_imports_work(block: Block) -> None:
    tree = ast.parse(block.code, filename=block.name)
    compile(tree, block.name, "exec")
    if not block.run_imports:
        return
    for statement in checked_imports(tree):
        module = ast.fix_missing_locations(ast.Module(body=[statement], type_ignores=[]))
        namespace: dict[str, Any] = {}
        try:
            exec(compile(module, block.name, "exec"), namespace)
        except ImportError as failure:
            pytest.fail(f"{block.name}: `{ast.unparse(statement)}` fails: {failure}")


# In a real browser ----------------------------------------------------------------------

PAGES = {"index": "", "errors": "errors/"}
PHONE, DESKTOP = 390, 1280

# Loads a page in an iframe as wide as a phone, once Material's scripts ran, and writes
# into its own DOM what sticks out to the right of that width: the page's scroll width, and
# each element whose right edge passes it without a scrolling box (a code block or a table
# wrapper) of its own around it. Material's `html { overflow-x: hidden }` would otherwise
# cut such content off without a scroll bar.
PROBE = """<!doctype html>
<html><body style="margin:0">
<iframe id="page" src="{src}" style="width:{width}px;height:1600px;border:0"></iframe>
<pre id="result">pending</pre>
<script>
const frame = document.getElementById("page");
frame.addEventListener("load", () => setTimeout(() => {{
  const doc = frame.contentDocument, win = frame.contentWindow;
  const width = doc.documentElement.clientWidth;
  const wide = [];
  for (const element of doc.querySelectorAll(".md-content *")) {{
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let scrolled = false;
    for (let up = element.parentElement; up && up !== doc.body; up = up.parentElement) {{
      if (win.getComputedStyle(up).overflowX !== "visible"
          && up.getBoundingClientRect().right <= width + 1) {{ scrolled = true; break; }}
    }}
    if (!scrolled) wide.push(element.tagName + "." + element.className + " "
                             + (element.textContent || "").slice(0, 60));
  }}
  document.getElementById("result").textContent = JSON.stringify({{
    clientWidth: width, scrollWidth: doc.documentElement.scrollWidth, wide: wide.slice(0, 10)
  }});
}}, 1000));
</script>
</body></html>
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served_site(site: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@requires_chromium
@pytest.mark.parametrize("page", PAGES)
def test_pages_fit_a_phone_and_a_desktop_in_a_real_browser(
    page: str, site: Path, served_site: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shots = tmp_path_factory.mktemp("docs-screenshots")
    profile = shots / "profile"
    for width in (DESKTOP, PHONE):
        screenshot = shots / f"{page}-{width}.png"
        chromium(
            profile,
            f"--window-size={width},1600",
            f"--screenshot={screenshot}",
            served_site + PAGES[page],
        )
        image = screenshot.read_bytes()
        assert image.startswith(b"\x89PNG\r\n\x1a\n")
        size = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
        assert size == (width, 1600)
        # A blank page compresses to a few kilobytes; text, tables and code do not.
        assert len(image) > 30_000, (screenshot, len(image))
        print(f"screenshot: {screenshot}")

    probe = site / f"_probe_{page}.html"
    probe.write_text(PROBE.format(src="/" + PAGES[page], width=PHONE))
    dom = chromium(
        profile, "--virtual-time-budget=10000", "--dump-dom", served_site + probe.name
    ).stdout
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert found is not None, dom[-2000:]
    result = json.loads(unescape(found.group(1)))
    assert result["clientWidth"] == PHONE, result
    assert result["scrollWidth"] <= PHONE, result
    assert result["wide"] == [], result
