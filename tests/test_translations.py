"""Every text of a response in the client's language: the shipped translations are whole
and current, and real requests with Accept-Language get no English text of ours, with the
same `code`, `param` and `pointer` as in English."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import polib  # type: ignore[import-untyped]
import pytest
from django.test import override_settings

import django_apierrors

from .conftest import basic_auth, post_json
from .testapp import ninja_api

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(django_apierrors.__file__).parent
LOCALE = PACKAGE / "locale"
LOCALES = ["de", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt_BR", "ru", "tr", "uk", "zh_Hans"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")
CODE_NAME = re.compile(r"`[^`]+`")


def po_file(locale: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / locale / "LC_MESSAGES" / "django.po"))


def test_every_locale_is_shipped():
    shipped = sorted(path.name for path in LOCALE.iterdir() if (path / "LC_MESSAGES").is_dir())
    assert shipped == sorted(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated_with_its_placeholders(locale):
    po = po_file(locale)
    assert po.metadata.get("Language") == locale
    assert "fuzzy" not in po.metadata_is_fuzzy
    for entry in po:
        assert entry.translated() and not entry.fuzzy, entry.msgid
        english = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        wanted = set().union(*(PLACEHOLDER.findall(text) for text in english))
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) <= wanted, (entry.msgid, form)
            if not entry.msgid_plural:
                assert sorted(PLACEHOLDER.findall(form)) == sorted(wanted), (entry.msgid, form)
            assert sorted(CODE_NAME.findall(form)) in (
                sorted(CODE_NAME.findall(text)) for text in english
            ), (entry.msgid, form)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalogs_are_current(locale):
    """The .mo files shipped in the wheel hold what the .po sources say."""
    po = po_file(locale)
    mo = polib.mofile(str(LOCALE / locale / "LC_MESSAGES" / "django.mo"))
    compiled = {(entry.msgid, entry.msgid_plural): entry for entry in mo}
    for entry in po:
        other = compiled[(entry.msgid, entry.msgid_plural)]
        assert (other.msgstr, other.msgstr_plural) == (entry.msgstr, entry.msgstr_plural)
    assert len(compiled) == len(po)


def test_makemessages_changes_nothing(tmp_path):
    """The .po files hold every text the package marks for translation, and no other."""
    copy = tmp_path / "django_apierrors"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    command = [sys.executable, "-m", "django", "makemessages", "--no-location", "--no-obsolete"]
    command += [argument for locale in LOCALES for argument in ("-l", locale)]
    done = subprocess.run(
        command,
        cwd=copy,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PYTHONPATH": f"{ROOT}:{ROOT / 'example_project'}",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for locale in LOCALES:
        path = Path("locale") / locale / "LC_MESSAGES" / "django.po"
        ours, theirs = (PACKAGE / path).read_text(), (copy / path).read_text()
        assert _without_dates(ours) == _without_dates(theirs), locale


def _without_dates(text: str) -> list[str]:
    return [line for line in text.splitlines() if "POT-Creation-Date" not in line]


# --- real requests ---------------------------------------------------------------------


def accept(locale: str) -> str:
    return locale.replace("_", "-").lower()


def texts(body: dict[str, Any]) -> list[str]:
    """Every human text of a body: the message, and each entry's (a batch: each item's)."""
    if "results" in body:
        return [text for item in body["results"] if "error" in item for text in texts(item)]
    body = body.get("error", body)
    found = [body["message"]]
    for entry in body.get("errors", []):
        found.append(entry["message"])
        for item_error in entry.get("errors", []):
            found.append(item_error["message"])
    return found


def machine(body: dict[str, Any]) -> Any:
    """What never changes with the language."""
    if "results" in body:
        return [machine(item) for item in body["results"] if "error" in item]
    body = body.get("error", body)
    entries = [
        (e.get("code"), e.get("param"), e.get("pointer"), e.get("index"), e.get("location"))
        for e in body.get("errors", [])
    ]
    return body["code"], body["type"], body["param"], body.get("status"), entries


def requests(client) -> dict[str, Any]:
    return {
        "drf validation": lambda **h: post_json(
            client,
            "/api/orders/",
            {"items": [{"sku": "MUG-1", "quantity": 0}, {"sku": "MUG-1", "quantity": 0}]},
            **basic_auth("carol"),
            **h,
        ),
        # Each error of a type Django has a message for (its catalogs translate them).
        "ninja body validation": lambda **h: post_json(
            client, "/api/test/ninja/inputs", ninja_api.FAILING_INPUTS, **h
        ),
        "ninja path, query and header validation": lambda **h: client.get(
            "/api/test/ninja/items/abc?page=0&size=500", **h
        ),
        "plain typed": lambda **h: client.post("/api/stock/MUG-1/", **h),
        "url 404": lambda **h: client.get("/api/nowhere/", **h),
        "429": lambda **h: [client.get("/api/catalog/search/?q=mug", **h) for _ in range(2)][-1],
        "batch item": lambda **h: post_json(
            client,
            "/api/catalog/batch/",
            {"products": [{"sku": "OK-1", "name": "Fine", "price": "1.00"}, {"sku": "bad sku"}]},
            **basic_auth("sam"),
            **h,
        ),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("locale", LOCALES)
@override_settings(SEARCH_BURST_RATE="1/m", SEARCH_RATE="1/m")
def test_no_english_text_of_ours_in_any_answer(client, customer, staff, mug, locale):
    from django.core.cache import cache

    from shop.models import Product

    for name, send in requests(client).items():
        cache.clear()
        Product.objects.filter(sku="OK-1").delete()
        english = send(HTTP_ACCEPT_LANGUAGE="en")
        cache.clear()
        Product.objects.filter(sku="OK-1").delete()
        translated = send(HTTP_ACCEPT_LANGUAGE=accept(locale))
        assert translated.status_code == english.status_code, (name, english.content)
        assert translated["Content-Language"] == accept(locale), name
        ours, theirs = english.json(), translated.json()
        assert machine(theirs) == machine(ours), name
        for text_en, text_locale in zip(texts(ours), texts(theirs), strict=True):
            assert text_locale != text_en, (name, locale, text_en)


@pytest.mark.django_db
@pytest.mark.parametrize("locale", ["de", "ja"])
def test_the_errors_page_in_a_language(client, locale):
    page = client.get(f"/api/errors/?lang={accept(locale)}&format=json").json()
    english = client.get("/api/errors/?lang=en&format=json").json()
    assert page["language"] == accept(locale)
    assert page["title"] != english["title"]
    assert [s["codes"][0]["code"] for s in page["statuses"]] == [
        s["codes"][0]["code"] for s in english["statuses"]
    ]
    html = client.get(f"/api/errors/?lang={accept(locale)}")
    assert f'<html lang="{accept(locale)}">' in html.content.decode()


def test_apierrors_docs_writes_the_page_in_german(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "errors.md"
    call_command("apierrors_docs", "--language", "de", "--output", str(target))
    page = target.read_text()
    assert page.startswith("# Fehler\n")
    assert "### `not_found`" in page  # codes never change with the language
    english = tmp_path / "en.md"
    call_command("apierrors_docs", "--output", str(english))
    assert english.read_text().startswith("# Errors\n")


def test_a_language_we_do_not_ship_falls_back_to_english(client, db):
    response = client.get("/api/nowhere/", HTTP_ACCEPT_LANGUAGE="eo")
    assert response.json()["message"] == django_apierrors.catalog.get("not_found").message


@pytest.mark.django_db
@pytest.mark.parametrize("locale", LOCALES)
def test_problem_json_title_and_detail_in_the_language(client, locale):
    def problem(language: str) -> dict[str, Any]:
        response = client.get(
            "/api/nowhere/",
            HTTP_ACCEPT="application/problem+json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response["Content-Type"] == "application/problem+json"
        return response.json()

    english, translated = problem("en"), problem(accept(locale))
    assert (english["title"], english["detail"]) == (
        "Not Found",
        "The requested resource was not found.",
    )
    assert translated["title"] != english["title"] and translated["detail"] != english["detail"]
    assert (translated["code"], translated["error_type"]) == (
        english["code"],
        english["error_type"],
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/test/raise/email_taken/", "/api/test/drf/raise/email_taken/"]
)
def test_a_projects_own_code_follows_the_same_rule(client, url):
    """tests/testapp marks EmailTaken's message with gettext_lazy and ships it in German."""
    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de").json()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert german["message"] == "Diese E-Mail-Adresse ist bereits registriert."
    assert english["message"] == "This email address is already registered."
    assert (
        (german["code"], german["param"])
        == (english["code"], english["param"])
        == (
            "email_taken",
            "email",
        )
    )
