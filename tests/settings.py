"""The example project's settings, plus a test app with views that raise every exception
of the translation table, and a middleware that can raise inside the middleware chain."""

from example_project.settings import *  # noqa: F403
from example_project.settings import INSTALLED_APPS, MIDDLEWARE

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]
MIDDLEWARE = [*MIDDLEWARE, "tests.testapp.middleware.RaisingMiddleware"]
ROOT_URLCONF = "tests.urls"
DEBUG = False
SHIPPING_API_URL = ""
MAINTENANCE_MODE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
