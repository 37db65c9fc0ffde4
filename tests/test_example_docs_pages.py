"""The example's schema, Swagger UI and Redoc views and its own endpoints under odd and
hostile requests, with DEBUG off and on: never a 5xx, never an HTML error page on an API
path, no request value in a header; and the pages under gunicorn with DEBUG off: their
assets served (WhiteNoise), nothing loaded from another host."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from django.test import override_settings

from .conftest import EXAMPLE_ENDPOINTS
from .contract import assert_contract
from .servers import WireResponse, example_server

pytestmark = pytest.mark.django_db

SCHEMA = "/api/schema/"
SWAGGER = "/api/schema/swagger-ui/"
REDOC = "/api/schema/redoc/"
PAGES = [SWAGGER, REDOC]
DOCS = [SCHEMA, *PAGES]
SHOP = [path + "?q=mug" if path.endswith("/search/") else path for path in EXAMPLE_ENDPOINTS]
FILENAME = 'inline; filename="Example shop API.yaml"'
# Decoded: NUL, CR/LF with a header after it, a quote ending the filename, a single quote.
HOSTILE_VERSIONS = ["%00", "1%0d%0aX-Injected:%201", "1%0aX", '1%22%3B%20filename%3D"x.sh', "1'2"]
ODD_LANGS = ["%00", "zz", "x" * 3000, "..%2F..%2Fetc", "%ff", "de", "en%0d%0a"]
ODD_FORMATS = ["xml", "%00", "zzz", "openapi-json", "json%0d%0a"]
ACCEPTS = ["text/html", "application/xml", "application/problem+json", "garbage", "*/*;q=x"]
ALLOW = "GET, HEAD, OPTIONS"
# A page reaching another host: an absolute or protocol-relative URL anywhere in it.
FOREIGN_URL = re.compile(r"(?:https?:)?//[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


@pytest.fixture(autouse=True, params=[False, True], ids=["debug-off", "debug-on"])
def debug(request):
    # The example's own URLs (without the test app's views in the schema).
    with override_settings(DEBUG=request.param, ROOT_URLCONF="example_project.urls"):
        yield request.param


def error_code(response: Any) -> str:
    document = json.loads(response.content)
    return str(document.get("error", document)["code"])


def answered(response: Any, debug: bool) -> None:
    """No 5xx; an error is the contract (JSON, valid, `debug` exactly with DEBUG)."""
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        if response.wsgi_request.method == "HEAD":  # no body to read
            assert response["Content-Type"] in ("application/json", "application/problem+json")
        else:
            assert_contract(response, response.status_code, error_code(response), debug=debug)


# The schema's download filename


@pytest.mark.parametrize("version", HOSTILE_VERSIONS)
def test_a_hostile_version_never_reaches_the_filename(client, version):
    response = client.get(f"{SCHEMA}?version={version}")
    assert response.status_code == 200  # was 500 for CR/LF: Django refused the header
    assert response["Content-Disposition"] == FILENAME
    assert "X-Injected" not in response


def test_a_plain_version_stays_in_the_filename(client):
    assert client.get(f"{SCHEMA}?version=1.0")["Content-Disposition"] == (
        'inline; filename="Example shop API (1.0).yaml"'
    )
    assert client.get(f"{SCHEMA}?version=v2&format=json")["Content-Disposition"] == (
        'inline; filename="Example shop API (v2).json"'
    )


# The pages pass versions and languages on to the schema URL, encoded


class Links(HTMLParser):
    """Every URL a page references: (tag, rel, attribute, value)."""

    ATTRIBUTES = ("src", "href", "spec-url", "srcset", "action", "poster", "data")

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in self.ATTRIBUTES:
            if values.get(name) is not None:
                self.links.append((tag, values.get("rel") or "", name, str(values[name])))


def links(html: str) -> list[tuple[str, str, str, str]]:
    parser = Links()
    parser.feed(html)
    return parser.links


def schema_url(html: str) -> str:
    """The schema URL the page loads: Redoc's `spec-url`, Swagger UI's `url` (escapejs'd)."""
    spec_urls = [value for _, _, name, value in links(html) if name == "spec-url"]
    if spec_urls:
        return spec_urls[0]
    match = re.search(r'^\s*url: "([^"]*)",$', html, re.MULTILINE)
    assert match, "no schema URL in the page"
    return str(json.loads(f'"{match.group(1)}"'))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("version", 'a"b<script>x</script>'),
        ("version", "1\r\nX-Injected: 1"),
        ("version", "'); alert(1); //"),
        ("lang", '"><img src=//evil.example>'),
        ("lang", "\x00"),
    ],
)
def test_pages_encode_what_they_pass_on(client, page, param, value):
    response = client.get(page, {param: value})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert value not in html
    url = urlsplit(schema_url(html))
    assert (url.scheme, url.netloc, url.path) == ("", "", SCHEMA)
    assert parse_qs(url.query)[param] == [value]
    assert not FOREIGN_URL.findall(html)


# Odd query parameters


@pytest.mark.parametrize("path", DOCS)
@pytest.mark.parametrize("lang", ODD_LANGS)
def test_odd_languages(client, path, lang):
    response = client.get(f"{path}?lang={lang}")
    assert response.status_code == 200
    expected = "application/vnd.oai.openapi" if path == SCHEMA else "text/html"
    assert response["Content-Type"].startswith(expected)


@pytest.mark.parametrize("path", DOCS)
@pytest.mark.parametrize("format", ODD_FORMATS)
def test_odd_formats_are_not_found(client, debug, path, format):
    # DRF's answer for a ?format= no renderer has: 404.
    assert_contract(client.get(f"{path}?format={format}"), 404, "not_found", debug=debug)


def test_the_formats_each_view_has(client):
    assert client.get(f"{SCHEMA}?format=json")["Content-Type"] == "application/vnd.oai.openapi+json"
    for page in PAGES:
        assert client.get(f"{page}?format=html").status_code == 200


# Methods


@pytest.mark.parametrize("path", DOCS)
def test_options_answers_allow(client, path):
    # Was 500 on Swagger UI (its template needs context DRF's metadata lacks), a page
    # without a schema on Redoc, and the metadata labelled as OpenAPI on the schema.
    response = client.options(path)
    assert response.status_code == 200
    assert response["Allow"] == ALLOW
    assert response.content == b""


@pytest.mark.parametrize("path", DOCS)
def test_head(client, path):
    get, head = client.get(path), client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Type"] == get["Content-Type"]


@pytest.mark.parametrize("path", DOCS)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_method_not_allowed(client, debug, path, method):
    response = getattr(client, method)(path)
    body = assert_contract(response, 405, "method_not_allowed", debug=debug)
    assert response["Allow"] == ALLOW
    assert body["meta"] == {"method": method.upper()}


# Accept


@pytest.mark.parametrize(
    ("accept", "schema", "page"),
    [
        ("text/html", 406, 200),
        ("application/xml", 406, 406),
        ("application/problem+json", 200, 406),  # the schema as plain JSON; errors as RFC 9457
        ("garbage", 406, 406),
        ("*/*;q=x", 200, 200),
    ],
)
def test_accept(client, debug, accept, schema, page):
    for path, status in [(SCHEMA, schema), (SWAGGER, page), (REDOC, page)]:
        response = client.get(path, HTTP_ACCEPT=accept)
        if status == 406:
            assert_contract(response, 406, "not_acceptable", debug=debug)
            expected = "problem+json" if accept == "application/problem+json" else "json"
            assert response["Content-Type"] == f"application/{expected}"
        else:
            assert response.status_code == 200, (path, response.content[:300])


# The example's own endpoints


@pytest.mark.parametrize("path", SHOP)
def test_the_shops_endpoints_under_odd_requests(client, debug, mug, path):
    separator = "&" if "?" in path else "?"
    for method in ("get", "options", "head", "post", "put", "patch", "delete"):
        answered(getattr(client, method)(path), debug)
    for query in [
        *(f"version={version}" for version in HOSTILE_VERSIONS),
        *(f"format={format}" for format in ODD_FORMATS),
        *(f"lang={lang}" for lang in ODD_LANGS),
    ]:
        response = client.get(f"{path}{separator}{query}")
        answered(response, debug)
        assert "X-Injected" not in response
    for accept in ACCEPTS:
        answered(client.get(path, HTTP_ACCEPT=accept), debug)


# Assets


def assets(html: str) -> list[tuple[str, str, str]]:
    """(tag, rel, URL) of every script, stylesheet, icon and image a page references."""
    return [(tag, rel, value) for tag, rel, name, value in links(html) if name in ("src", "href")]


def expected_type(tag: str, rel: str) -> str:
    if tag == "script":
        return "text/javascript"
    if "stylesheet" in rel:
        return "text/css"
    assert tag == "img" or "icon" in rel, (tag, rel)
    return "image/"


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (SWAGGER, {"swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"}),
        (REDOC, {"redoc.standalone.js", "favicon-32x32.png"}),
    ],
)
def test_assets_are_served_with_the_test_client(client, page, expected):
    html = client.get(page).content.decode()
    found = assets(html)
    assert expected <= {url.rsplit("/", 1)[-1] for _, _, url in found}
    assert not FOREIGN_URL.findall(html)
    for tag, rel, url in found:
        assert urlsplit(url)[:2] == ("", ""), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith(expected_type(tag, rel)), url


def test_swagger_ui_loads_no_validator_badge(client):
    # Swagger UI's default shows an image from validator.swagger.io; null turns it off.
    html = client.get(SWAGGER).content.decode()
    match = re.search(r"const swaggerSettings = (\{.*?\});", html, re.DOTALL)
    assert match, "no Swagger UI settings in the page"
    assert json.loads(match.group(1))["validatorUrl"] is None


def test_api_paths_still_pass_the_api_errors_middleware_first(client, debug):
    # WhiteNoise answers files under STATIC_URL only, after APIErrorsMiddleware.
    response = client.get("/api/nowhere/", HTTP_X_REQUEST_ID="docs-1")
    assert_contract(response, 404, "not_found", debug=debug)
    assert response["X-Request-ID"] == "docs-1"
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")
    assert asset.status_code == 200 and asset["X-Request-ID"]


# Under gunicorn, DEBUG off


def wire(method: str, url: str) -> WireResponse:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers, content = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, content = error.code, error.headers, error.read()
    return WireResponse(status, {k.lower(): v for k, v in headers.items()}, content)


@pytest.mark.parametrize("debug", [False], ids=["debug-off"], indirect=True)
def test_pages_and_their_assets_under_gunicorn(tmp_path, debug):
    with example_server(tmp_path, {}, workers=1) as base_url:
        for page, expected in [
            (SWAGGER, {"swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"}),
            (REDOC, {"redoc.standalone.js"}),
        ]:
            response = wire("GET", base_url + page)
            assert response.status_code == 200
            assert response["Content-Type"] == "text/html; charset=utf-8"
            html = response.content.decode()
            assert not FOREIGN_URL.findall(html), page
            found = assets(html)
            assert expected <= {url.rsplit("/", 1)[-1] for _, _, url in found}
            for tag, rel, url in found:
                absolute = urljoin(base_url + page, url)
                assert urlsplit(absolute).netloc == urlsplit(base_url).netloc, url
                asset = wire("GET", absolute)
                assert asset.status_code == 200, url  # was 404: no static files with DEBUG off
                assert asset["Content-Type"].startswith(expected_type(tag, rel)), url
            spec = wire("GET", urljoin(base_url + page, schema_url(html)))
            assert spec.status_code == 200
            assert spec["Content-Type"].startswith("application/vnd.oai.openapi")

        injected = wire("GET", f"{base_url}{SCHEMA}?version=1%0d%0aX-Injected:%201")
        assert injected.status_code == 200
        assert injected["Content-Disposition"] == FILENAME and "X-Injected" not in injected
        for path in DOCS:
            options = wire("OPTIONS", base_url + path)
            assert options.status_code == 200 and options["Allow"] == ALLOW
            assert_contract(wire("POST", base_url + path), 405, "method_not_allowed", debug=False)
