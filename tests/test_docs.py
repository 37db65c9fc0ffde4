"""The errors reference page: stable Markdown, valid JSON, an HTML page with an anchor per
code (opened in headless Chromium when installed), served by a view."""

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command
from django.test import override_settings

import django_apierrors
from django_apierrors.catalog import BUILTIN_CODES, catalog
from django_apierrors.errors_page.page import build_document, render
from django_apierrors.openapi import error_response_schema

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


@pytest.mark.skipif(CHROMIUM is None, reason="install Debian's chromium (.ci/run does)")
@pytest.mark.django_db(transaction=True)
def test_doc_urls_land_on_their_section_in_a_real_browser(live_server, client, tmp_path):
    assert CHROMIUM is not None
    docs_url = live_server.url + "/api/errors/"
    with override_settings(API_ERRORS={"PATH_PREFIXES": ["/api/"], "DOCS_URL": docs_url}):
        doc_url = client.get("/api/products/NOPE/").json()["doc_url"]
    assert doc_url == docs_url + "#not_found"

    profile = tmp_path / "profile"
    dom = subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", doc_url],
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    ).stdout
    rendered = anchors(dom)
    assert "not_found" in rendered.ids
    assert {entry.code for entry in catalog} <= rendered.ids
    assert rendered.links <= rendered.ids

    # Headless --screenshot paints nothing after a #fragment scroll (any page), so the
    # picture is of the page itself; the anchors were checked in the DOM above.
    screenshot = tmp_path / "errors.png"
    subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1280,1600",
            f"--screenshot={screenshot}",
            docs_url,
        ],
        capture_output=True,
        timeout=90,
        check=True,
    )
    image = screenshot.read_bytes()
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
    assert (width, height) == (1280, 1600)
    # A blank page compresses to a few kilobytes; text, tables and code do not.
    assert len(image) > 40_000, len(image)
