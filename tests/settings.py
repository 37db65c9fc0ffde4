"""The example project's settings, plus a test app with views that raise every exception
of the translation table, a middleware that can raise inside the middleware chain, and
the third-party apps users combine the package with (djangorestframework-simplejwt and
dj-rest-auth, configured as their docs say)."""

import os
import urllib.parse


def _redis_url_of_this_worker() -> None:
    """`make test` runs most of the suite on pytest-xdist workers. pytest-django gives each
    a PostgreSQL test database of its own; this gives each the Redis database after
    REDIS_URL's by its number (gw0: +1, gw1: +2), so that one worker's FLUSHDB or counters
    never meet another's. Servers a worker starts inherit the URL, rewritten once."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("REDIS_URL", "")
    if not (worker.startswith("gw") and url) or os.environ.get("APIERRORS_REDIS_WORKER") == worker:
        return
    parts = urllib.parse.urlsplit(url)
    database = int(parts.path.strip("/") or 0) + 1 + int(worker[2:])
    if database > 15:
        raise RuntimeError(
            f"REDIS_URL {url!r} leaves no Redis database for xdist worker {worker} "
            "(a Redis server has 16): use a lower database number or fewer workers"
        )
    os.environ["REDIS_URL"] = parts._replace(path=f"/{database}").geturl()
    os.environ["APIERRORS_REDIS_WORKER"] = worker


_redis_url_of_this_worker()

from example_project.settings import *  # noqa: E402, F403
from example_project.settings import (  # noqa: E402
    DATABASES,
    INSTALLED_APPS,
    MIDDLEWARE,
    REST_FRAMEWORK,
)

INSTALLED_APPS = [
    *INSTALLED_APPS,
    "tests.testapp",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "dj_rest_auth",
]
MIDDLEWARE = [*MIDDLEWARE, "tests.testapp.middleware.RaisingMiddleware"]
ROOT_URLCONF = "tests.urls"
# Two runs of the suite side by side on one PostgreSQL (`make -j2 test-compat`) each name a
# test database of their own.
if os.environ.get("APIERRORS_TEST_DATABASE"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["APIERRORS_TEST_DATABASE"]}
DEBUG = False
SHIPPING_API_URL = ""
MAINTENANCE_MODE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_AUTHENTICATION_CLASSES": [  # the example's, then simplejwt's
        "rest_framework.authentication.BasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
}
# dj-rest-auth with JWTs from simplejwt, refresh tokens blacklisted on logout.
REST_AUTH = {
    "USE_JWT": True,
    "TOKEN_MODEL": None,
    "SESSION_LOGIN": False,
    "JWT_AUTH_COOKIE": "access",
    "JWT_AUTH_REFRESH_COOKIE": "refresh",
    "JWT_AUTH_HTTPONLY": False,
}
# A key of the length simplejwt's HMAC wants (the example's SECRET_KEY is shorter).
SIMPLE_JWT = {"SIGNING_KEY": "tests-only-signing-key-of-at-least-32-bytes"}
