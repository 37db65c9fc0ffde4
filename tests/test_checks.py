"""System checks report every missing piece of the install and every bad setting; they
carry a tag of their own and are registered by the app's ready()."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.checks.registry import CheckRegistry
from django.core.management import call_command
from django.test import override_settings

import django_apierrors.checks as checks_module
from django_apierrors.checks import (
    CHECKS,
    TAG,
    check_api_errors_setting,
    check_error_handlers,
    check_install,
    register_checks,
)
from django_apierrors.drf.negotiation import ContentNegotiation

MIDDLEWARE = "django_apierrors.middleware.APIErrorsMiddleware"
SECURITY = "django.middleware.security.SecurityMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"


def ids(messages):
    return [message.id for message in messages]


def test_example_and_test_settings_are_clean():
    call_command("check", fail_level="WARNING")


@pytest.mark.parametrize(
    ("middleware", "expected"),
    [
        ([MIDDLEWARE, COMMON], []),
        ([SECURITY, MIDDLEWARE, COMMON], []),
        ([COMMON, MIDDLEWARE], ["django_apierrors.W002"]),
        ([SECURITY, COMMON, MIDDLEWARE], ["django_apierrors.W002"]),
        ([SECURITY, COMMON], ["django_apierrors.W001"]),
    ],
)
def test_middleware_presence_and_position(middleware, expected):
    with override_settings(MIDDLEWARE=middleware):
        assert ids(check_install()) == expected


def test_drf_handler_not_ours():
    with override_settings(REST_FRAMEWORK={}):
        assert ids(check_install()) == ["django_apierrors.W003", "django_apierrors.W008"]


def test_w003_and_w008_say_the_setting_is_not_set_when_rest_framework_is_absent():
    with override_settings(REST_FRAMEWORK={}):
        del settings.REST_FRAMEWORK
        handler, negotiation = check_install()
    assert handler.id == "django_apierrors.W003"
    assert handler.msg.startswith(
        "REST_FRAMEWORK is not set, so REST_FRAMEWORK['EXCEPTION_HANDLER'] is not set"
    )
    assert "rest_framework.views.exception_handler" in handler.msg
    assert negotiation.id == "django_apierrors.W008"
    assert "DEFAULT_CONTENT_NEGOTIATION_CLASS'] is not set" in negotiation.msg
    for message in (handler, negotiation):
        assert "None" not in message.msg


@pytest.mark.parametrize(
    ("drf_settings", "says"),
    [
        ({}, "REST_FRAMEWORK['EXCEPTION_HANDLER'] is not set, so DRF uses its own handler"),
        ({"EXCEPTION_HANDLER": None}, "REST_FRAMEWORK['EXCEPTION_HANDLER'] is None:"),
        (
            {"EXCEPTION_HANDLER": "rest_framework.views.exception_handler"},
            "REST_FRAMEWORK['EXCEPTION_HANDLER'] is 'rest_framework.views.exception_handler':",
        ),
    ],
    ids=["key-absent", "none", "drf-default"],
)
def test_w003_names_what_is_there(drf_settings, says):
    with override_settings(REST_FRAMEWORK=drf_settings):
        message = check_install()[0]
    assert message.id == "django_apierrors.W003"
    assert message.msg.startswith(says), message.msg
    assert "not answered by the contract" in message.msg


@pytest.mark.parametrize(
    ("negotiation", "says"),
    [
        ("no.such.Negotiation", "is 'no.such.Negotiation', which cannot be imported"),
        (
            "rest_framework.negotiation.DefaultContentNegotiation",
            "which is not django_apierrors.drf.negotiation.ContentNegotiation or a subclass",
        ),
    ],
)
def test_w008_says_why_the_class_is_not_ours(negotiation, says):
    drf_settings = {
        "EXCEPTION_HANDLER": "django_apierrors.drf.exception_handler",
        "DEFAULT_CONTENT_NEGOTIATION_CLASS": negotiation,
    }
    with override_settings(REST_FRAMEWORK=drf_settings):
        (message,) = check_install()
    assert says in message.msg
    assert "406" in message.msg


def test_w002_names_the_middleware_in_front():
    with override_settings(MIDDLEWARE=[SECURITY, COMMON, MIDDLEWARE]):
        (message,) = check_install()
    assert message.msg.startswith(f"{MIDDLEWARE} comes after {COMMON} in MIDDLEWARE")
    assert SECURITY not in message.msg  # it may come first


def test_w005_names_the_view_in_use():
    with override_settings(CSRF_FAILURE_VIEW="django.views.csrf.csrf_failure"):
        (message,) = check_install()
    assert "CSRF_FAILURE_VIEW is 'django.views.csrf.csrf_failure'" in message.msg
    assert "Django's HTML page" in message.msg


class ProjectNegotiation(ContentNegotiation):
    """A project's own negotiation class, built on ours."""


@pytest.mark.parametrize(
    ("negotiation", "expected"),
    [
        ("django_apierrors.drf.negotiation.ContentNegotiation", []),
        ("tests.test_checks.ProjectNegotiation", []),
        ("rest_framework.negotiation.DefaultContentNegotiation", ["django_apierrors.W008"]),
        ("no.such.Negotiation", ["django_apierrors.W008"]),
    ],
)
def test_drf_negotiation_class(negotiation, expected):
    drf_settings = {
        "EXCEPTION_HANDLER": "django_apierrors.drf.exception_handler",
        "DEFAULT_CONTENT_NEGOTIATION_CLASS": negotiation,
    }
    with override_settings(REST_FRAMEWORK=drf_settings):
        assert ids(check_install()) == expected


def test_csrf_failure_view_not_ours():
    with override_settings(CSRF_FAILURE_VIEW="django.views.csrf.csrf_failure"):
        assert ids(check_install()) == ["django_apierrors.W005"]


def test_missing_error_handlers():
    with override_settings(ROOT_URLCONF="tests.urls_without_handlers"):
        messages = check_error_handlers()
    assert ids(messages) == ["django_apierrors.W004"] * 4
    assert "handler404" in messages[2].msg
    assert messages[2].msg == (
        "handler404 of the root URLconf (tests.urls_without_handlers) is "
        "django.views.defaults.page_not_found, not django_apierrors.views.handler404."
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"ENVELOP": "error"}, "unknown keys: ENVELOP"),
        ({"ENVELOPE": "data"}, "ENVELOPE"),
        ({"FORMAT": "xml"}, "FORMAT"),
        ({"VALIDATION_STATUS": 418}, "VALIDATION_STATUS"),
        ({"DOCS_URL": 5}, "DOCS_URL"),
        ({"REQUEST_ID_HEADER": "X Request"}, "REQUEST_ID_HEADER"),
        ({"TRUST_REQUEST_ID": "yes"}, "TRUST_REQUEST_ID"),
        ({"CONVERT_RETURNED_ERRORS": 1}, "CONVERT_RETURNED_ERRORS"),
        ({"PATH_PREFIXES": "/api/"}, "PATH_PREFIXES"),
        ({"PATH_PREFIXES": ["api/"]}, "PATH_PREFIXES"),
        ({"RATELIMIT_HEADER_STYLES": ["draft-7"]}, "RATELIMIT_HEADER_STYLES"),
        ({"RATELIMIT_FAIL_OPEN": 1}, "RATELIMIT_FAIL_OPEN"),
        ({"EXCEPTION_MAP": {"no.such.Error": "not_found"}}, "cannot be imported"),
        ({"EXCEPTION_MAP": {"builtins.KeyError": "no_such_code"}}, "not a code"),
        ({"EXCEPTION_MAP": {"django.conf.settings": "not_found"}}, "not an exception"),
        ({"EXCEPTION_MAP": ["builtins.KeyError"]}, "EXCEPTION_MAP"),
    ],
)
def test_bad_api_errors_values(value, problem):
    with override_settings(API_ERRORS=value):
        messages = check_api_errors_setting()
    assert len(messages) == 1
    assert messages[0].level == checks.ERROR
    assert problem in messages[0].msg


def test_api_errors_must_be_a_dict():
    with override_settings(API_ERRORS=["ENVELOPE"]):
        (message,) = check_api_errors_setting()
    assert message.id == "django_apierrors.E001"
    assert message.msg == "API_ERRORS is a list; it must be a dict."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"EXCEPTION_MAP": ["builtins.KeyError"]},
            "API_ERRORS['EXCEPTION_MAP'] is a list; it must be a dict of "
            "{'dotted.path.Exception': 'code'}.",
        ),
        (
            {"RATELIMIT_HEADER_STYLES": [["ietf"]]},
            "API_ERRORS['RATELIMIT_HEADER_STYLES'] is [['ietf']]; it must be a list drawn "
            "from ('x-ratelimit', 'ietf').",
        ),
        (
            {"REQUEST_ID_HEADER": None},
            "API_ERRORS['REQUEST_ID_HEADER'] is None; it must be a header name (a letter, "
            "then letters, digits and hyphens).",
        ),
    ],
)
def test_e003_messages_say_what_the_value_is(value, message):
    with override_settings(API_ERRORS=value):
        (error,) = check_api_errors_setting()
    assert error.msg == message


def test_good_api_errors_values():
    good = {
        "ENVELOPE": "error",
        "FORMAT": "problem",
        "VALIDATION_STATUS": 422,
        "DOCS_URL": "https://x/errors",
        "REQUEST_ID_HEADER": "X-Trace-Id",
        "TRUST_REQUEST_ID": False,
        "EXCEPTION_MAP": {"builtins.KeyError": "not_found"},
        "PATH_PREFIXES": ["/api/", "/v2/"],
        "RATELIMIT_HEADER_STYLES": ["x-ratelimit", "ietf"],
        "RATELIMIT_HEADERS_ON_SUCCESS": False,
        "RATELIMIT_FAIL_OPEN": True,
        "CONVERT_RETURNED_ERRORS": False,
    }
    with override_settings(API_ERRORS=good):
        assert check_api_errors_setting() == []


LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.parametrize(
    ("backend", "plain", "deploy"),
    [
        ("django.core.cache.backends.redis.RedisCache", [], []),
        ("django.core.cache.backends.memcached.PyMemcacheCache", [], []),
        ("django.core.cache.backends.locmem.LocMemCache", [], ["django_apierrors.W006"]),
        ("django.core.cache.backends.filebased.FileBasedCache", ["django_apierrors.W007"], []),
        ("django.core.cache.backends.db.DatabaseCache", ["django_apierrors.W007"], []),
        ("django.core.cache.backends.dummy.DummyCache", ["django_apierrors.E005"], []),
    ],
)
def test_ratelimit_cache(monkeypatch, backend, plain, deploy):
    from django_apierrors.checks import check_ratelimit_cache, check_ratelimit_cache_deploy

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    with override_settings(CACHES={"default": {"BACKEND": backend, "LOCATION": "x"}}):
        assert ids(check_ratelimit_cache()) == plain
        assert ids(check_ratelimit_cache_deploy()) == deploy


def test_locmem_with_several_processes_warns_once(monkeypatch):
    from django_apierrors.checks import check_ratelimit_cache, check_ratelimit_cache_deploy

    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    with override_settings(CACHES=LOCMEM):
        messages = check_ratelimit_cache()
        assert ids(messages) == ["django_apierrors.W006"]
        assert "once per process" in messages[0].msg
        assert "idempotency key retried in another process runs again" in messages[0].msg
        assert check_ratelimit_cache_deploy() == []


def test_ratelimit_cache_alias_must_exist():
    from django_apierrors.checks import check_ratelimit_cache

    with override_settings(CACHES=LOCMEM, RATELIMIT_USE_CACHE="limits"):
        assert ids(check_ratelimit_cache()) == ["django_apierrors.E004"]


DJANGO_REDIS = "django.core.cache.backends.redis.RedisCache"
OURS = "django_apierrors.cache.RedisCache"
TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


@pytest.mark.parametrize(
    ("cache", "expected"),
    [
        ({"BACKEND": DJANGO_REDIS, "LOCATION": "redis://r/0", "OPTIONS": TIMEOUTS}, []),
        ({"BACKEND": OURS, "LOCATION": "redis://r/0", "OPTIONS": TIMEOUTS}, []),
        (
            {
                "BACKEND": DJANGO_REDIS,
                "LOCATION": "redis://r/0?socket_timeout=0.5&socket_connect_timeout=0.5",
            },
            [],
        ),
        ({"BACKEND": DJANGO_REDIS, "LOCATION": "redis://r/0"}, ["django_apierrors.W009"]),
        ({"BACKEND": OURS, "LOCATION": "redis://r/0"}, ["django_apierrors.W009"]),
        (
            {"BACKEND": DJANGO_REDIS, "LOCATION": "redis://r/0", "OPTIONS": {"socket_timeout": 1}},
            ["django_apierrors.W009"],
        ),
        ({"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}, []),
    ],
    ids=["options", "ours", "url-query", "none", "ours-none", "no-connect-timeout", "locmem"],
)
def test_redis_cache_without_socket_timeouts(cache, expected):
    from django_apierrors.checks import check_cache_timeouts

    with override_settings(CACHES={"default": cache}):
        messages = check_cache_timeouts()
    assert ids(messages) == expected
    if expected and "OPTIONS" in cache:
        assert "socket_connect_timeout" in messages[0].msg
        assert "no socket_timeout" not in messages[0].msg


def test_rate_limit_cache_without_socket_timeouts():
    from django_apierrors.checks import check_cache_timeouts

    caches = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "limits": {"BACKEND": DJANGO_REDIS, "LOCATION": "redis://r/0"},
    }
    with override_settings(CACHES=caches, RATELIMIT_USE_CACHE="limits"):
        messages = check_cache_timeouts()
    assert ids(messages) == ["django_apierrors.W009"]
    assert "'limits'" in messages[0].msg


THROTTLED = {"DEFAULT_THROTTLE_RATES": {"orders": "10/minute"}}


@pytest.mark.parametrize(
    ("backend", "fail_open", "drf", "expected"),
    [
        (DJANGO_REDIS, True, THROTTLED, ["django_apierrors.W010"]),
        (
            "django.core.cache.backends.memcached.PyMemcacheCache",
            True,
            THROTTLED,
            ["django_apierrors.W010"],
        ),
        (OURS, True, THROTTLED, []),
        (DJANGO_REDIS, False, THROTTLED, []),
        (DJANGO_REDIS, True, {}, []),
        ("django.core.cache.backends.locmem.LocMemCache", True, THROTTLED, []),
    ],
    ids=["redis", "memcached", "ours", "fail-closed", "no-drf-throttles", "locmem"],
)
def test_drf_throttles_cannot_fail_open_on_a_plain_redis_cache(backend, fail_open, drf, expected):
    from django_apierrors.checks import check_drf_throttles_fail_open

    drf_settings = {"EXCEPTION_HANDLER": "django_apierrors.drf.exception_handler", **drf}
    with override_settings(
        CACHES={"default": {"BACKEND": backend, "LOCATION": "redis://r/0", "OPTIONS": TIMEOUTS}},
        API_ERRORS={"RATELIMIT_FAIL_OPEN": fail_open},
        REST_FRAMEWORK=drf_settings,
    ):
        assert ids(check_drf_throttles_fail_open()) == expected


# --- ids, tag and registration ---------------------------------------------------------

CHECKS_SOURCE = Path(checks_module.__file__).read_text()
ALL_IDS = {f"django_apierrors.E00{n}" for n in range(1, 6)} | {
    f"django_apierrors.W0{n:02}" for n in range(1, 12)
}


def test_every_id_is_written_out_in_the_source():
    written = re.findall(r'\bid="(django_apierrors\.[EW]\d{3})"', CHECKS_SOURCE)
    assert set(written) == ALL_IDS
    # Every `id=` of a message is such a literal: none is built at run time.
    assert len(re.findall(r"\bid=", CHECKS_SOURCE)) == len(written)


OUR_CHECKS = {check for check, *_ in CHECKS}


def tagged(tag, *, deploy=True, registry=checks.registry.registry):
    """The checks `manage.py check [--deploy] --tag <tag>` runs (as run_checks selects)."""
    found = registry.get_checks(include_deployment_checks=deploy)
    return {check for check in found if tag in check.tags}


def test_our_tag_selects_exactly_our_checks():
    assert tagged(TAG) == OUR_CHECKS
    assert TAG in checks.registry.registry.tags_available(deployment_checks=True)


@pytest.mark.parametrize(
    ("check", "tag", "deploy"), CHECKS, ids=[check.__name__ for check, *_ in CHECKS]
)
def test_each_check_also_keeps_its_django_tag(check, tag, deploy):
    assert check in tagged(tag, deploy=deploy)
    plain = checks.registry.registry.get_checks(include_deployment_checks=False)
    assert (check in plain) is not deploy  # plain `manage.py check` runs all but one
    assert set(check.tags) == {tag, TAG}


def test_check_tag_django_apierrors_runs_ours_only(capsys):
    with override_settings(CSRF_FAILURE_VIEW="django.views.csrf.csrf_failure"):
        messages = checks.run_checks(tags=[TAG], include_deployment_checks=True)
        call_command("check", "--tag", TAG)
    assert messages
    assert {(message.id or "").split(".")[0] for message in messages} == {"django_apierrors"}
    assert "django_apierrors.W005" in ids(messages)
    assert "django_apierrors.W005" in capsys.readouterr().err


def test_ready_registers_them():
    registry = CheckRegistry()
    original = checks_module.default_registry
    checks_module.default_registry = registry
    try:
        apps.get_app_config("django_apierrors").ready()
    finally:
        checks_module.default_registry = original
    assert tagged(TAG, registry=registry) == OUR_CHECKS


def test_registering_twice_changes_nothing():
    registry = CheckRegistry()
    register_checks(registry)
    once = registry.get_checks(include_deployment_checks=True)
    register_checks(registry)
    assert registry.get_checks(include_deployment_checks=True) == once
    assert len(once) == len(CHECKS)


def test_importing_the_module_registers_nothing():
    """Without django.setup() (so without ready()), importing the checks adds none."""
    code = (
        "from django.conf import settings; settings.configure(); "
        "import django_apierrors.checks as c; "
        "from django.core.checks.registry import registry; "
        "ours = [f for f in registry.get_checks(include_deployment_checks=True) "
        "if f.__module__ == c.__name__]; "
        "assert ours == [], ours; print('none')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "none"
