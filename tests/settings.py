"""The example project's settings, plus a test app with views that raise every exception
of the translation table, a middleware that can raise inside the middleware chain, and
the third-party apps users combine the package with (djangorestframework-simplejwt and
dj-rest-auth, configured as their docs say)."""

import os

from example_project.settings import *  # noqa: F403
from example_project.settings import DATABASES, INSTALLED_APPS, MIDDLEWARE, REST_FRAMEWORK

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
