"""The core needs Django only: without DRF in the project, nothing imports DRF."""

import json
import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent(
    """
    import json, sys
    import django
    from django.conf import settings
    from django.http import Http404
    from django.urls import path

    def missing(request):
        raise Http404("No such thing")

    def crash(request):
        raise RuntimeError("boom")

    urlpatterns = [path("missing/", missing), path("crash/", crash)]
    settings.configure(
        DEBUG=False, SECRET_KEY="x", ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__,
        INSTALLED_APPS=["django_apierrors"],
        MIDDLEWARE=["django_apierrors.middleware.APIErrorsMiddleware"],
        LOGGING_CONFIG=None,
    )
    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django_apierrors.testing import assert_api_error

    call_command("check")
    client = Client(raise_request_exception=False)
    assert_api_error(client.get("/missing/"), 404, "not_found")
    assert_api_error(client.get("/crash/"), 500, "internal_error")
    assert_api_error(client.get("/nowhere/"), 404, "not_found")
    optional = ("rest_framework", "django_ratelimit")
    print(json.dumps(sorted(m for m in sys.modules if m.startswith(optional))))
    """
)


def test_core_runs_and_imports_no_drf():
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []
