"""Settings of the example shop API.

Runs with nothing but Python: SQLite and LocMemCache by default. DATABASE_URL switches
to PostgreSQL (e.g. postgres://postgres@127.0.0.1:5432/test), REDIS_URL to Django's
RedisCache.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-a-secret")
# Production-shaped answers by default; DJANGO_DEBUG=1 (`DEBUG=1 make run`) turns DEBUG on.
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "whitenoise.runserver_nostatic",  # runserver serves static files as WhiteNoise does
    "django.contrib.staticfiles",  # finds the sidecar's Swagger UI and Redoc files
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_apierrors",
    "shop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_apierrors.middleware.APIErrorsMiddleware",
    # Static files (the sidecar's Swagger UI and Redoc assets) with DEBUG off too. WhiteNoise
    # asks for the place right after SecurityMiddleware, before every other middleware; it
    # answers only files under STATIC_URL, so it sits right after APIErrorsMiddleware, which
    # keeps that place (check W002) and still sees every API request first.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The client's language (Accept-Language) for every text of every response.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shop.middleware.MaintenanceModeMiddleware",
]

ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"
ASGI_APPLICATION = "example_project.asgi.application"
CSRF_FAILURE_VIEW = "django_apierrors.views.csrf_failure"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
else:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "db.sqlite3")}
    }
# Every request runs in a transaction; an error rolls back everything the request wrote.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("REDIS_URL"):
    # Django's own RedisCache, with DRF's throttle histories following RATELIMIT_FAIL_OPEN:
    # rate-limit counters, throttle histories and idempotency records shared by every worker.
    REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "0.5"))
    CACHES = {
        "default": {
            "BACKEND": "django_apierrors.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            # A hung Redis must not hang requests: fail fast, then fail open or closed.
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RATELIMIT_USE_CACHE = "default"
RATELIMIT_CACHE_PREFIX = os.environ.get("RATELIMIT_CACHE_PREFIX", "rl:")

# Rate limits of the shop (django-ratelimit's "count/period" format).
SEARCH_RATE = os.environ.get("SEARCH_RATE", "60/m")
SEARCH_BURST_RATE = os.environ.get("SEARCH_BURST_RATE", "10/s")
STOCK_RATE = os.environ.get("STOCK_RATE", "120/m")
CATALOG_READ_RATE = os.environ.get("CATALOG_READ_RATE", "300/m")

STATIC_URL = "/static/"
# WhiteNoise serves the installed apps' static files from where they are (no collectstatic
# step for the example); a deployment sets STATIC_ROOT, runs collectstatic, and drops this.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"

# Small on purpose, so that a real request can show the 413 answer.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "django_apierrors.drf.exception_handler",
    # Accept: application/problem+json answers errors as RFC 9457, successes as JSON.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "django_apierrors.drf.negotiation.ContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "django_apierrors.drf.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.BasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_RATES": {"orders": os.environ.get("ORDERS_RATE", "10/minute")},
    "LIST_SERIALIZER_ERRORS_AS_DICT": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Example shop API",
    "DESCRIPTION": "Every error answers with the body documented at /api/errors/.",
    "VERSION": "1.0.0",
    # Swagger UI and Redoc from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge image from validator.swagger.io: the page loads nothing from another host.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
}

API_ERRORS = {
    "PATH_PREFIXES": ["/api/"],
    # "error" wraps bodies as {"error": {...}}, the shape OpenAI-style clients read.
    "ENVELOPE": os.environ.get("API_ERRORS_ENVELOPE") or None,
    "DOCS_URL": os.environ.get("API_ERRORS_DOCS_URL") or None,
    "RATELIMIT_FAIL_OPEN": os.environ.get("RATELIMIT_FAIL_OPEN") == "1",
    "RATELIMIT_HEADER_STYLES": os.environ.get("RATELIMIT_HEADER_STYLES", "x-ratelimit").split(","),
}

# The carrier API behind /api/shipping/quote/ (unset: the endpoint is misconfigured).
SHIPPING_API_URL = os.environ.get("SHIPPING_API_URL", "")
SHIPPING_API_TIMEOUT = float(os.environ.get("SHIPPING_API_TIMEOUT", "3"))
MAINTENANCE_MODE = os.environ.get("MAINTENANCE_MODE") == "1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_apierrors.log.RequestIDFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
}
