"""`APIErrorsMiddleware`: request ids for every request, the contract for every error.

Put it first in MIDDLEWARE (or right after SecurityMiddleware). It
- assigns the request id (`request.request_id`, the contextvar, the response header);
- answers exceptions raised by views, sync or async (`process_exception`);
- turns error responses that are not ours and carry no JSON (Django's DEBUG pages, bare
  `HttpResponseNotFound`, an inner middleware's crash page) into the contract, so that an
  API path never answers HTML. With DEBUG on, the exception behind Django's technical page
  is recovered through `request.exception_reporter_class`, so the status does not change;
- turns the error `Response`s DRF views return instead of raising into the contract
  (`CONVERT_RETURNED_ERRORS`);
- outside PATH_PREFIXES, hands our typed exceptions to Django's own handling for their
  status instead of letting them end as a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils.module_loading import import_string

from .conf import api_settings, is_api_path
from .exceptions import APIError
from .handling import report_server_error, response_for_exception, response_for_known_exception
from .headers import stamp_response
from .private_apis import mark_logged, was_logged
from .render import is_rendered_error, render_plain_error
from .request_id import activate, assign_request_id, deactivate
from .translate import returned_error
from .unreadable import REFUSAL_KEY, refusal_error

#: Headers of an error response we answer in its place that describe its own body, and so
#: are not kept. Every other header is (CORS and security headers set by middleware inside
#: ours, `Allow`, `WWW-Authenticate`, `Retry-After`, `Vary`...), and so are its cookies (a
#: session or CSRF cookie set on the way must not be lost).
BODY_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "content-encoding",
        "content-disposition",
        "content-range",
        "etag",
        "last-modified",
        "expires",
    }
)

#: Django's exceptions for the statuses Django has its own pages for (handler400/403/404).
DJANGO_EXCEPTIONS: dict[int, type[Exception]] = {
    400: BadRequest,
    403: PermissionDenied,
    404: Http404,
}

_CAPTURED_EXCEPTION = "_apierrors_exception"

logger = logging.getLogger("django_apierrors")


class APIErrorsMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(
        self,
        get_response: Callable[[HttpRequest], HttpResponseBase]
        | Callable[[HttpRequest], Awaitable[HttpResponseBase]],
    ) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        request_id = self.start(request)
        token = activate(request_id)
        try:
            if REFUSAL_KEY in request.META:
                response = answer_refusal(request)
            else:
                response = self.get_response(request)  # type: ignore[assignment]
            return self.finish(request, response, request_id)
        finally:
            deactivate(token)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = self.start(request)
        token = activate(request_id)
        try:
            if REFUSAL_KEY in request.META:
                response = answer_refusal(request)
            else:
                response = await self.get_response(request)  # type: ignore[misc]
            return self.finish(request, response, request_id)
        finally:
            deactivate(token)

    def start(self, request: HttpRequest) -> str:
        # Django asks for this class only to render its DEBUG page (see the module docstring);
        # setting it is cheaper than reading settings.DEBUG on every request.
        request.exception_reporter_class = CapturingExceptionReporter  # type: ignore[assignment]
        return assign_request_id(request)

    def finish(
        self, request: HttpRequest, response: HttpResponseBase, request_id: str
    ) -> HttpResponseBase:
        if response.status_code >= 400 and not is_rendered_error(response):
            # The success path stops at the status check.
            response = answer_error_response(request, response)
        stamp_response(request, response, request_id)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_path(request.path_info):
            if isinstance(exception, APIError):
                return answer_as_django(request, exception)
            return None
        if settings.DEBUG_PROPAGATE_EXCEPTIONS:
            return response_for_known_exception(request, exception)
        return response_for_exception(request, exception)


def answer_refusal(request: HttpRequest) -> HttpResponseBase:
    """The answer to a request the server built without what it could not read
    (`django_apierrors.wsgi` / `.asgi`): no view runs."""
    error = refusal_error(request)
    assert error is not None
    if not is_api_path(request.path_info):
        return render_plain_error(error)
    return response_for_exception(request, error)


def answer_error_response(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """The contract's answer in place of an error response the road did not render, where
    one is due: on API paths, a DRF `Response` a view returned, or a response without JSON."""
    if not is_api_path(request.path_info):
        return response
    if api_settings.CONVERT_RETURNED_ERRORS:
        try:
            error = returned_error(response)
        except Exception:
            # The view's data could not be read (a value whose str() fails): its status
            # stands, with the catalog's message.
            logger.exception("django-apierrors could not read the error response a view returned")
            error = APIError.for_status(response.status_code)
        if error is not None:
            return answer_in_place(request, response, error)
    if is_foreign_error(response):
        captured = request.__dict__.pop(_CAPTURED_EXCEPTION, None)
        # With DEBUG on, Django rendered its technical page for this exception (and
        # already reported it).
        cause = APIError.for_status(response.status_code) if captured is None else captured
        return answer_in_place(request, response, cause)
    return response


def is_foreign_error(response: HttpResponseBase) -> bool:
    """An error response we did not render and that carries no JSON body."""
    if response.status_code < 400 or is_rendered_error(response) or response.streaming:
        return False
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    is_json = content_type == "application/json" or content_type.endswith("+json")
    return not (is_json and response.content)  # type: ignore[attr-defined]


def answer_in_place(
    request: HttpRequest, response: HttpResponseBase, cause: BaseException
) -> HttpResponse:
    """The contract's answer for `cause`, keeping what `response` carried for the client
    beyond its body: the headers the answer lacks but BODY_HEADERS, and its cookies."""
    answer = response_for_exception(request, cause, report=False)
    for name, value in response.items():
        if name.lower() not in BODY_HEADERS and not answer.has_header(name):
            answer[name] = value
    answer.cookies.update(response.cookies)
    if was_logged(response):
        # Django logs every error response once; this one stands in for a logged one.
        mark_logged(answer)
    return answer


def answer_as_django(request: HttpRequest, error: APIError) -> HttpResponse:
    """Outside PATH_PREFIXES, Django's own handling for the status of one of our typed
    exceptions: its 400, 403 and 404 pages (raised as Django's exception, which Django
    answers as for any view), and a plain-text response with the status for the others."""
    django_exception = DJANGO_EXCEPTIONS.get(error.status)
    if django_exception is not None:
        raise django_exception(str(error.message)) from error
    response = render_plain_error(error)
    if response.status_code >= 500:
        report_server_error(request, error, response)
    return response


class CapturingExceptionReporter:
    """Django's configured exception reporter, noting the exception on the request first."""

    def __init__(
        self,
        request: HttpRequest | None,
        exc_type: Any,
        exc_value: Any,
        tb: Any,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if request is not None and isinstance(exc_value, BaseException):
            request.__dict__[_CAPTURED_EXCEPTION] = exc_value
        reporter_class = import_string(settings.DEFAULT_EXCEPTION_REPORTER)
        self._reporter = reporter_class(request, exc_type, exc_value, tb, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reporter, name)
