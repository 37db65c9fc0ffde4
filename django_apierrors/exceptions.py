"""Typed exceptions, one per catalog entry.

A class names a catalog code; status, type, message, title, description and retryable
come from that entry. A subclass that sets its own `code` registers a new entry, taking
what it does not set from its parent::

    class EmailTaken(AlreadyExists):
        '''The email address belongs to another account.'''
        code = "email_taken"
        message = _("This email address is already registered.")
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.autoreload import file_changed
from django.utils.translation import get_language, ngettext

from .catalog import CODE_PATTERN, CatalogEntry, Text, catalog, reason_phrase, title_for_code
from .conf import api_settings
from .field_errors import FieldError, flatten_errors, path_for_param

#: The exception classes (the client's `standalone` twins carry the same names).
__all__ = [
    "APIError",
    "AlreadyExists",
    "AuthenticationFailed",
    "BadGateway",
    "BadRequest",
    "CSRFFailed",
    "Conflict",
    "DeletionProtected",
    "FailedPrecondition",
    "GatewayTimeout",
    "IdempotencyKeyInUse",
    "IdempotencyKeyReused",
    "InternalError",
    "InvalidArgument",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "ParseError",
    "PaymentRequired",
    "PermissionDenied",
    "QuotaExceeded",
    "RateLimited",
    "RequestTooLarge",
    "ServiceUnavailable",
    "Unauthenticated",
    "UnprocessableEntity",
    "UnsupportedMediaType",
    "ValidationFailed",
]

_ENTRY_FIELDS = ("status", "type", "title", "message", "description", "retryable")

#: The first class registered for each code: what `APIError.for_code` instantiates.
_class_for_code: dict[str, type[APIError]] = {}


class APIError(Exception):
    """An error the API answers with. Raise a subclass; the middleware renders it."""

    code: str = "internal_error"
    status: int
    type: str
    title: str
    message: Text
    description: Text
    retryable: bool
    #: Set on errors read from a response by `django_apierrors.client`: the server's
    #: request id, its rate-limit headers (a `client.RateLimit`) and the response itself.
    request_id: str | None = None
    rate_limit: Any = None
    response: Any = None
    # Set by __init__ on every instance.
    param: str | None
    errors: list[FieldError]
    meta: dict[str, Any]
    headers: dict[str, str]
    retry_after: int | None
    #: The exception this error was translated from (None when raised directly).
    original: BaseException | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            _register(cls)

    def __init__(
        self,
        message: Text | None = None,
        *,
        code: str | None = None,
        param: str | None = None,
        errors: Any = None,
        meta: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        retry_after: int | None = None,
        status: int | None = None,
    ) -> None:
        cls = type(self)
        entry = catalog.get(cls.code) if code is None else _entry_for_instance(cls, code)
        if message is None:
            # The message stays lazy: translating it here would be wasted work when the
            # response translates it again (str(exc) still gives the text).
            message = entry.message
        # One update rather than eleven assignments: an error is built on every error
        # response, and each attribute set on an exception is a dict insertion.
        self.__dict__.update(
            code=entry.code,
            status=status if status is not None else entry.status,
            type=entry.type,
            retryable=entry.retryable,
            message=message,
            param=param,
            errors=normalize_errors(errors),
            meta=dict(meta) if meta else {},
            headers=dict(headers) if headers else {},
            retry_after=retry_after,
            original=None,
        )
        super().__init__(message)

    @classmethod
    def for_code(cls, code: str, **kwargs: Any) -> APIError:
        """An instance of the class registered for `code` (or a plain APIError)."""
        return class_for_code(code)(code=code, **kwargs)

    @classmethod
    def for_status(cls, status: int, **kwargs: Any) -> APIError:
        """The generic error for a status, for responses that carry nothing else."""
        entry = catalog.for_status(status)
        if entry is not None:
            return cls.for_code(entry.code, **kwargs)
        fallback = "bad_request" if status < 500 else "internal_error"
        kwargs.setdefault("message", reason_phrase(status) + ".")
        return cls.for_code(fallback, status=status, **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status} {self.code}>"


def class_for_code(code: str) -> type[APIError]:
    """The class registered for `code`, or APIError itself for a code nobody registered."""
    return _class_for_code.get(code, APIError)


def _register(cls: type[APIError]) -> None:
    code = cls.__dict__["code"]
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
        raise TypeError(f"{cls.__qualname__}.code must match ^[a-z][a-z0-9_]*$, got {code!r}")
    known = catalog.get(code) if code in catalog else None
    parent = cls.__mro__[1]
    if known is not None and parent is not APIError and "status" not in cls.__dict__:
        parent_status = getattr(parent, "status", known.status)
        if parent_status != known.status:
            raise ImproperlyConfigured(
                f"{cls.__qualname__} derives from {parent.__qualname__} ({parent_status}) but "
                f"claims the code {code!r}, a {known.status} error; give it a code of its own."
            )
    values: dict[str, Any] = {}
    for field in _ENTRY_FIELDS:
        if field in cls.__dict__:
            values[field] = cls.__dict__[field]
        elif known is not None:
            values[field] = getattr(known, field)
        elif field == "title":
            values[field] = title_for_code(code)
        elif field == "description" and cls.__doc__:
            values[field] = " ".join(cls.__doc__.split())
        else:
            values[field] = getattr(cls, field)
    entry = catalog.register(CatalogEntry(code=code, **values))
    for field in _ENTRY_FIELDS:
        setattr(cls, field, getattr(entry, field))
    _class_for_code.setdefault(code, cls)


def _entry_for_instance(cls: type[APIError], code: str) -> CatalogEntry:
    """The entry for an instance given `code` (without one, it is the class's own)."""
    if code == cls.code:
        return catalog.get(cls.code)
    if code in catalog:
        return catalog.get(code)
    if not CODE_PATTERN.fullmatch(code):
        raise ValueError(f"Error code {code!r} must match ^[a-z][a-z0-9_]*$")
    # An ad-hoc code: it behaves like the class's own entry but is not documented.
    return dataclasses.replace(catalog.get(cls.code), code=code, title=title_for_code(code))


_SEQUENCES = (list, tuple)  # built once: `list | tuple` makes a new union on every call


def normalize_errors(errors: Any) -> list[FieldError]:
    """`errors` may be FieldErrors, dicts with `param`, or a nested tree of messages."""
    if not errors:
        return []
    if isinstance(errors, _SEQUENCES):
        field_errors = [item for item in errors if isinstance(item, FieldError)]
        if len(field_errors) == len(errors):  # the common case: flatten_errors' own list
            return field_errors
        normalized = []
        for item in errors:
            if isinstance(item, FieldError):
                normalized.append(item)
            elif isinstance(item, Mapping) and "message" in item:
                normalized.append(_field_error_from_mapping(item))
            else:  # not a list of field errors: a tree of messages
                return flatten_errors(errors)
        return normalized
    return flatten_errors(errors)


def _field_error_from_mapping(item: Mapping[str, Any]) -> FieldError:
    error = FieldError.at(path_for_param(item.get("param")), item["message"], item.get("code"))
    return FieldError(
        error.message,
        error.code,
        error.param,
        item.get("pointer", error.pointer),
        item.get("index"),
    )


# APIError itself stands for an unexpected failure until a subclass says otherwise.
for _field in _ENTRY_FIELDS:
    setattr(APIError, _field, getattr(catalog.get("internal_error"), _field))


class InvalidArgument(APIError):
    code = "invalid_argument"


class ValidationFailed(APIError):
    """Field validation failed. `errors` lists each failing input."""

    code = "validation_failed"

    def __init__(self, message: Text | None = None, **kwargs: Any) -> None:
        if kwargs.get("status") is None:  # not setdefault: the client has no settings
            kwargs["status"] = api_settings.VALIDATION_STATUS
        super().__init__(message, **kwargs)
        errors = self.errors
        if errors:
            params = {error.param for error in errors}
            if self.param is None and len(params) == 1:
                (self.param,) = params
            if message is None:
                named = len(params) - 1 if None in params else len(params)  # None: the object
                if named <= 1:
                    self.message = errors[0].message
                else:
                    self.message = _count_message(get_language(), named)
                self.args = (self.message,)


@functools.lru_cache(maxsize=256)
def _count_message(language: str | None, count: int) -> str:
    # Cached per active language (the key; ngettext reads it again): Django's ngettext
    # costs more than building the rest of the error, most of all when no catalog has
    # the message (one KeyError per catalog in the fallback chain).
    return ngettext(
        "%(count)d parameter is invalid.", "%(count)d parameters are invalid.", count
    ) % {"count": count}


#: Settings after whose change Django drops its own translations, and so do we.
_TRANSLATION_SETTINGS = frozenset(
    {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "USE_I18N", "INSTALLED_APPS"}
)


def _forget_translations(*, setting: str, **kwargs: Any) -> None:
    if setting in _TRANSLATION_SETTINGS:
        _count_message.cache_clear()


def _forget_translations_of_changed_file(*, file_path: Path, **kwargs: Any) -> None:
    # runserver reloads translations in place when a .mo file changes. Returns None: only
    # Django's own receiver decides whether the server restarts.
    if file_path.suffix == ".mo":
        _count_message.cache_clear()


setting_changed.connect(_forget_translations)
file_changed.connect(_forget_translations_of_changed_file)


class ParseError(APIError):
    code = "parse_error"


class BadRequest(APIError):
    code = "bad_request"


class Unauthenticated(APIError):
    code = "unauthenticated"


class AuthenticationFailed(Unauthenticated):
    code = "authentication_failed"


class PaymentRequired(APIError):
    code = "payment_required"


class PermissionDenied(APIError):
    code = "permission_denied"


class QuotaExceeded(PermissionDenied):
    code = "quota_exceeded"


class DeletionProtected(PermissionDenied):
    code = "deletion_protected"


class CSRFFailed(PermissionDenied):
    code = "csrf_failed"


class NotFound(APIError):
    code = "not_found"


class MethodNotAllowed(APIError):
    code = "method_not_allowed"


class NotAcceptable(APIError):
    code = "not_acceptable"


class Conflict(APIError):
    code = "conflict"


class AlreadyExists(Conflict):
    code = "already_exists"


class IdempotencyKeyInUse(Conflict):
    code = "idempotency_key_in_use"


class FailedPrecondition(APIError):
    code = "failed_precondition"


class RequestTooLarge(APIError):
    code = "request_too_large"


class UnsupportedMediaType(APIError):
    code = "unsupported_media_type"


class UnprocessableEntity(APIError):
    code = "unprocessable_entity"


class IdempotencyKeyReused(UnprocessableEntity):
    code = "idempotency_key_reused"


class RateLimited(APIError):
    code = "rate_limited"


class InternalError(APIError):
    code = "internal_error"


class BadGateway(APIError):
    code = "bad_gateway"


class ServiceUnavailable(APIError):
    code = "service_unavailable"


class GatewayTimeout(APIError):
    code = "gateway_timeout"
