"""Conditional updates (If-Match, If-Unmodified-Since, If-None-Match) on Django's own
`condition` decorator, answering a failed precondition as 412 `failed_precondition` with the
current `ETag` / `Last-Modified`, so the client can fetch the new version and try again.

    from django_apierrors.preconditions import etag

    def product_etag(request, sku):
        version = Product.objects.filter(sku=sku).values_list("version", flat=True).first()
        return None if version is None else f'"{sku}-v{version}"'

    @etag(product_etag)
    def update_product(request, sku): ...

Django decides (its `get_conditional_response`), this module only answers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import django
from asgiref.sync import iscoroutinefunction
from django.http import HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import condition as django_condition

from .exceptions import FailedPrecondition
from .handling import response_for_exception
from .render import is_rendered_error
from .request_id import django_request
from .statuses import note_statuses

View = TypeVar("View", bound=Callable[..., Any])
EtagFunc = Callable[..., str | None]
LastModifiedFunc = Callable[..., datetime | None]

_VALIDATORS = "_apierrors_validators"
PRECONDITION_HEADERS = (
    ("HTTP_IF_MATCH", "If-Match"),
    ("HTTP_IF_UNMODIFIED_SINCE", "If-Unmodified-Since"),
    ("HTTP_IF_NONE_MATCH", "If-None-Match"),
)


def condition(
    etag_func: EtagFunc | None = None, last_modified_func: LastModifiedFunc | None = None
) -> Callable[[View], View]:
    """Django's `condition`, with its 412 answered by the contract (and the current
    validators in the `ETag` and `Last-Modified` headers). Works on sync and async views,
    and on DRF methods through `method_decorator`."""

    def decorator(view: View) -> View:
        noted_etag = _noting(etag_func, "etag") if etag_func else None
        noted_last_modified = (
            _noting(last_modified_func, "last_modified") if last_modified_func else None
        )
        if iscoroutinefunction(view):
            conditioned_async: Callable[..., Any]
            if DJANGO_CONDITION_IS_ASYNC:
                conditioned_async = django_condition(noted_etag, noted_last_modified)(view)
            else:
                conditioned_async = _async_condition(noted_etag, noted_last_modified, view)

            @functools.wraps(view)
            async def async_wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
                return _answer(request, await conditioned_async(request, *args, **kwargs))

            note_statuses(async_wrapped, add=[412])
            return async_wrapped  # type: ignore[return-value]

        conditioned = django_condition(noted_etag, noted_last_modified)(view)

        @functools.wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            return _answer(request, conditioned(request, *args, **kwargs))

        note_statuses(wrapped, add=[412])
        return wrapped  # type: ignore[return-value]

    return decorator


def etag(etag_func: EtagFunc) -> Callable[[View], View]:
    return condition(etag_func=etag_func)


def last_modified(last_modified_func: LastModifiedFunc) -> Callable[[View], View]:
    return condition(last_modified_func=last_modified_func)


#: Django's `condition` wraps async views itself from Django 5.0 on.
DJANGO_CONDITION_IS_ASYNC = django.VERSION >= (5, 0)


class _ViewNotRunYet(HttpResponse):
    """What Django 4.2's sync-only `condition` gets from the view: the decision is
    Django's, the awaiting of the real view ours."""


def _async_condition(
    etag_func: Callable[..., Any] | None,
    last_modified_func: Callable[..., Any] | None,
    view: Callable[..., Any],
) -> Callable[..., Any]:
    """Django 4.2's `condition` for an async view: Django decides on a stand-in response,
    and when the view is to run, its response gets the validators Django put on the
    stand-in, as Django 5's own async `condition` would."""
    decide = django_condition(etag_func, last_modified_func)(
        lambda request, *args, **kwargs: _ViewNotRunYet()
    )

    async def conditioned(request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        decided = decide(request, *args, **kwargs)
        if not isinstance(decided, _ViewNotRunYet):
            return decided  # 304 or 412
        response: HttpResponseBase = await view(request, *args, **kwargs)
        for header in ("ETag", "Last-Modified"):
            if decided.has_header(header) and not response.has_header(header):
                response[header] = decided[header]
        return response

    return conditioned


def _noting(func: Callable[..., Any], name: str) -> Callable[..., Any]:
    """The validator function, noting its value on the request for the 412 answer."""

    def noted(request: Any, *args: Any, **kwargs: Any) -> Any:
        value = func(request, *args, **kwargs)
        django_request(request).__dict__.setdefault(_VALIDATORS, {})[name] = value
        return value

    return noted


def _answer(request: Any, response: HttpResponseBase) -> HttpResponseBase:
    if response.status_code != 412 or is_rendered_error(response):
        return response
    underlying = django_request(request)
    validators = underlying.__dict__.get(_VALIDATORS, {})
    headers = {}
    if validators.get("etag"):
        headers["ETag"] = quote_etag(validators["etag"])
    if validators.get("last_modified"):
        moment = validators["last_modified"]
        if not timezone.is_aware(moment):
            moment = timezone.make_aware(moment, UTC)
        headers["Last-Modified"] = http_date(moment.timestamp())
    param = next((header for key, header in PRECONDITION_HEADERS if key in underlying.META), None)
    answer = response_for_exception(
        underlying, FailedPrecondition(param=param, headers=headers), report=False
    )
    # Django logged its 412 already; this response stands in for it.
    answer._has_been_logged = True  # type: ignore[attr-defined]
    return answer
