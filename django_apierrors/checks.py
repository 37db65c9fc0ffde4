"""System checks: a missing piece of the install or a bad API_ERRORS value is reported
by `manage.py check`, not discovered from an HTML page in production."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.urls import URLResolver
from django.utils.module_loading import import_string

from .catalog import catalog
from .conf import (
    DEFAULTS,
    ENVELOPES,
    FORMATS,
    HEADER_NAME_PATTERN,
    RATELIMIT_HEADER_STYLES,
    SETTING_NAME,
    VALIDATION_STATUSES,
)

MIDDLEWARE_PATH = "django_apierrors.middleware.APIErrorsMiddleware"
SECURITY_MIDDLEWARE_PATH = "django.middleware.security.SecurityMiddleware"
DRF_HANDLER_PATH = "django_apierrors.drf.exception_handler"
DRF_NEGOTIATION_PATH = "django_apierrors.drf.negotiation.ContentNegotiation"
CSRF_VIEW_PATH = "django_apierrors.views.csrf_failure"
ERROR_HANDLERS = (400, 403, 404, 500)
ID = "django_apierrors."


@register(Tags.compatibility)
def check_install(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if MIDDLEWARE_PATH not in middleware:
        messages.append(
            Warning(
                f"{MIDDLEWARE_PATH} is not in MIDDLEWARE.",
                hint="Add it first in MIDDLEWARE (or right after SecurityMiddleware); "
                "without it errors raised by plain Django views are Django's HTML pages "
                "and responses carry no request id.",
                id=ID + "W001",
            )
        )
    else:
        position = middleware.index(MIDDLEWARE_PATH)
        if position > 1 or (position == 1 and middleware[0] != SECURITY_MIDDLEWARE_PATH):
            messages.append(
                Warning(
                    f"{MIDDLEWARE_PATH} is at position {position} of MIDDLEWARE.",
                    hint="Move it first (or right after SecurityMiddleware) so that errors "
                    "from every other middleware are answered as JSON with a request id.",
                    id=ID + "W002",
                )
            )

    if apps.is_installed("rest_framework"):
        drf_settings = getattr(settings, "REST_FRAMEWORK", None) or {}
        handler = drf_settings.get("EXCEPTION_HANDLER")
        if handler != DRF_HANDLER_PATH:
            messages.append(
                Warning(
                    f"REST_FRAMEWORK['EXCEPTION_HANDLER'] is {handler!r}.",
                    hint=f"Set it to {DRF_HANDLER_PATH!r} so DRF views answer like every "
                    "other view.",
                    id=ID + "W003",
                )
            )
        negotiation = drf_settings.get("DEFAULT_CONTENT_NEGOTIATION_CLASS")
        if not _is_our_negotiation(negotiation):
            messages.append(
                Warning(
                    f"REST_FRAMEWORK['DEFAULT_CONTENT_NEGOTIATION_CLASS'] is {negotiation!r}.",
                    hint=f"Set it to {DRF_NEGOTIATION_PATH!r} (or a subclass of it) so that a "
                    "client asking for application/problem+json gets its error, not DRF's "
                    "406.",
                    id=ID + "W008",
                )
            )

    if getattr(settings, "CSRF_FAILURE_VIEW", None) != CSRF_VIEW_PATH:
        messages.append(
            Warning(
                f"CSRF_FAILURE_VIEW is {getattr(settings, 'CSRF_FAILURE_VIEW', None)!r}.",
                hint=f"Set CSRF_FAILURE_VIEW = {CSRF_VIEW_PATH!r} so CSRF failures on API "
                "paths are JSON.",
                id=ID + "W005",
            )
        )
    return messages


def _is_our_negotiation(path: object) -> bool:
    if path == DRF_NEGOTIATION_PATH:
        return True
    try:
        negotiation = import_string(path) if isinstance(path, str) else path
    except ImportError:
        return False
    ours = import_string(DRF_NEGOTIATION_PATH)
    return isinstance(negotiation, type) and issubclass(negotiation, ours)


@register(Tags.urls)
def check_error_handlers(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from django.urls import get_resolver

    from . import views

    messages: list[CheckMessage] = []
    try:
        resolver = get_resolver()
        for status in ERROR_HANDLERS:
            ours = getattr(views, f"handler{status}")
            if resolver.resolve_error_handler(status) is not ours:
                messages.append(
                    Warning(
                        f"handler{status} of the root URLconf is not django-apierrors'.",
                        hint="In the root urls.py: from django_apierrors.views import "
                        "handler400, handler403, handler404, handler500  # noqa: F401",
                        id=ID + "W004",
                    )
                )
    except Exception:  # A broken URLconf is reported by Django's own URL checks.
        return []
    return messages


#: Set on a NinjaAPI by `django_apierrors.ninja.install()`.
NINJA_INSTALLED = "_apierrors_installed"


@register(Tags.urls)
def check_ninja_apis(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every NinjaAPI the root URLconf serves went through `install()`."""
    from django.urls import get_resolver

    try:
        patterns = list(get_resolver().url_patterns)
    except Exception:  # A broken URLconf is reported by Django's own URL checks.
        return []
    ninja = sys.modules.get("ninja")
    if ninja is None:
        return []  # loading the URLconf imported no Ninja: it serves no NinjaAPI
    messages: list[CheckMessage] = []
    for api in _ninja_apis(patterns, ninja.NinjaAPI):
        if not getattr(api, NINJA_INSTALLED, False):
            messages.append(
                Warning(
                    f"The NinjaAPI {api.title!r} (urls namespace {api.urls_namespace!r}) has "
                    "not been through django_apierrors.ninja.install(): its errors answer "
                    "Ninja's own bodies, not the contract.",
                    hint="api = django_apierrors.ninja.install(NinjaAPI(...))",
                    id=ID + "W011",
                )
            )
    return messages


def _ninja_apis(patterns: list[Any], api_class: type) -> list[Any]:
    """The NinjaAPIs among `patterns`, each once: Ninja mounts every API with a root view
    `partial(default_home, api=api)`."""
    found: list[Any] = []
    stack = list(patterns)
    while stack:
        pattern = stack.pop()
        if isinstance(pattern, URLResolver):
            stack.extend(pattern.url_patterns)
            continue
        callback = getattr(pattern, "callback", None)
        api = getattr(callback, "keywords", {}).get("api") if callback is not None else None
        if isinstance(api, api_class) and all(api is not seen for seen in found):
            found.append(api)
    return found


#: Caches whose counters every process shares and increments atomically.
SHARED_CACHES = frozenset(
    {
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.memcached.PyMemcacheCache",
        "django.core.cache.backends.memcached.PyLibMCCache",
        "django_redis.cache.RedisCache",
    }
)
PROCESS_LOCAL_CACHES = frozenset({"django.core.cache.backends.locmem.LocMemCache"})
NON_ATOMIC_CACHES = frozenset(
    {
        "django.core.cache.backends.filebased.FileBasedCache",
        "django.core.cache.backends.db.DatabaseCache",
    }
)
DUMMY_CACHE = "django.core.cache.backends.dummy.DummyCache"
RATELIMIT_CACHE_HINT = (
    "Use Django's own RedisCache (django.core.cache.backends.redis.RedisCache) for the "
    "cache named by RATELIMIT_USE_CACHE."
)


@register(Tags.caches)
def check_ratelimit_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return _ratelimit_cache_messages(deploy=False)


@register(Tags.caches, deploy=True)
def check_ratelimit_cache_deploy(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return _ratelimit_cache_messages(deploy=True)


def _ratelimit_cache_messages(*, deploy: bool) -> list[CheckMessage]:
    if importlib.util.find_spec("django_ratelimit") is None:
        return []  # the `ratelimit` extra is not installed: nothing is rate limited
    alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    caches = getattr(settings, "CACHES", {})
    if alias not in caches:
        if deploy:
            return []  # reported by the plain check already
        return [
            Error(
                f"RATELIMIT_USE_CACHE is {alias!r}, which is not in CACHES.",
                hint=RATELIMIT_CACHE_HINT,
                id=ID + "E004",
            )
        ]
    backend = caches[alias].get("BACKEND", "")
    if backend in SHARED_CACHES:
        return []
    if backend == DUMMY_CACHE and not deploy:
        return [
            Error(
                f"The rate-limit cache {alias!r} is a DummyCache: it stores nothing, so no "
                "rate limit ever triggers.",
                hint=RATELIMIT_CACHE_HINT,
                id=ID + "E005",
            )
        ]
    if backend in NON_ATOMIC_CACHES and not deploy:
        return [
            Warning(
                f"The rate-limit cache {alias!r} ({backend}) does not increment atomically: "
                "concurrent requests lose counts and more than the limit get through.",
                hint=RATELIMIT_CACHE_HINT,
                id=ID + "W007",
            )
        ]
    # Reported once: by the plain check where several processes are evident, otherwise by
    # `check --deploy` (which runs both).
    if backend in PROCESS_LOCAL_CACHES and deploy != _multi_process_server():
        return [
            Warning(
                f"The rate-limit cache {alias!r} is a LocMemCache, which each process keeps "
                "to itself: with several worker processes (gunicorn -w 4, uWSGI processes) "
                "every process counts separately and a client gets the limit once per "
                "process"
                + (
                    "; and an idempotency key retried in another process runs again."
                    if alias == "default"
                    else "."
                ),
                hint=RATELIMIT_CACHE_HINT + " LocMemCache is fine for one process only.",
                id=ID + "W006",
            )
        ]
    return []


def _multi_process_server() -> bool:
    """Whether this looks like a multi-process deployment (checks cannot know for sure)."""
    try:
        if int(os.environ.get("WEB_CONCURRENCY", "1")) > 1:
            return True
    except ValueError:
        pass
    return any(server in sys.modules for server in ("gunicorn", "uwsgi"))


@register(Tags.compatibility)
def check_api_errors_setting(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    value = getattr(settings, SETTING_NAME, None)
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [
            Error(f"{SETTING_NAME} must be a dict, not {type(value).__name__}.", id=ID + "E001")
        ]
    messages: list[CheckMessage] = []
    unknown = sorted(set(value) - set(DEFAULTS))
    if unknown:
        messages.append(
            Error(
                f"{SETTING_NAME} has unknown keys: {', '.join(map(str, unknown))}.",
                hint=f"Known keys: {', '.join(DEFAULTS)}.",
                id=ID + "E002",
            )
        )
    for key, problem in _bad_values(value):
        messages.append(Error(f"{SETTING_NAME}[{key!r}] {problem}", id=ID + "E003"))
    return messages


def _bad_values(value: Mapping[str, Any]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []

    def one_of(key: str, allowed: tuple[Any, ...]) -> None:
        if key in value and value[key] not in allowed:
            problems.append((key, f"is {value[key]!r}; it must be one of {allowed!r}."))

    def of_type(key: str, expected: type | tuple[type, ...], description: str) -> None:
        if key in value and not isinstance(value[key], expected):
            problems.append((key, f"is {value[key]!r}; it must be {description}."))

    one_of("ENVELOPE", ENVELOPES)
    one_of("FORMAT", FORMATS)
    one_of("VALIDATION_STATUS", VALIDATION_STATUSES)
    of_type("DOCS_URL", (str, type(None)), "a URL string or None")
    of_type("TRUST_REQUEST_ID", bool, "True or False")
    of_type("CONVERT_RETURNED_ERRORS", bool, "True or False")
    of_type("RATELIMIT_HEADERS_ON_SUCCESS", bool, "True or False")
    of_type("RATELIMIT_FAIL_OPEN", bool, "True or False")

    header = value.get("REQUEST_ID_HEADER", DEFAULTS["REQUEST_ID_HEADER"])
    if not isinstance(header, str) or not HEADER_NAME_PATTERN.fullmatch(header):
        problems.append(("REQUEST_ID_HEADER", f"is {header!r}; it must be a header name."))

    prefixes = value.get("PATH_PREFIXES")
    if prefixes is not None and (
        isinstance(prefixes, str)
        or not isinstance(prefixes, list | tuple)
        or not all(isinstance(prefix, str) and prefix.startswith("/") for prefix in prefixes)
    ):
        problems.append(
            ("PATH_PREFIXES", f"is {prefixes!r}; it must be None or a list like ['/api/'].")
        )

    styles = value.get("RATELIMIT_HEADER_STYLES", DEFAULTS["RATELIMIT_HEADER_STYLES"])
    if (
        isinstance(styles, str)
        or not isinstance(styles, list | tuple)
        or not set(styles) <= set(RATELIMIT_HEADER_STYLES)
    ):
        problems.append(
            (
                "RATELIMIT_HEADER_STYLES",
                f"is {styles!r}; it must be a list drawn from {RATELIMIT_HEADER_STYLES!r}.",
            )
        )

    exception_map = value.get("EXCEPTION_MAP", {})
    if not isinstance(exception_map, Mapping):
        problems.append(("EXCEPTION_MAP", "must be a dict of {'dotted.Exception': 'code'}."))
    else:
        for path, code in exception_map.items():
            try:
                target = import_string(path) if isinstance(path, str) else path
            except ImportError:
                problems.append(("EXCEPTION_MAP", f"names {path!r}, which cannot be imported."))
                continue
            if not (isinstance(target, type) and issubclass(target, BaseException)):
                problems.append(("EXCEPTION_MAP", f"names {path!r}, which is not an exception."))
            if code not in catalog:
                problems.append(
                    (
                        "EXCEPTION_MAP",
                        f"maps {path!r} to {code!r}, which is not a code in the catalog.",
                    )
                )
    return problems


DJANGO_REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
FAIL_SAFE_CACHE = "django_apierrors.cache.RedisCache"
REDIS_TIMEOUT_OPTIONS = ("socket_connect_timeout", "socket_timeout")
DRF_THROTTLE_SETTINGS = ("DEFAULT_THROTTLE_CLASSES", "DEFAULT_THROTTLE_RATES")


@register(Tags.caches)
def check_cache_timeouts(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A Redis cache of limits, throttles or idempotency keys without socket timeouts lets
    a hung Redis hold every request for redis-py's default (5 s since redis-py 8.0, forever
    before) instead of failing fast."""
    caches = getattr(settings, "CACHES", {})
    aliases = ["default"]  # DRF's throttles and the idempotency keys
    if importlib.util.find_spec("django_ratelimit") is not None:
        aliases.append(getattr(settings, "RATELIMIT_USE_CACHE", "default"))
    messages: list[CheckMessage] = []
    for alias in dict.fromkeys(aliases):
        config = caches.get(alias) or {}
        if not _is_redis_cache(config.get("BACKEND", "")):
            continue
        missing = [name for name in REDIS_TIMEOUT_OPTIONS if not _redis_option(config, name)]
        if missing:
            messages.append(
                Warning(
                    f"The Redis cache {alias!r} has no {' and no '.join(missing)}: a Redis "
                    "that hangs holds each limited or idempotent request for redis-py's "
                    "default (5 s since redis-py 8.0, no timeout at all before).",
                    hint='Set "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": '
                    "0.5} in the cache: a request then waits at most about one second for a "
                    "failing Redis, then passes or answers 503 (RATELIMIT_FAIL_OPEN).",
                    id=ID + "W009",
                )
            )
    return messages


@register(Tags.caches)
def check_drf_throttles_fail_open(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """RATELIMIT_FAIL_OPEN with DRF's own throttles needs a default cache that lets their
    history reads fail open: DRF reads and writes the cache itself."""
    value = getattr(settings, SETTING_NAME, None)
    if not isinstance(value, Mapping) or value.get("RATELIMIT_FAIL_OPEN") is not True:
        return []
    if not apps.is_installed("rest_framework"):
        return []
    drf_settings = getattr(settings, "REST_FRAMEWORK", None) or {}
    if not any(drf_settings.get(name) for name in DRF_THROTTLE_SETTINGS):
        return []
    backend = (getattr(settings, "CACHES", {}).get("default") or {}).get("BACKEND", "")
    if _is_fail_safe_cache(backend) or not (backend in SHARED_CACHES or _is_redis_cache(backend)):
        return []  # fails open already, or a local cache, which does not fail
    return [
        Warning(
            f"RATELIMIT_FAIL_OPEN is on, but DRF's own throttles read and write the default "
            f"cache ({backend}) themselves: when it fails they answer 503, not pass.",
            hint=f"Use BACKEND {FAIL_SAFE_CACHE!r} for the default cache: DRF's throttle "
            "histories then follow RATELIMIT_FAIL_OPEN, every other key fails as before.",
            id=ID + "W010",
        )
    ]


def _is_redis_cache(backend: str) -> bool:
    if backend in (DJANGO_REDIS_CACHE, FAIL_SAFE_CACHE):
        return True
    return _is_subclass(backend, DJANGO_REDIS_CACHE)


def _is_fail_safe_cache(backend: str) -> bool:
    return backend == FAIL_SAFE_CACHE or _is_subclass(backend, FAIL_SAFE_CACHE)


def _is_subclass(path: str, base_path: str) -> bool:
    try:
        backend_class = import_string(path)
        base = import_string(base_path)
    except ImportError:
        return False  # Django reports a backend that cannot be imported
    return isinstance(backend_class, type) and issubclass(backend_class, base)


def _redis_option(config: Mapping[str, Any], name: str) -> bool:
    """Whether the cache sets this redis-py option, in OPTIONS or in its URL's query."""
    if (config.get("OPTIONS") or {}).get(name) is not None:
        return True
    location = config.get("LOCATION") or ""
    servers = location if isinstance(location, list | tuple) else str(location).split(",")
    return bool(servers) and all(
        parse_qs(urlsplit(str(server).strip()).query).get(name) for server in servers
    )
