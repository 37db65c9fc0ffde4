"""The errors reference page: stable Markdown, valid JSON, an HTML page with an anchor per
code (opened in headless Chromium when installed), served by a view."""

import html
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import override_settings

import django_apierrors
from django_apierrors.catalog import BUILTIN_CODES, catalog
from django_apierrors.errors_page.page import build_document, render
from django_apierrors.openapi import error_response_schema

from .browser import chromium, requires_chromium
from .schema_tools import validate

SNAPSHOT = Path(__file__).parent / "snapshots" / "errors.md"
PAGE_SCHEMA = Path(django_apierrors.__file__).parent / "errors_page" / "schema.json"


def builtin_document():
    return build_document([catalog.get(code) for code in BUILTIN_CODES])


def test_markdown_of_the_builtin_catalog_matches_the_snapshot():
    assert render(builtin_document(), "markdown") == SNAPSHOT.read_text()


def test_output_is_stable():
    for output_format in ("markdown", "html", "json"):
        assert render(build_document(), output_format) == render(build_document(), output_format)


def test_custom_codes_of_installed_apps_are_included():
    page = render(build_document(), "markdown")
    for code in ("email_taken", "out_of_stock", "insufficient_balance"):
        assert f"### `{code}`" in page
    assert "The order total exceeds the account's prepaid balance" in page
    assert "`email_taken`" not in render(builtin_document(), "markdown")


def test_json_output_validates_against_its_schema():
    document = json.loads(render(build_document(), "json"))
    jsonschema.validate(document, json.loads(PAGE_SCHEMA.read_text()))
    statuses = [section["status"] for section in document["statuses"]]
    assert statuses == sorted(statuses)
    assert {entry.status for entry in catalog} == set(statuses)


def test_every_example_body_is_a_valid_error_body():
    for section in build_document()["statuses"]:
        for code in section["codes"]:
            validate(code["example"], error_response_schema())
            assert code["example"]["code"] == code["code"]
            assert code["example"]["status"] == section["status"]


def test_settings_shape_the_examples():
    with override_settings(
        API_ERRORS={
            "ENVELOPE": "error",
            "VALIDATION_STATUS": 422,
            "DOCS_URL": "https://docs.example.com/errors",
        }
    ):
        document = build_document()
    sections = {section["status"]: section for section in document["statuses"]}
    validation = [c for c in sections[422]["codes"] if c["code"] == "validation_failed"]
    assert validation and validation[0]["example"]["error"]["status"] == 422
    assert validation[0]["example"]["error"]["doc_url"] == (
        "https://docs.example.com/errors#validation_failed"
    )


def test_command_writes_each_format(tmp_path):
    for output_format in ("markdown", "html", "json"):
        target = tmp_path / f"errors.{output_format}"
        call_command("apierrors_docs", format=output_format, output=str(target))
        assert target.read_text() == render(build_document(), output_format)


def test_command_creates_the_folders_of_its_output(tmp_path):
    target = tmp_path / "docs" / "api" / "errors.md"
    call_command("apierrors_docs", output=str(target))
    assert target.read_text() == render(build_document(), "markdown")


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("", "Is a directory"),  # the output is an existing folder
        ("blocker/errors.md", "blocker is a file, not a folder"),
        ("blocker/deeper/errors.md", "blocker is a file, not a folder"),
    ],
    ids=["a-folder", "file-in-the-way", "file-further-up"],
)
def test_command_answers_a_path_it_cannot_write_with_a_command_error(tmp_path, where, says):
    (tmp_path / "blocker").write_text("not a folder")
    target = tmp_path / where if where else tmp_path
    with pytest.raises(CommandError, match="Cannot write the errors page to") as raised:
        call_command("apierrors_docs", output=str(target))
    assert says in str(raised.value)
    assert (tmp_path / "blocker").read_text() == "not a folder"


def test_command_failure_is_a_message_not_a_traceback(tmp_path):
    (tmp_path / "blocker").write_text("")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "apierrors_docs",
            "--output",
            str(tmp_path / "blocker" / "errors.md"),
        ],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
    )
    assert result.returncode == 1
    assert result.stderr.startswith("CommandError: Cannot write the errors page to ")
    assert "Traceback" not in result.stderr


def example_of(code: str) -> dict:
    document = build_document()
    return next(
        entry["example"]
        for section in document["statuses"]
        for entry in section["codes"]
        if entry["code"] == code
    )


def test_a_project_code_shows_the_param_its_class_gives_its_example():
    example = example_of("out_of_stock")
    assert example["param"] == "items[0].quantity"
    assert example["meta"] == {"available": 2}
    markdown = render(build_document(), "markdown")
    section = markdown[markdown.index("### `out_of_stock`") :]
    block = section.split("```json\n", 1)[1].split("```", 1)[0]
    assert json.loads(block)["param"] == "items[0].quantity"
    assert "&quot;param&quot;: &quot;items[0].quantity&quot;" in render(build_document(), "html")


def test_an_example_that_is_not_error_arguments_is_refused(monkeypatch):
    from shop.errors import OutOfStock

    monkeypatch.setattr(OutOfStock, "example", {"parameter": "items[0].quantity"})
    with pytest.raises(ImproperlyConfigured, match=r"shop\.errors\.OutOfStock\.example"):
        build_document()


class Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: set[str] = set()
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        href = values.get("href") or ""
        if href.startswith("#"):
            self.links.add(href[1:])
        if tag in ("script", "link", "img") or href.startswith("http"):
            self.external.append(f"{tag} {values}")


def anchors(page: str) -> Anchors:
    parser = Anchors()
    parser.feed(page)
    return parser


def test_html_page_is_self_contained_with_an_anchor_per_code():
    page = render(build_document(), "html")
    found = anchors(page)
    assert {entry.code for entry in catalog} <= found.ids
    assert found.links <= found.ids, found.links - found.ids
    assert found.external == []
    assert "<code>Retry-After</code>" in page  # backticks shown as code
    assert "`" not in re.sub(r"<pre>.*?</pre>", "", page, flags=re.S)


@pytest.mark.django_db
def test_the_view_serves_html_and_json(client):
    html = client.get("/api/errors/")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    assert 'id="rate_limited"' in html.content.decode()
    by_query = client.get("/api/errors/?format=json")
    by_accept = client.get("/api/errors/", HTTP_ACCEPT="application/json")
    assert by_query["Content-Type"] == by_accept["Content-Type"] == "application/json"
    assert json.loads(by_query.content) == json.loads(by_accept.content) == build_document()
    assert client.post("/api/errors/").status_code == 405


@requires_chromium
@pytest.mark.django_db(transaction=True)
def test_doc_urls_land_on_their_section_in_a_real_browser(live_server, client, tmp_path):
    docs_url = live_server.url + "/api/errors/"
    with override_settings(API_ERRORS={"PATH_PREFIXES": ["/api/"], "DOCS_URL": docs_url}):
        doc_url = client.get("/api/products/NOPE/").json()["doc_url"]
    assert doc_url == docs_url + "#not_found"

    profile = tmp_path / "profile"
    dom = chromium(profile, "--dump-dom", doc_url).stdout
    rendered = anchors(dom)
    assert "not_found" in rendered.ids
    assert {entry.code for entry in catalog} <= rendered.ids
    assert rendered.links <= rendered.ids

    # Headless --screenshot paints nothing after a #fragment scroll (any page), so the
    # picture is of the page itself; the anchors were checked in the DOM above.
    screenshot = tmp_path / "errors.png"
    chromium(profile, "--window-size=1280,1600", f"--screenshot={screenshot}", docs_url)
    image = screenshot.read_bytes()
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
    assert (width, height) == (1280, 1600)
    # A blank page compresses to a few kilobytes; text, tables and code do not.
    assert len(image) > 40_000, len(image)


#: Lays the page out in a 390 px wide frame (headless Chromium keeps its own window 500 px
#: wide at least) and reports the document's width and what sticks out of the screen other
#: than inside a box that scrolls (tables, code).
FRAME_PROBE = """<!DOCTYPE html><html><body style="margin:0"><script>
function probe(frame) {
  var root = frame.contentDocument.documentElement, wide = [];
  frame.contentDocument.querySelectorAll("body *").forEach(function (element) {
    var box = element.getBoundingClientRect();
    if (box.right > root.clientWidth + 0.5 && !element.closest(".scroll, pre")) {
      wide.push(element.tagName + (element.id ? "#" + element.id : ""));
    }
  });
  var boxes = frame.contentDocument.querySelectorAll(".scroll, pre");
  var scrolling = Array.prototype.filter.call(boxes, function (box) {
    return box.scrollWidth > box.clientWidth && getComputedStyle(box).overflowX === "auto";
  });
  document.body.setAttribute("data-probe", JSON.stringify({
    scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide: wide,
    scrolling: scrolling.length
  }));
}
</script><iframe style="border:0" width="390" height="2000" onload="probe(this)"
srcdoc="PAGE"></iframe></body></html>"""


@requires_chromium
def test_the_page_fits_a_390_pixel_wide_screen(tmp_path):
    page = render(build_document(), "html")
    probe_page = tmp_path / "probe.html"
    probe_page.write_text(FRAME_PROBE.replace("PAGE", html.escape(page, quote=True)))
    dom = chromium(
        tmp_path / "profile", "--window-size=800,2000", "--dump-dom", probe_page.as_uri()
    ).stdout
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, dom[:500]
    measured = json.loads(html.unescape(found.group(1)))
    assert measured["clientWidth"] == 390
    assert measured["scrollWidth"] == 390, measured  # the page is no wider than the screen
    assert measured["wide"] == []
    assert measured["scrolling"] >= 1  # the wide tables scroll inside their own box
