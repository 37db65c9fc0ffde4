"""Django's error views, answering by the contract on API paths.

In the root urls.py::

    from django_apierrors.views import handler400, handler403, handler404, handler500  # noqa: F401

and in settings.py ``CSRF_FAILURE_VIEW = "django_apierrors.views.csrf_failure"``.
Django calls these for exceptions raised outside views (the URL resolver's 404, an inner
middleware's crash) and for CSRF failures; paths outside PATH_PREFIXES keep Django's pages.
Django has already logged and signalled these exceptions, so they are not reported again.
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views import csrf, defaults

from .conf import is_api_path
from .exceptions import CSRFFailed, InternalError, NotFound
from .handling import response_for_exception


def handler400(request: HttpRequest, exception: Exception) -> HttpResponseBase:
    if not is_api_path(request.path_info):
        return defaults.bad_request(request, exception)
    return response_for_exception(request, exception, report=False)


def handler403(request: HttpRequest, exception: Exception) -> HttpResponseBase:
    if not is_api_path(request.path_info):
        return defaults.permission_denied(request, exception)
    return response_for_exception(request, exception, report=False)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponseBase:
    if not is_api_path(request.path_info):
        return defaults.page_not_found(request, exception)
    return response_for_exception(request, exception or NotFound(), report=False)


def handler500(request: HttpRequest) -> HttpResponseBase:
    if not is_api_path(request.path_info):
        return defaults.server_error(request)
    # Django calls handler500 while handling the exception, without passing it.
    exception = sys.exc_info()[1] or InternalError()
    return response_for_exception(request, exception, report=False)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if not is_api_path(request.path_info):
        return csrf.csrf_failure(request, reason)
    # Django's CsrfViewMiddleware logs the reason; clients get the stable code.
    return response_for_exception(request, CSRFFailed(), report=False)
