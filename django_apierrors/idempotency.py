"""Idempotency keys: a retried unsafe request with the same `Idempotency-Key` gets the first
request's response again instead of running twice.

    from django_apierrors.idempotency import IdempotentMixin, idempotent

    @idempotent()                       # plain views
    def create_payment(request): ...

    class OrderViewSet(IdempotentMixin, CreateModelMixin, GenericViewSet): ...   # DRF

For POST, PUT, PATCH and DELETE carrying the header:
- the first request runs; its response (status, headers, body) is stored in the Django cache
  (`cache_alias`, Redis in production) for `ttl` seconds when it is below 500 and not 429;
- a retry with the same key and the same request (method, path, query, body) gets that
  response byte for byte, with `Idempotent-Replayed: true` and the first request's id;
- the same key with a different request is 422 `idempotency_key_reused`;
- the same key while the first request still runs is 409 `idempotency_key_in_use` with
  `Retry-After`;
- keys are scoped per user (or per client IP when anonymous, or by `scope(request)`), so
  no client can replay another's response;
- a malformed key (not 1-255 visible ASCII characters) is 400 with `param: "Idempotency-Key"`.
An exception is answered as usual and not stored: the retry runs again.

When the cache fails (Redis down or hung), a request carrying a key is answered 503
`service_unavailable` with Retry-After, whatever RATELIMIT_FAIL_OPEN says: running it
without its record could repeat a write the client is retrying. Requests without a key are
not affected. A record that cannot be stored after the view ran is logged at ERROR and the
response is still sent; the key stays locked until LOCK_TTL ends, so a retry meanwhile is
409 rather than a second run.

The body fingerprint of a form or multipart request is made from its parsed fields and
files (the multipart boundary differs between a client's retries; Django or DRF may have
read the body already), of any other request from its bytes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.core.cache import caches
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, HttpResponseBase, RawPostDataException
from django.utils.datastructures import MultiValueDict

from .cache import (
    CACHE_FAILURE_RETRY_AFTER,
    EARLIER,
    FailureLog,
    failed_on_this_request,
    is_cache_failure,
    note_cache_failure,
)
from .exceptions import (
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InvalidArgument,
    ServiceUnavailable,
)
from .openapi import note_statuses
from .request_id import django_request, ensure_request_id

logger = logging.getLogger("django_apierrors.idempotency")

HEADER = "Idempotency-Key"
META_KEY = "HTTP_IDEMPOTENCY_KEY"
REPLAYED_HEADER = "Idempotent-Replayed"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_TTL = 24 * 60 * 60
#: How long a request may run before its key is free again (a crashed worker's lock ends).
LOCK_TTL = 60
IN_USE_RETRY_AFTER = 1
CACHE_PREFIX = "apierrors:idempotency:"
#: What an idempotent view can answer besides its own statuses (503: the store failed).
IDEMPOTENCY_STATUSES = (400, 409, 422, 503)

#: Refusals while the store fails are logged once per interval, per process.
_refusal_log = FailureLog()

View = TypeVar("View", bound=Callable[..., Any])
Scope = Callable[[HttpRequest], str]


def client_scope(request: Any) -> str:
    """The user, or the client IP for anonymous requests."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def is_valid_key(value: str) -> bool:
    return 1 <= len(value) <= 255 and all(33 <= ord(char) <= 126 for char in value)


class IdempotencyGuard:
    """One request's use of its idempotency key: begin, then finish or release."""

    def __init__(self, request: Any, key: str, *, ttl: int, scope: Scope, cache_alias: str) -> None:
        self.request = request
        self.ttl = ttl
        self.cache_alias = cache_alias
        self.cache = caches[cache_alias]
        scoped = hashlib.sha256(f"{scope(request)}\0{key}".encode()).hexdigest()
        self.record_key = f"{CACHE_PREFIX}{scoped}"
        self.lock_key = f"{self.record_key}:lock"
        self.fingerprint = _fingerprint(request)
        self.locked = False

    @classmethod
    def for_request(
        cls,
        request: Any,
        *,
        ttl: int = DEFAULT_TTL,
        scope: Scope | None = None,
        cache_alias: str = "default",
    ) -> IdempotencyGuard | None:
        """None when the request is safe or carries no key; 400 for a malformed key."""
        if request.method not in UNSAFE_METHODS:
            return None
        key = request.META.get(META_KEY)
        if key is None:
            return None
        if not is_valid_key(key):
            raise InvalidArgument(
                "The Idempotency-Key header must be 1 to 255 visible ASCII characters.",
                param=HEADER,
            )
        return cls(request, key, ttl=ttl, scope=scope or client_scope, cache_alias=cache_alias)

    def begin(self) -> HttpResponse | None:
        """The stored response to replay, or None once this request holds the key.
        503 when the store fails: the request must not run without its record."""
        if failed_on_this_request(self.cache):
            raise self._unavailable(None)  # a limit of this request waited for it already
        try:
            return self._begin()
        except Exception as failure:
            if not is_cache_failure(failure):
                raise
            note_cache_failure(self.cache)
            self.release()  # skipped now that it failed: the lock ends with LOCK_TTL
            raise self._unavailable(failure) from failure

    def _begin(self) -> HttpResponse | None:
        record = self.cache.get(self.record_key)
        if record is not None:
            return self._replay(record)
        if not self.cache.add(self.lock_key, self.fingerprint, LOCK_TTL):
            record = self.cache.get(self.record_key)  # it may have finished meanwhile
            if record is not None:
                return self._replay(record)
            holder = self.cache.get(self.lock_key)
            if holder is not None and holder != self.fingerprint:
                raise IdempotencyKeyReused(param=HEADER)
            raise IdempotencyKeyInUse(param=HEADER, retry_after=IN_USE_RETRY_AFTER)
        self.locked = True
        # A request that finished between our first look and the lock left its record.
        record = self.cache.get(self.record_key)
        if record is not None:
            self.release()
            return self._replay(record)
        return None

    def finish(self, response: HttpResponseBase) -> None:
        """Store the response (when storable) and free the key. The response has been made:
        a store failure is logged, never raised."""
        if not _storable(response):
            self.release()
            return
        if not getattr(response, "is_rendered", True):
            response.render()  # type: ignore[attr-defined]
        record = {
            "fingerprint": self.fingerprint,
            "status": response.status_code,
            "headers": list(response.headers.items()),
            "content": response.content,  # type: ignore[attr-defined]
            "request_id": ensure_request_id(django_request(self.request)),
        }
        try:
            self.cache.set(self.record_key, record, self.ttl)
        except Exception as failure:
            if not is_cache_failure(failure):
                self.release()
                raise
            note_cache_failure(self.cache)
            # Keep the lock: a retry before it ends is 409, not a second run.
            self.locked = False
            logger.error(
                "Idempotency store (cache %r) failed (%s) after the view ran: the %s response "
                "of request %s was sent but not stored; a retry with its Idempotency-Key "
                "after %d s runs the request again.",
                self.cache_alias,
                failure,
                response.status_code,
                record["request_id"],
                LOCK_TTL,
                exc_info=failure,
            )
            return
        self.release()

    def release(self) -> None:
        """Free the key. Never raises: a lock that cannot be deleted ends with LOCK_TTL."""
        if not self.locked:
            return
        self.locked = False
        if failed_on_this_request(self.cache):
            return
        try:
            self.cache.delete(self.lock_key)
        except Exception as failure:
            if not is_cache_failure(failure):
                raise
            note_cache_failure(self.cache)
            logger.warning(
                "Idempotency store (cache %r) failed (%s) freeing a key; it is free again "
                "after %d s.",
                self.cache_alias,
                failure,
                LOCK_TTL,
            )

    def _unavailable(self, failure: Exception | None) -> ServiceUnavailable:
        if _refusal_log.due():
            logger.error(
                "Idempotency store (cache %r) failed (%s): requests with an Idempotency-Key "
                "are answered 503 until it is back. Logged once per %d s.",
                self.cache_alias,
                failure or EARLIER,
                _refusal_log.interval,
                exc_info=failure,
            )
        return ServiceUnavailable(retry_after=CACHE_FAILURE_RETRY_AFTER)

    def _replay(self, record: dict[str, Any]) -> HttpResponse:
        if record["fingerprint"] != self.fingerprint:
            raise IdempotencyKeyReused(param=HEADER)
        response = HttpResponse(record["content"], status=record["status"])
        for name, value in record["headers"]:
            response[name] = value
        response[REPLAYED_HEADER] = "true"
        response.original_request_id = record["request_id"]  # type: ignore[attr-defined]
        return response


def idempotent(
    ttl: int = DEFAULT_TTL, scope: Scope | None = None, cache_alias: str = "default"
) -> Callable[[View], View]:
    """Honour Idempotency-Key on a view (sync or async; methods via method_decorator)."""

    def decorator(view: View) -> View:
        def begin(request: Any) -> tuple[IdempotencyGuard | None, HttpResponse | None]:
            guard = IdempotencyGuard.for_request(
                request, ttl=ttl, scope=scope, cache_alias=cache_alias
            )
            return guard, (guard.begin() if guard is not None else None)

        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
                guard, replay = await sync_to_async(begin)(request)
                if guard is None or replay is not None:
                    return replay or await view(request, *args, **kwargs)
                try:
                    response = await view(request, *args, **kwargs)
                except BaseException:
                    await sync_to_async(guard.release)()
                    raise
                await sync_to_async(guard.finish)(response)
                return response

            note_statuses(async_wrapped, add=IDEMPOTENCY_STATUSES)
            return async_wrapped  # type: ignore[return-value]

        @functools.wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            guard, replay = begin(request)
            if guard is None or replay is not None:
                return replay or view(request, *args, **kwargs)
            try:
                response = view(request, *args, **kwargs)
            except BaseException:
                guard.release()
                raise
            guard.finish(response)
            return response

        note_statuses(wrapped, add=IDEMPOTENCY_STATUSES)
        return wrapped  # type: ignore[return-value]

    return decorator


class _Replay(Exception):
    def __init__(self, response: HttpResponse) -> None:
        super().__init__("replay")
        self.response = response


class IdempotentMixin:
    # For DRF views: the key is checked after authentication, so scopes are DRF's users.
    # (A comment, not a docstring: drf-spectacular would publish a docstring as the
    # description of every operation of the views that mix this in.)

    idempotency_ttl: int = DEFAULT_TTL
    idempotency_scope: Scope | None = None
    idempotency_cache_alias: str = "default"
    _idempotency_guard: IdempotencyGuard | None = None

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        guard = IdempotencyGuard.for_request(
            request,
            ttl=self.idempotency_ttl,
            scope=type(self).idempotency_scope,
            cache_alias=self.idempotency_cache_alias,
        )
        if guard is None:
            return
        replay = guard.begin()
        if replay is not None:
            raise _Replay(replay)
        self._idempotency_guard = guard

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)  # type: ignore[misc]

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        guard, self._idempotency_guard = self._idempotency_guard, None
        if guard is not None:
            if getattr(response, "exception", False):
                guard.release()  # errors are not stored: the retry runs again
            else:
                guard.finish(response)
        return response


def _fingerprint(request: Any) -> str:
    """What makes a retry "the same request": method, path with query, and body."""
    underlying = django_request(request)
    digest = hashlib.sha256()
    for part in (underlying.method or "", underlying.get_full_path()):
        digest.update(part.encode() + b"\0")
    is_drf = request is not underlying
    if underlying.content_type == "multipart/form-data" and (
        is_drf or underlying.method == "POST"  # Django parses form bodies of POSTs only
    ):
        # Read into memory first where it is small, so the view can still read the body;
        # not when a parser read it already, nor for a large upload that Django streams.
        with contextlib.suppress(RawPostDataException, RequestDataTooBig):
            underlying.body  # noqa: B018
        _digest_form(request, digest)
        return digest.hexdigest()
    try:
        body = underlying.body
    except RawPostDataException:
        # A parser read the stream: DRF's for request.data (its form and JSON parsers, a
        # CSRF check in SessionAuthentication), Django's for a form POST.
        _digest_form(request, digest)
    else:
        digest.update(body)
    return digest.hexdigest()


def _digest_form(request: Any, digest: Any) -> None:
    """The parsed body: DRF's request.data (files included), or Django's POST and FILES."""
    digest.update(b"\0parsed\0")
    underlying = django_request(request)
    if request is not underlying:
        _digest_data(request.data, digest)
    else:
        _digest_data(underlying.POST, digest)
        _digest_data(underlying.FILES, digest)


def _digest_data(data: Any, digest: Any) -> None:
    def update(value: str | bytes) -> None:
        raw = value.encode() if isinstance(value, str) else value
        digest.update(f"{len(raw)}:".encode() + raw)

    if not isinstance(data, MultiValueDict):  # parsed JSON and the like
        update(json.dumps(data, sort_keys=True, default=str))
        return
    for name, values in data.lists():
        update(name)
        update(str(len(values)))
        for value in values:
            if isinstance(value, UploadedFile):
                update(f"file:{value.name}:{value.content_type}:{value.size}")
                file_digest = hashlib.sha256()
                for chunk in value.chunks():
                    file_digest.update(chunk)
                value.seek(0)  # for the view to read
                update(file_digest.digest())
            else:
                update(f"value:{value}")


def _storable(response: HttpResponseBase) -> bool:
    return (
        not response.streaming
        and response.status_code < 500
        and response.status_code != 429
        and not getattr(response, "exception", False)
    )
