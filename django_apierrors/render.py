"""`APIError` -> `HttpResponse`: the second half of the one road.

The one place that writes an error body: flat, in the `{"error": ...}` envelope, or as
RFC 9457 problem+json, with the headers of the contract.
"""

from __future__ import annotations

import contextlib
import re
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from .catalog import reason_phrase
from .conf import api_settings, debug_is_on
from .exceptions import APIError
from .field_errors import as_dicts
from .headers import stamp_response
from .private_apis import make_json_encode, on_change
from .rate_limit_headers import recorded_usage
from .request_id import ensure_request_id

JSON_CONTENT_TYPE = "application/json"
PROBLEM_CONTENT_TYPE = "application/problem+json"

_encoder = DjangoJSONEncoder()
#: `DjangoJSONEncoder().encode`, faster (see `private_apis.make_json_encode`).
encode_json = make_json_encode(_encoder)


@on_change
def _rebuild_encode_json() -> None:
    global encode_json
    encode_json = make_json_encode(_encoder)


class ErrorResponse(HttpResponse):
    """An error response as DRF's own responses are seen: `.data` is the document that was
    sent (a dict), and the response behaves as a template response rendered already (as
    DRF's `Response` is one), so that `response.data["code"]`, `view(request).render()`,
    `assertContains` and the decorators made from middleware (`cache_page`, `gzip_page`,
    ...) work as with DRF's handler."""

    # What Django's handler, its test assertions and decorator_from_middleware read of a
    # template response; there is no template, as with DRF's Response.
    is_rendered = True
    template_name = None
    context_data = None

    def __init__(self, data: dict[str, Any], *, status: int, content_type: str) -> None:
        # Bytes, because HttpResponse would otherwise parse the charset out of Content-Type.
        super().__init__(encode_json(data).encode(), status=status, content_type=content_type)
        self.data = data

    def render(self) -> ErrorResponse:
        return self

    def add_post_render_callback(self, callback: Callable[[HttpResponse], Any]) -> None:
        callback(self)  # rendered already: called at once, as SimpleTemplateResponse does


def render_api_error(request: HttpRequest, error: APIError) -> HttpResponse:
    request_id = ensure_request_id(request)
    # A 429 reports the limit that was hit, where a limiter measured it.
    usage = recorded_usage(request) if error.status == 429 else None
    retry_after = error.retry_after
    extra_meta = None
    if usage is not None:
        retry_after = usage.retry_after if retry_after is None else retry_after
        extra_meta = {**usage.as_meta(), "retry_after": retry_after}
    body = error_body(error, request_id, extra_meta)
    if wants_problem_json(request):
        content: dict[str, Any] = problem_document(body)
        content_type = PROBLEM_CONTENT_TYPE
    else:
        content = {"error": body} if api_settings.ENVELOPE == "error" else body
        content_type = JSON_CONTENT_TYPE
    response = ErrorResponse(content, status=error.status, content_type=content_type)
    if error.headers or retry_after is not None:
        _add_error_headers(response, error, retry_after)
    stamp_response(request, response, request_id, cache_control="no-store")
    # The code, not the error: an error holds its exception, whose traceback holds the
    # frame that holds this response, a cycle that only the garbage collector would free.
    response.api_error_code = error.code  # type: ignore[attr-defined]
    return response


def render_plain_error(error: APIError) -> HttpResponse:
    """The error's message as plain text, with its status and headers: what paths outside
    PATH_PREFIXES get for a status that Django has no page of its own for."""
    response = HttpResponse(
        str(error.message), status=error.status, content_type="text/plain; charset=utf-8"
    )
    _add_error_headers(response, error, error.retry_after)
    return response


def _add_error_headers(response: HttpResponse, error: APIError, retry_after: int | None) -> None:
    for name, value in error.headers.items():
        response[name] = value
    if retry_after is not None:
        response["Retry-After"] = str(max(1, int(retry_after)))


def is_rendered_error(response: HttpResponseBase) -> bool:
    """Whether `render_api_error` built this response."""
    return hasattr(response, "api_error_code")


def error_body(
    error: APIError, request_id: str, extra_meta: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message": str(error.message),
        "type": error.type,
        "code": error.code,
        "param": error.param,
        "request_id": request_id,
        "status": error.status,
        "retryable": error.retryable,
    }
    if error.errors:
        body["errors"] = as_dicts(error.errors)
    if api_settings.DOCS_URL:
        body["doc_url"] = f"{api_settings.DOCS_URL}#{error.code}"
    if extra_meta or error.meta:  # a new dict: the body's meta is not the error's
        body["meta"] = {**(extra_meta or {}), **error.meta}
    if debug_is_on():
        body["debug"] = debug_details(error.original or error)
    return body


def debug_details(exc: BaseException) -> dict[str, Any]:
    """What DEBUG adds to a body. It never queries the database: an exception's text may
    (a ProtectedError prints the protected rows), and the request's transaction may be
    broken or marked for rollback. It never raises either: what cannot be printed says so.
    """
    details: dict[str, Any] = {
        "exception": f"{type(exc).__module__}.{type(exc).__qualname__}",
        "detail": _UNPRINTABLE,
        "traceback": [],
    }
    with _no_queries():
        try:
            details["detail"] = str(exc)
        except Exception:
            message = exc.args[0] if exc.args else None
            if isinstance(message, str):  # ProtectedError's text, without its rows
                details["detail"] = message
        with contextlib.suppress(Exception):
            details["traceback"] = "".join(traceback.format_exception(exc)).splitlines()
    return details


_UNPRINTABLE = "(the text of this exception could not be built)"


class _QueryRefused(Exception):
    pass


def _refuse_query(*args: Any) -> Any:
    raise _QueryRefused("no queries while an error body is built")


@contextlib.contextmanager
def _no_queries() -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        # Every alias, not only the open ones: a text may query a database not used yet.
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(_refuse_query))
        yield


def problem_document(body: dict[str, Any]) -> dict[str, Any]:
    """RFC 9457 members first, then our fields as extensions under names that never clash."""
    document: dict[str, Any] = {
        "type": body.get("doc_url", "about:blank"),
        "title": reason_phrase(body["status"]),
        "status": body["status"],
        "detail": body["message"],
    }
    if UUID_PATTERN.fullmatch(body["request_id"]):
        document["instance"] = f"urn:uuid:{body['request_id']}"
    document.update(
        code=body["code"],
        error_type=body["type"],
        param=body["param"],
        request_id=body["request_id"],
        retryable=body["retryable"],
    )
    for optional in ("errors", "meta", "debug"):
        if optional in body:
            document[optional] = body[optional]
    return document


#: A bare UUID in its canonical form (uuid.UUID() would also take `urn:uuid:...`, braces
#: and bare hex, which give no valid `urn:uuid:` URN).
UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def wants_problem_json(request: HttpRequest) -> bool:
    output_format = api_settings.FORMAT
    if output_format != "auto":
        return bool(output_format == "problem")
    accept = request.META.get("HTTP_ACCEPT", "")
    if "problem+json" not in accept.lower():  # media types are case-insensitive
        return False
    problem_q = _quality(accept, "application", "problem+json", explicit_only=True)
    return problem_q > 0 and problem_q >= _quality(accept, "application", "json")


def _quality(accept: str, main_type: str, sub_type: str, *, explicit_only: bool = False) -> float:
    """The q-value `accept` gives a media type, by its most specific matching range."""
    best_specificity, best_q = -1, 0.0
    for media_range in accept.split(","):
        media, *params = (part.strip() for part in media_range.split(";"))
        range_main, _, range_sub = media.lower().partition("/")
        if range_main == main_type and range_sub == sub_type:
            specificity = 2
        elif explicit_only:
            continue
        elif range_main == main_type and range_sub == "*":
            specificity = 1
        elif range_main == "*" and range_sub == "*":
            specificity = 0
        else:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if specificity > best_specificity:
            best_specificity, best_q = specificity, q
    return best_q
