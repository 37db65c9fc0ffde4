"""Conditional updates (If-Match, If-Unmodified-Since, If-None-Match) on Django's own
`condition` decorator, answering a failed precondition as 412 `failed_precondition` with the
current `ETag` / `Last-Modified`, so the client can fetch the new version and try again.

For a write, use `locked_row_condition`: the row is locked from the check until the view's
write commits, so of concurrent requests carrying the same `If-Match` exactly one writes.

    from operator import attrgetter

    from django_apierrors.preconditions import locked_row_condition

    @locked_row_condition(Product, lookup_field="sku", etag=attrgetter("etag"))
    def update_product(request, sku): ...

`condition`, `etag` and `last_modified` take Django's validator functions and decide before
the view runs, outside any lock: right for reads, racy for writes.

Django decides (its `get_conditional_response`), this module only answers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from asgiref.sync import async_to_sync, iscoroutinefunction, sync_to_async
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections, transaction
from django.db.models import F, Model, QuerySet
from django.http import HttpResponseBase
from django.utils import timezone
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import condition as django_condition

from .exceptions import FailedPrecondition
from .handling import response_for_exception
from .openapi import note_statuses
from .private_apis import mark_logged
from .render import is_rendered_error
from .request_id import django_request

View = TypeVar("View", bound=Callable[..., Any])
M = TypeVar("M", bound=Model)
EtagFunc = Callable[..., str | None]
LastModifiedFunc = Callable[..., datetime | None]

_VALIDATORS = "_apierrors_validators"
PRECONDITION_HEADERS = (
    ("HTTP_IF_MATCH", "If-Match"),
    ("HTTP_IF_UNMODIFIED_SINCE", "If-Unmodified-Since"),
    ("HTTP_IF_NONE_MATCH", "If-None-Match"),
)
#: Methods that write nothing: `locked_row_condition` reads their row without a lock.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_LOCKED_ROWS = "_apierrors_locked_rows"


def condition(
    etag_func: EtagFunc | None = None, last_modified_func: LastModifiedFunc | None = None
) -> Callable[[View], View]:
    """Django's `condition`, with its 412 answered by the contract (and the current
    validators in the `ETag` and `Last-Modified` headers). Works on sync and async views,
    and on DRF methods through `method_decorator`. It decides before the view runs, outside
    any lock: for writes that concurrent requests race, `locked_row_condition`."""

    def decorator(view: View) -> View:
        noted_etag = _noting(etag_func, "etag") if etag_func else None
        noted_last_modified = (
            _noting(last_modified_func, "last_modified") if last_modified_func else None
        )
        if iscoroutinefunction(view):
            conditioned_async = django_condition(noted_etag, noted_last_modified)(view)

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


def locked_row_condition(
    queryset: type[M] | QuerySet[M],
    *,
    lookup_field: str = "pk",
    lookup_url_kwarg: str | None = None,
    etag: Callable[[M], str | None] | None = None,
    last_modified: Callable[[M], datetime | None] | None = None,
) -> Callable[[View], View]:
    """`condition` for a view that writes one model row, the check and the write atomic:
    of concurrent requests with the same `If-Match`, one writes, the others answer 412
    with the ETag of what it wrote.

        from operator import attrgetter

        product_precondition = locked_row_condition(
            Product, lookup_field="sku", etag=attrgetter("etag")  # '"MUG-1-v3"'
        )

        @product_precondition
        def update_product(request, sku): ...  # must bump what the ETag is made of

        # DRF: one decorator object for both, so PATCH (partial_update calls update)
        # is checked once.
        @method_decorator(product_precondition, name="update")
        @method_decorator(product_precondition, name="partial_update")
        class ProductViewSet(ModelViewSet): ...

    `queryset` is a model or a queryset; the row is the one whose `lookup_field` equals the
    view's keyword argument `lookup_url_kwarg` (by default named as `lookup_field`).
    `etag(row)` and `last_modified(row)` are the validators (one of them at least): a
    version column, an `auto_now` `updated_at`, whatever the view's write changes.

    For a method that writes (PUT, PATCH, POST, DELETE), in `transaction.atomic`: the row
    is locked, the validators computed from it, Django's `condition` decides (412, or the
    view runs), and the view runs in the same transaction. A concurrent request waits for
    the lock, then reads the version the first one wrote. The lock is `SELECT ... FOR
    UPDATE` (FOR NO KEY UPDATE on PostgreSQL) where the database has row locks, and on
    SQLite, which has none, a no-op UPDATE of the row: it takes SQLite's one write lock, for
    which writers queue (up to the connection's `timeout`), except a transaction that read
    before (ATOMIC_REQUESTS and DRF's authentication): SQLite refuses its write at once,
    "database is locked", a 503 `service_unavailable` to retry; the database OPTIONS
    `"transaction_mode": "IMMEDIATE"` (Django 5.1+) make it queue too. With ATOMIC_REQUESTS
    the request's transaction holds the lock until it commits. PostgreSQL: READ COMMITTED,
    its default (under REPEATABLE READ a waiter fails with a serialization error, a 503).

    Safe methods read the row without a lock (If-None-Match answers 304, as Django does).
    A missing row has no validators: `If-Match` answers 412, otherwise the view runs (and
    answers its 404). Async views: the check, the lock and the view's ORM calls run on one
    thread, so in one transaction (the view awaited through `async_to_sync`, its async ORM
    calls coming back to that thread).
    """
    if etag is None and last_modified is None:
        raise TypeError("locked_row_condition() needs etag, last_modified or both")
    row = _LockedRow(queryset, lookup_field, lookup_url_kwarg or lookup_field, etag, last_modified)

    def decorator(view: View) -> View:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
                if row.is_checking(request):  # decorated twice: checked already
                    return await view(request, *args, **kwargs)
                check_and_run = sync_to_async(row.check_and_run, thread_sensitive=True)
                return await check_and_run(request, async_to_sync(view), args, kwargs)

            note_statuses(async_wrapped, add=[412])
            return async_wrapped  # type: ignore[return-value]

        @functools.wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            if row.is_checking(request):
                return view(request, *args, **kwargs)
            return row.check_and_run(request, view, args, kwargs)

        note_statuses(wrapped, add=[412])
        return wrapped  # type: ignore[return-value]

    return decorator


class _LockedRow(Generic[M]):
    def __init__(
        self,
        queryset: type[M] | QuerySet[M],
        lookup_field: str,
        url_kwarg: str,
        etag: Callable[[M], str | None] | None,
        last_modified: Callable[[M], datetime | None] | None,
    ) -> None:
        self.queryset = queryset._default_manager.all() if isinstance(queryset, type) else queryset
        self.lookup_field = lookup_field
        self.url_kwarg = url_kwarg
        self.etag = etag
        self.last_modified = last_modified

    def is_checking(self, request: Any) -> bool:
        return self in django_request(request).__dict__.get(_LOCKED_ROWS, ())

    def check_and_run(
        self,
        request: Any,
        view: Callable[..., HttpResponseBase],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponseBase:
        underlying = django_request(request)
        checking: set[_LockedRow[Any]] = underlying.__dict__.setdefault(_LOCKED_ROWS, set())
        checking.add(self)
        try:
            if underlying.method in SAFE_METHODS:
                return self._decide(request, view, args, kwargs, self._read(kwargs, lock=False))
            using = self.queryset.select_for_update().db  # the database its writes go to
            with transaction.atomic(using=using):
                row = self._read(kwargs, lock=True, using=using)
                return self._decide(request, view, args, kwargs, row)
        finally:
            checking.discard(self)

    def _read(self, kwargs: dict[str, Any], *, lock: bool, using: str | None = None) -> M | None:
        if self.url_kwarg not in kwargs:
            raise TypeError(
                f"locked_row_condition: the view has no keyword argument {self.url_kwarg!r} "
                "(set lookup_url_kwarg)"
            )
        rows = self.queryset.all() if using is None else self.queryset.using(using)
        try:  # what DRF's get_object_or_404 takes for "no such row"
            rows = rows.filter(**{self.lookup_field: kwargs[self.url_kwarg]})
            if not lock:
                return rows.get()
            features = connections[rows.db].features
            if not features.has_select_for_update:
                # SQLite: a write takes the database's write lock (a transaction whose first
                # statement writes waits for it; there are no row locks to take).
                pk = rows.model._meta.pk
                assert pk is not None
                rows.update(**{pk.attname: F(pk.attname)})
                return rows.get()
            return rows.select_for_update(
                of=("self",) if features.has_select_for_update_of else (),
                no_key=features.has_select_for_no_key_update,
            ).get()
        except (ObjectDoesNotExist, TypeError, ValueError, DjangoValidationError):
            return None

    def _decide(
        self,
        request: Any,
        view: Callable[..., HttpResponseBase],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        row: M | None,
    ) -> HttpResponseBase:
        etag, last_modified = self.etag, self.last_modified
        etag_func = last_modified_func = None
        if etag is not None:
            etag_func = _noting(lambda *_, **__: None if row is None else etag(row), "etag")
        if last_modified is not None:
            last_modified_func = _noting(
                lambda *_, **__: None if row is None else last_modified(row), "last_modified"
            )
        conditioned = django_condition(etag_func, last_modified_func)(view)
        return _answer(request, conditioned(request, *args, **kwargs))


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
    mark_logged(answer)
    return answer
