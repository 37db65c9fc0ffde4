"""`APIErrorsMiddleware`: request ids for every request, the contract for every error.

Put it first in MIDDLEWARE (or right after SecurityMiddleware). It
- assigns the request id (`request.request_id`, the contextvar, the response header);
- answers exceptions raised by views, sync or async (`process_exception`);
- turns error responses that are not ours and carry no JSON (Django's DEBUG pages, bare
  `HttpResponseNotFound`, an inner middleware's crash page) into the contract, so that an
  API path never answers HTML. With DEBUG on, the exception behind Django's technical page
  is recovered through `request.exception_reporter_class`, so the status does not change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.module_loading import import_string

from .conf import is_api_path
from .exceptions import APIError
from .handling import response_for_exception
from .headers import stamp_response
from .render import is_rendered_error
from .request_id import activate, assign_request_id, deactivate

#: Headers of a bare error response that the contract keeps.
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")

_CAPTURED_EXCEPTION = "_apierrors_exception"


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
            response = self.get_response(request)
            return self.finish(request, response, request_id)  # type: ignore[arg-type]
        finally:
            deactivate(token)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = self.start(request)
        token = activate(request_id)
        try:
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
        if (
            response.status_code >= 400  # the success path stops here
            and is_foreign_error(response)
            and is_api_path(request.path_info)
        ):
            response = answer_foreign_error(request, response)
        stamp_response(request, response, request_id)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_path(request.path_info):
            return None
        return response_for_exception(request, exception)


def is_foreign_error(response: HttpResponseBase) -> bool:
    """An error response we did not render and that carries no JSON body."""
    if response.status_code < 400 or is_rendered_error(response) or response.streaming:
        return False
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    is_json = content_type == "application/json" or content_type.endswith("+json")
    return not (is_json and response.content)  # type: ignore[attr-defined]


def answer_foreign_error(request: HttpRequest, response: HttpResponseBase) -> HttpResponse:
    captured = request.__dict__.pop(_CAPTURED_EXCEPTION, None)
    if captured is not None:
        # Django rendered its DEBUG page for this exception (and already reported it).
        answer = response_for_exception(request, captured, report=False)
    else:
        headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
        error = APIError.for_status(response.status_code, headers=headers)
        answer = response_for_exception(request, error, report=False)
    if getattr(response, "_has_been_logged", False):
        # Django logs every error response once; this one stands in for a logged one.
        answer._has_been_logged = True  # type: ignore[attr-defined]
    return answer


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
