"""Django Ninja's side of the install: every NinjaAPI goes through `install()`::

    from ninja import NinjaAPI
    from django_apierrors.ninja import install

    api = install(NinjaAPI())

Its operations then answer every error by the contract, byte for byte as DRF and plain
views do (validation errors with `param`, `pointer` and `location` per input, `HttpError`
as the catalog's error for its status, 401 with `WWW-Authenticate` where the auth class
names its scheme, 429 with `Retry-After` and `X-RateLimit-*`), and its OpenAPI schema
documents each operation's error responses (`django_apierrors.ninja.openapi`).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import time
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import (
    AuthenticationError,
    ConfigError,
    HttpError,
    Throttled,
    ValidationError,
    ValidationErrorContext,
)
from ninja.security import HttpBasicAuth, HttpBearer
from ninja.security.apikey import APIKeyBase
from ninja.throttling import SimpleRateThrottle

from ..checks import NINJA_INSTALLED
from ..exceptions import AuthenticationFailed
from ..handling import response_for_exception, response_for_known_exception
from ..rate_limit_headers import RateLimitUsage, record_throttle_usage
from .openapi import ErrorsOpenAPISchema, documented_schema
from .translate import BODY_DATA, BODY_PARAMETER, NINJA_DEFAULT_MESSAGES

__all__ = ["ErrorsOpenAPISchema", "answer_exception", "install"]

#: Where `install()`'s view decorator leaves the operation a request runs, for the 401's
#: challenge and the 429's numbers (Ninja's exception handlers get the request only).
OPERATION = "_apierrors_ninja_operation"

#: Ninja's own handlers are registered for these; ours replace each of them.
HANDLED = (Exception, Http404, HttpError, ValidationError)


def install(api: NinjaAPI) -> NinjaAPI:
    """Answer every error of `api`'s operations by the contract, and document them in its
    OpenAPI schema. Call it before the API's `urls` are read (where it is built)."""
    if getattr(api, NINJA_INSTALLED, False):
        return api
    try:
        # First: once the API's urls were read, Ninja refuses it, and nothing is half-done.
        api.add_decorator(remember_operation, mode="view")
    except ConfigError as refused:
        raise ImproperlyConfigured(
            f"django_apierrors.ninja.install() came after the urls of the NinjaAPI "
            f"{api.title!r} were read; call it where the API is built: "
            "api = install(NinjaAPI(...))."
        ) from refused
    for exception_class in HANDLED:
        # Ninja types a handler's exception as "an exception or its class"; it passes one.
        api.add_exception_handler(exception_class, answer_exception)  # type: ignore[arg-type]
    api.validation_error_from_error_contexts = _noting_body_parameter(  # type: ignore[method-assign, assignment]
        api.validation_error_from_error_contexts
    )
    if type(api).get_openapi_schema is NinjaAPI.get_openapi_schema:
        # A subclass that builds its own schema keeps it (ErrorsOpenAPISchema is public).
        api.get_openapi_schema = functools.partial(documented_schema, api)  # type: ignore[method-assign]
    setattr(api, NINJA_INSTALLED, True)
    return api


def answer_exception(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The exception handler `install()` registers: the contract's answer for `exc`."""
    operation = request.__dict__.get(OPERATION)
    cause: BaseException = exc
    if isinstance(exc, Throttled):
        record_throttle_usages(request)
    elif isinstance(exc, ValidationError):
        _note_body(request, exc, operation)
    elif (
        type(exc) is AuthenticationError
        and exc.message == NINJA_DEFAULT_MESSAGES[AuthenticationError]
        and credentials_sent(request)
    ):
        # No auth class accepted the credentials the client sent: DRF's
        # AuthenticationFailed, not NotAuthenticated.
        cause = AuthenticationFailed()
    if settings.DEBUG_PROPAGATE_EXCEPTIONS:
        known = response_for_known_exception(request, cause)
        if known is None:
            raise exc  # as Django and DRF let it propagate
        response = known
    else:
        response = response_for_exception(request, cause)
    if response.status_code == 401 and not response.has_header("WWW-Authenticate"):
        # Every 401 names how to authenticate where the auth class says (RFC 9110), also
        # for an HttpError(401) raised inside the auth class.
        challenge = authentication_challenge(request)
        if challenge:
            response["WWW-Authenticate"] = challenge
    # Ninja answers the exception instead of letting it leave the view: roll back
    # ATOMIC_REQUESTS' transaction as DRF's handler does.
    for connection in connections.all(initialized_only=True):
        if connection.settings_dict["ATOMIC_REQUESTS"] and connection.in_atomic_block:
            connection.set_rollback(True)
    return response


def credentials_sent(request: HttpRequest) -> bool:
    """Whether the request carries what one of the operation's auth classes reads: the
    header of `HttpBasicAuth`/`HttpBearer`, the header, query parameter or cookie of an
    API key (`SessionAuth` reads the session cookie)."""
    for auth in getattr(request.__dict__.get(OPERATION), "auth_callbacks", ()):
        if isinstance(auth, HttpBasicAuth | HttpBearer) and request.headers.get(auth.header):
            return True
        if isinstance(auth, APIKeyBase):
            sources = {"header": request.headers, "query": request.GET, "cookie": request.COOKIES}
            if sources.get(getattr(auth, "openapi_in", ""), {}).get(auth.param_name):
                return True
    return False


def authentication_challenge(request: HttpRequest) -> str | None:
    """The `WWW-Authenticate` value of the operation's first auth class that gives one: its
    own `authenticate_header(request)` (DRF's name for it), or the scheme Ninja's
    `HttpBasicAuth` and `HttpBearer` name."""
    for auth in getattr(request.__dict__.get(OPERATION), "auth_callbacks", ()):
        authenticate_header = getattr(auth, "authenticate_header", None)
        if callable(authenticate_header):
            value = authenticate_header(request)
            if value:
                return str(value)
        elif isinstance(auth, HttpBasicAuth | HttpBearer):
            return f'{str(auth.openapi_scheme).title()} realm="api"'
    return None


def record_throttle_usages(request: HttpRequest) -> None:
    """Report what the operation's rate throttles know, for the 429 one of them answered."""
    for throttle in getattr(request.__dict__.get(OPERATION), "throttle_objects", ()):
        if isinstance(throttle, SimpleRateThrottle):
            record_throttle_usage(request, functools.partial(_throttle_usage, throttle, request))


def _throttle_usage(throttle: SimpleRateThrottle, request: HttpRequest) -> RateLimitUsage | None:
    """Read (never add to) the throttle's request history, as allow_request sees it."""
    limit, window = throttle.num_requests, throttle.duration
    key = throttle.get_cache_key(request)
    if limit is None or window is None or key is None:
        return None
    return RateLimitUsage.from_history(
        name=throttle.scope or type(throttle).__name__,
        limit=limit,
        window=window,
        history=throttle.cache.get(key, []),
        # The throttle's own clock, as its wait() (the 429's Retry-After) reads it.
        now=getattr(throttle, "timer", time.time)(),
    )


def remember_operation(run: Callable[..., Any]) -> Callable[..., Any]:
    """Ninja's view decorator (`mode="view"` wraps `Operation.run`): note the operation on
    the request before its auth and throttles run."""
    operation = getattr(inspect.unwrap(run), "__self__", None)

    if iscoroutinefunction(run):

        @functools.wraps(run)
        async def run_async(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            request.__dict__[OPERATION] = operation
            return await run(request, *args, **kwargs)

        return run_async

    @functools.wraps(run)
    def run_sync(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        request.__dict__[OPERATION] = operation
        return run(request, *args, **kwargs)

    return run_sync


def _note_body(request: HttpRequest, exc: ValidationError, operation: Any) -> None:
    """Keep the body, as the operation's parser reads it, on the error (see BODY_DATA)."""
    parser = getattr(getattr(operation, "api", None), "parser", None)
    if parser is None or not request.body:
        return
    # Ninja parsed it before; a parser that fails now tells us nothing.
    with contextlib.suppress(Exception):
        setattr(exc, BODY_DATA, parser.parse_body(request))


def _noting_body_parameter(
    build: Callable[[list[ValidationErrorContext]], ValidationError],
) -> Callable[[list[ValidationErrorContext]], ValidationError]:
    """`api.validation_error_from_error_contexts`, noting on the error the parameter an
    operation with one body parameter reads the body into (its name heads each body
    error's `loc`, though the client never sent it)."""

    @functools.wraps(build)
    def validation_error_from_error_contexts(
        error_contexts: list[ValidationErrorContext],
    ) -> ValidationError:
        error = build(error_contexts)
        flattened: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]] = {}
        for context in error_contexts:
            # Ninja's parameter models: `__ninja_param_source__` is where the input comes
            # from; the body model's `__read_from_single_attr__` names its one parameter;
            # the others' `__ninja_flatten_map_reverse__` maps a schema argument's fields
            # (`Query[Filters]`: ("filters", "tags")) to the names the client sends.
            source = getattr(context.model, "__ninja_param_source__", None)
            parameter = getattr(context.model, "__read_from_single_attr__", None)
            if source == "body" and parameter:
                setattr(error, BODY_PARAMETER, parameter)
            reverse = getattr(context.model, "__ninja_flatten_map_reverse__", None)
            if isinstance(source, str) and isinstance(reverse, dict) and reverse:
                flattened[source] = reverse
        for item in error.errors:
            _unflatten(item, flattened)
        return error

    return validation_error_from_error_contexts


def _unflatten(item: dict[str, Any], flattened: dict[str, dict[tuple[Any, ...], Any]]) -> None:
    """Ninja maps a `loc` that is exactly a flattened field to its name, not one below it
    (`("filters", "tags", 1)`) nor the schema argument itself (a model validator's)."""
    loc = tuple(item.get("loc") or ())
    reverse = flattened.get(loc[0]) if loc else None
    if not reverse:
        return
    rest = loc[1:]
    for length in range(len(rest) - 1, 0, -1):
        if rest[:length] in reverse:
            item["loc"] = (loc[0], *reverse[rest[:length]], *rest[length:])
            return
    if rest and any(key[: len(rest)] == rest and len(key) > len(rest) for key in reverse):
        item["loc"] = (loc[0],)  # the schema argument as a whole: no one parameter
