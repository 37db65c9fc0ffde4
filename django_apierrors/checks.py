"""System checks: a missing piece of the install or a bad API_ERRORS value is reported
by `manage.py check`, not discovered from an HTML page in production.

Every check carries the tag `django_apierrors` (`TAG`), so that

    python manage.py check --tag django_apierrors

runs exactly ours, and also the Django tag of what it looks at (`compatibility`, `urls`,
`caches`), so that `check --tag caches` and the like include them as before. Plain
`manage.py check` runs them all; `check --deploy` adds the deployment-only one.
`register_checks()` registers them; the app's `AppConfig.ready()` calls it (importing this
module registers nothing).

Their ids are django_apierrors.E001-E005 and W001-W011, each written out where the
message is made, so that `grep -r django_apierrors.W004` finds it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning
from django.core.checks.registry import CheckRegistry
from django.core.checks.registry import registry as default_registry
from django.urls import URLResolver
from django.utils.module_loading import import_string

from .catalog import catalog
from .conf import (
    DEFAULTS,
    ENVELOPES,
    FORMATS,
    RATELIMIT_HEADER_STYLES,
    SETTING_NAME,
    VALIDATION_STATUSES,
    is_header_name,
)

MIDDLEWARE_PATH = "django_apierrors.middleware.APIErrorsMiddleware"
SECURITY_MIDDLEWARE_PATH = "django.middleware.security.SecurityMiddleware"
DRF_HANDLER_PATH = "django_apierrors.drf.exception_handler"
DRF_NEGOTIATION_PATH = "django_apierrors.drf.negotiation.ContentNegotiation"
CSRF_VIEW_PATH = "django_apierrors.views.csrf_failure"
ERROR_HANDLERS = (400, 403, 404, 500)
#: The tag of all our checks: `manage.py check --tag django_apierrors`.
TAG = "django_apierrors"


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
                id="django_apierrors.W001",
            )
        )
    else:
        position = middleware.index(MIDDLEWARE_PATH)
        before = [path for path in middleware[:position] if path != SECURITY_MIDDLEWARE_PATH]
        if before:
            messages.append(
                Warning(
                    f"{MIDDLEWARE_PATH} comes after {', '.join(before)} in MIDDLEWARE: errors "
                    "raised there are not answered as JSON and carry no request id.",
                    hint="Move it first (or right after SecurityMiddleware).",
                    id="django_apierrors.W002",
                )
            )

    if apps.is_installed("rest_framework"):
        configured = getattr(settings, "REST_FRAMEWORK", None)
        drf_settings = configured if isinstance(configured, Mapping) else {}
        handler = drf_settings.get("EXCEPTION_HANDLER")
        if handler != DRF_HANDLER_PATH:
            messages.append(
                Warning(
                    _drf_setting_problem(
                        configured,
                        "EXCEPTION_HANDLER",
                        "its own handler (rest_framework.views.exception_handler)",
                    )
                    + ": errors of DRF views are not answered by the contract.",
                    hint=f"Set it to {DRF_HANDLER_PATH!r} so DRF views answer like every "
                    "other view.",
                    id="django_apierrors.W003",
                )
            )
        negotiation = drf_settings.get("DEFAULT_CONTENT_NEGOTIATION_CLASS")
        if not _is_our_negotiation(negotiation):
            messages.append(
                Warning(
                    _drf_setting_problem(
                        configured,
                        "DEFAULT_CONTENT_NEGOTIATION_CLASS",
                        "its DefaultContentNegotiation",
                        _negotiation_problem(negotiation),
                    )
                    + ": a client asking for application/problem+json gets DRF's 406, not "
                    "its error.",
                    hint=f"Set it to {DRF_NEGOTIATION_PATH!r} (or a subclass of it).",
                    id="django_apierrors.W008",
                )
            )

    csrf_view = getattr(settings, "CSRF_FAILURE_VIEW", None)
    if csrf_view != CSRF_VIEW_PATH:
        messages.append(
            Warning(
                f"CSRF_FAILURE_VIEW is {csrf_view!r}, not {CSRF_VIEW_PATH!r}: CSRF failures "
                "on API paths are answered with "
                + ("Django's HTML page." if csrf_view == DJANGO_CSRF_VIEW else "that view."),
                hint=f"Set CSRF_FAILURE_VIEW = {CSRF_VIEW_PATH!r} so CSRF failures on API "
                "paths are JSON.",
                id="django_apierrors.W005",
            )
        )
    return messages


DJANGO_CSRF_VIEW = "django.views.csrf.csrf_failure"


def _drf_setting_problem(
    configured: object, key: str, default: str, wrong_value: str | None = None
) -> str:
    """What is wrong with REST_FRAMEWORK[key], said of what is there (or is not)."""
    name = f"REST_FRAMEWORK[{key!r}]"
    if configured is None:
        return f"REST_FRAMEWORK is not set, so {name} is not set either and DRF uses {default}"
    if not isinstance(configured, Mapping):
        return f"REST_FRAMEWORK is a {type(configured).__name__}, not a dict, so {name} is not set"
    if key not in configured:
        return f"{name} is not set, so DRF uses {default}"
    value = configured[key]
    if value is None:
        return f"{name} is None"
    return f"{name} is {value!r}" + (f", {wrong_value}" if wrong_value else "")


def _negotiation_problem(path: object) -> str:
    try:
        import_string(path) if isinstance(path, str) else path
    except ImportError:
        return "which cannot be imported"
    return f"which is not {DRF_NEGOTIATION_PATH} or a subclass of it"


def _is_our_negotiation(path: object) -> bool:
    if path == DRF_NEGOTIATION_PATH:
        return True
    try:
        negotiation = import_string(path) if isinstance(path, str) else path
    except ImportError:
        return False
    ours = import_string(DRF_NEGOTIATION_PATH)
    return isinstance(negotiation, type) and issubclass(negotiation, ours)


def check_error_handlers(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from django.urls import get_resolver

    from . import views

    messages: list[CheckMessage] = []
    try:
        resolver = get_resolver()
        for status in ERROR_HANDLERS:
            ours = getattr(views, f"handler{status}")
            handler = resolver.resolve_error_handler(status)
            if handler is not ours:
                messages.append(
                    Warning(
                        f"handler{status} of the root URLconf ({_urlconf_name()}) is "
                        f"{_callable_name(handler)}, not django_apierrors.views.handler{status}.",
                        hint="In the root urls.py: from django_apierrors.views import "
                        "handler400, handler403, handler404, handler500  # noqa: F401",
                        id="django_apierrors.W004",
                    )
                )
    except Exception:  # A broken URLconf is reported by Django's own URL checks.
        return []
    return messages


def _urlconf_name() -> str:
    urlconf = getattr(settings, "ROOT_URLCONF", None)
    return urlconf if isinstance(urlconf, str) else getattr(urlconf, "__name__", repr(urlconf))


def _callable_name(function: Any) -> str:
    """`module.qualname` of a view, or Django's default when it is one."""
    name = getattr(function, "__qualname__", None) or type(function).__qualname__
    module = getattr(function, "__module__", None)
    return f"{module}.{name}" if module else name


#: Set on a NinjaAPI by `django_apierrors.ninja.install()`.
NINJA_INSTALLED = "_apierrors_installed"


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
                    id="django_apierrors.W011",
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


def check_ratelimit_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return _ratelimit_cache_messages(deploy=False)


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
                id="django_apierrors.E004",
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
                id="django_apierrors.E005",
            )
        ]
    if backend in NON_ATOMIC_CACHES and not deploy:
        return [
            Warning(
                f"The rate-limit cache {alias!r} ({backend}) does not increment atomically: "
                "concurrent requests lose counts and more than the limit get through.",
                hint=RATELIMIT_CACHE_HINT,
                id="django_apierrors.W007",
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
                id="django_apierrors.W006",
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


def check_api_errors_setting(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    value = getattr(settings, SETTING_NAME, None)
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [
            Error(
                f"{SETTING_NAME} is a {type(value).__name__}; it must be a dict.",
                id="django_apierrors.E001",
            )
        ]
    messages: list[CheckMessage] = []
    unknown = sorted(set(value) - set(DEFAULTS))
    if unknown:
        messages.append(
            Error(
                f"{SETTING_NAME} has unknown keys: {', '.join(map(str, unknown))}.",
                hint=f"Known keys: {', '.join(DEFAULTS)}.",
                id="django_apierrors.E002",
            )
        )
    for key, problem in _bad_values(value):
        messages.append(Error(f"{SETTING_NAME}[{key!r}] {problem}", id="django_apierrors.E003"))
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
    if not is_header_name(header):
        problems.append(
            (
                "REQUEST_ID_HEADER",
                f"is {header!r}; it must be a header name (a letter, then letters, digits "
                "and hyphens).",
            )
        )

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
        or not all(isinstance(style, str) and style in RATELIMIT_HEADER_STYLES for style in styles)
    ):
        problems.append(
            (
                "RATELIMIT_HEADER_STYLES",
                f"is {styles!r}; it must be a list drawn from {RATELIMIT_HEADER_STYLES!r}.",
            )
        )

    exception_map = value.get("EXCEPTION_MAP", {})
    if not isinstance(exception_map, Mapping):
        problems.append(
            (
                "EXCEPTION_MAP",
                f"is a {type(exception_map).__name__}; it must be a dict of "
                "{'dotted.path.Exception': 'code'}.",
            )
        )
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
                    id="django_apierrors.W009",
                )
            )
    return messages


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
            id="django_apierrors.W010",
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


#: Every check: (function, the Django tag of what it looks at, whether only with --deploy).
CHECKS: tuple[tuple[Any, str, bool], ...] = (
    (check_install, Tags.compatibility, False),
    (check_api_errors_setting, Tags.compatibility, False),
    (check_error_handlers, Tags.urls, False),
    (check_ninja_apis, Tags.urls, False),
    (check_ratelimit_cache, Tags.caches, False),
    (check_ratelimit_cache_deploy, Tags.caches, True),
    (check_cache_timeouts, Tags.caches, False),
    (check_drf_throttles_fail_open, Tags.caches, False),
)


def register_checks(registry: CheckRegistry | None = None) -> None:
    """Register every check under `TAG` and its Django tag (in Django's registry unless
    another is given). Registering again changes nothing: a registry holds a set."""
    target = default_registry if registry is None else registry
    for check, tag, deploy in CHECKS:
        target.register(check, tag, TAG, deploy=deploy)
