"""The road every entry point takes: exception -> APIError -> response.

`response_for_exception` is what the middleware, the error views and the decorators call;
`response_for_known_exception` is the same for the entry points that leave unexpected
exceptions to propagate (DRF's handler, the middleware under DEBUG_PROPAGATE_EXCEPTIONS).
It also reports server errors the way Django itself does (one ERROR record on
`django.request` with the traceback, one `got_request_exception`), and it cannot fail:
a failure inside the error machinery still answers a JSON 500 with a request id.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid

from django.core.signals import got_request_exception
from django.http import HttpRequest, HttpResponse
from django.utils.log import log_response

from . import catalog
from .conf import DEFAULTS, api_settings
from .exceptions import APIError, InternalError
from .private_apis import mark_logged
from .render import JSON_CONTENT_TYPE, render_api_error
from .translate import is_refused_value, known_api_error, to_api_error

logger = logging.getLogger("django_apierrors")


def response_for_exception(
    request: HttpRequest, exc: BaseException, *, report: bool = True
) -> HttpResponse:
    """Answer `exc` by the contract. `report=False` where Django already reported it."""
    try:
        error = to_api_error(exc)
    except Exception as failure:
        return _failed(request, exc, failure, report)
    return _answer(request, exc, error, report)


def response_for_known_exception(request: HttpRequest, exc: BaseException) -> HttpResponse | None:
    """`response_for_exception`, or None for an exception that no row of the translation
    names: the convention of DRF's handlers and of DEBUG_PROPAGATE_EXCEPTIONS, which let
    unexpected exceptions propagate."""
    try:
        error = known_api_error(exc)
    except Exception as failure:
        return _failed(request, exc, failure, report=True)
    return None if error is None else _answer(request, exc, error, report=True)


def _answer(
    request: HttpRequest, exc: BaseException, error: APIError, report: bool
) -> HttpResponse:
    try:
        response = render_api_error(request, error)
    except Exception as failure:
        return _failed(request, exc, failure, report)
    if report:
        if response.status_code >= 500:
            report_server_error(request, exc, response)
        elif is_refused_value(exc):
            report_refused_value(request, exc, response)
    return response


def _failed(
    request: HttpRequest, exc: BaseException, failure: Exception, report: bool
) -> HttpResponse:
    logger.error(
        "django-apierrors failed while handling %s; answering 500 instead",
        type(exc).__name__,
        exc_info=failure,
    )
    response = render_internal_error(request)
    if report:
        report_server_error(request, exc, response)
    return response


def report_server_error(request: HttpRequest, exc: BaseException, response: HttpResponse) -> None:
    """What Django does for an uncaught exception, for the ones we answered ourselves.
    A failing receiver or log handler cannot take the JSON answer away."""
    try:
        _report(request, exc, response)
    except Exception as failure:
        # Logging itself may be what failed: Django must not try again on the way out, and
        # stderr is the last place left to say it.
        mark_logged(response)
        sys.stderr.write(
            f"django-apierrors: reporting a server error failed ({type(failure).__name__}: "
            f"{failure}); request id {getattr(request, 'request_id', '-')}, "
            f"error {type(exc).__name__}\n"
        )


def _report(request: HttpRequest, exc: BaseException, response: HttpResponse) -> None:
    got_request_exception.send(sender=None, request=request)
    log_response(
        "%s: %s (request id %s)",
        response.reason_phrase,
        request.path,
        getattr(request, "request_id", "-"),
        response=response,
        request=request,
        exception=exc,
    )


def report_refused_value(request: HttpRequest, exc: BaseException, response: HttpResponse) -> None:
    """Django's one WARNING record for a 4xx, with the traceback of the value the database
    refused: the client's fault as a rule, but a server bug can raise it too."""
    try:
        log_response(
            "%s: %s (the database refused a value: %s)",
            response.reason_phrase,
            request.path,
            type(exc).__name__,
            response=response,
            request=request,
            exception=exc,
        )
    except Exception:
        logger.exception("django-apierrors could not log a refused value")


def render_internal_error(request: HttpRequest) -> HttpResponse:
    """A JSON 500 that depends on as little as possible, for when rendering itself failed.
    It still follows REQUEST_ID_HEADER and ENVELOPE where they can be read."""
    try:
        return render_api_error(request, InternalError())
    except Exception:
        logger.exception("django-apierrors could not render its own internal error")
    request_id = getattr(request, "request_id", None) or str(uuid.uuid4())
    header, envelope = _fallback_settings()
    body: dict[str, object] = {
        "message": _fallback_message(),
        "type": "api_error",
        "code": "internal_error",
        "param": None,
        "request_id": request_id,
        "status": 500,
        "retryable": True,
    }
    content = {"error": body} if envelope else body
    response = HttpResponse(json.dumps(content), status=500, content_type=JSON_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    response[header] = request_id
    return response


DEFAULT_REQUEST_ID_HEADER: str = DEFAULTS["REQUEST_ID_HEADER"]
FALLBACK_MESSAGE = "An internal error occurred. Quote the request id when reporting it."


def _fallback_message() -> str:
    """The catalog's 500 message in the active language, or its English text when even the
    translation machinery fails."""
    try:
        return str(catalog.get(InternalError.code).message)
    except Exception:
        return FALLBACK_MESSAGE


def _fallback_settings() -> tuple[str, bool]:
    """(the request id header, whether bodies are enveloped), or the defaults when the
    settings themselves are what fails."""
    try:
        return api_settings.request_id_header, api_settings.ENVELOPE == "error"
    except Exception:
        return DEFAULT_REQUEST_ID_HEADER, False
