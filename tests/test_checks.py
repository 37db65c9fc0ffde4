"""System checks report every missing piece of the install and every bad setting."""

import pytest
from django.core import checks
from django.core.management import call_command
from django.test import override_settings

from django_apierrors.checks import check_api_errors_setting, check_error_handlers, check_install
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
        assert ids(check_api_errors_setting()) == ["django_apierrors.E001"]


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
