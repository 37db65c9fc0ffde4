"""Django Ninja's exceptions as APIErrors (the core's `translate` hands them here).

`ValidationError` lists pydantic's errors with a `loc` that starts with where the input
came from (`("body", "payload", "items", 1, "qty")`): each becomes a `FieldError` whose
`param` and `pointer` are relative to that input (`items[1].qty`, `/items/1/qty`), with the
source kept as `location` and pydantic's error type as the code; its message is Django's
own where Django has one for that type (`DJANGO_MESSAGES`), translated by Django's
catalogs, and pydantic's (English) text otherwise. `HttpError` is the
catalog's error for its status, with the developer's message; Ninja's own default texts
give way to the catalog's, and the messages Ninja writes itself (a body it could not parse,
a failed CSRF check) become their codes.
"""

from __future__ import annotations

import math
import os
from typing import Any

import ninja.pagination
import pydantic
from django import forms
from django.core import validators
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from ..catalog import Text
from ..exceptions import APIError, CSRFFailed, RateLimited, ValidationFailed
from ..field_errors import FieldError
from ..openapi import INPUT_LOCATIONS
from ..translate import traceback_code

#: Set on a ValidationError by `install()`: the body parameter Ninja wraps the body in
#: (an operation with one body parameter reads `{"payload": <body>}`), which is not part of
#: what the client sent.
BODY_PARAMETER = "_apierrors_body_parameter"

#: Set on a ValidationError by `install()`'s exception handler: the body as parsed, so that
#: what pydantic puts into a `loc` beside the client's keys (a union member, a
#: discriminator's tag, "[key]") can be told from them.
BODY_DATA = "_apierrors_body_data"

#: The texts Ninja's exceptions carry when raised without one: the catalog's say more.
NINJA_DEFAULT_MESSAGES: dict[type[HttpError], str] = {
    AuthenticationError: "Unauthorized",
    AuthorizationError: "Forbidden",
    Throttled: "Too many requests.",
}
#: Ninja's APIKeyCookie (and SessionAuth) on a failed CSRF check.
CSRF_FAILED_MESSAGE = "CSRF check Failed"
#: Ninja's body parser, when the body is no JSON (under DEBUG it appends the decoder's text).
UNPARSABLE_BODY_MESSAGE = "Cannot parse request body"

_LOCATIONS = frozenset(INPUT_LOCATIONS)


def from_ninja_exception(exc: BaseException) -> APIError | None:
    """The APIError for one of Ninja's exceptions; None for any other."""
    if isinstance(exc, NinjaValidationError):
        return ValidationFailed(errors=field_errors(exc))
    if isinstance(exc, Throttled):
        if exc.wait is None:
            return RateLimited()
        retry_after = max(1, math.ceil(exc.wait))
        return RateLimited(retry_after=retry_after, meta={"retry_after": retry_after})
    if isinstance(exc, HttpError):
        return _from_http_error(exc)
    if isinstance(exc, pydantic.ValidationError) and _raised_paginating(exc):
        # CursorPagination validates the cursor it decoded from the query string.
        error = FieldError.at(("cursor",), _("Invalid cursor."), "invalid")
        error.location = "query"
        return ValidationFailed(errors=[error])
    return None


def _from_http_error(exc: HttpError) -> APIError:
    status = exc.status_code
    message = "" if exc.message is None else str(exc.message)
    if not isinstance(status, int) or status < 400 or status > 599:
        # Not an error status: raising it is the server's mistake.
        return APIError.for_code("internal_error")
    if status == 403 and message == CSRF_FAILED_MESSAGE:
        return CSRFFailed()
    if status == 400 and message.startswith(UNPARSABLE_BODY_MESSAGE):
        return APIError.for_code("parse_error")  # never the decoder's text
    if not message or message == NINJA_DEFAULT_MESSAGES.get(type(exc)):
        return APIError.for_status(status)
    return APIError.for_status(status, message=message)


_PAGINATION_FILE = os.path.normcase(ninja.pagination.__file__)


def _raised_paginating(exc: BaseException) -> bool:
    return any(
        os.path.normcase(code.co_filename) == _PAGINATION_FILE for code in traceback_code(exc)
    )


def field_errors(exc: NinjaValidationError) -> list[FieldError]:
    body_parameter = getattr(exc, BODY_PARAMETER, None)
    body = getattr(exc, BODY_DATA, _UNKNOWN)
    found: list[FieldError] = []
    for item in exc.errors:
        if isinstance(item, dict) and "loc" in item:
            found.append(_field_error(item, body_parameter, body))
        elif isinstance(item, dict):
            # Not pydantic's shape: Ninja's cursor pagination raises
            # ValidationError([{"cursor": "Invalid Cursor"}]).
            for name, message in item.items():
                error = FieldError.at((str(name),), message)
                error.location = "query"
                found.append(error)
        else:
            found.append(FieldError.at((), item))
    return found


_UNKNOWN = object()


def _field_error(item: dict[str, Any], body_parameter: str | None, body: Any) -> FieldError:
    loc = tuple(part if isinstance(part, int) else str(part) for part in item["loc"])
    location = loc[0] if loc and loc[0] in _LOCATIONS else None
    path = loc[1:] if location else loc
    if location == "body" and body_parameter is not None and path[:1] == (body_parameter,):
        path = path[1:]
    if location == "body" and body is not _UNKNOWN:
        path = _client_path(path, body)
    error = FieldError.at(path, _message(item), item.get("type"))
    error.location = location
    return error


def _client_path(path: tuple[str | int, ...], data: Any) -> tuple[str | int, ...]:
    """The parts of pydantic's `loc` that name something the client sent: a key of an
    object, an index of an array, or (last) a key the object lacks. The rest are pydantic's
    own (a union member's name, a discriminator's tag, "[key]")."""
    kept: list[str | int] = []
    for position, part in enumerate(path):
        value = _value_at(data, part)
        if value is not _UNKNOWN:
            data = value
            kept.append(part)
        elif isinstance(data, dict) and position == len(path) - 1:
            kept.append(part)
    return tuple(kept)


def _value_at(data: Any, part: str | int) -> Any:
    if isinstance(data, dict) and isinstance(part, str):
        return data.get(part, _UNKNOWN)
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return data[part]
    return _UNKNOWN


#: pydantic's error types that Django says in its own words: the message of the form field
#: or validator that refuses the same input. Django's catalogs translate them (the active
#: language when the error is answered); `code` stays pydantic's type.
DJANGO_MESSAGES: dict[str, Text] = {
    "missing": forms.Field.default_error_messages["required"],
    **dict.fromkeys(
        ("int_type", "int_parsing", "int_parsing_size", "int_from_float"),
        forms.IntegerField.default_error_messages["invalid"],
    ),
    **dict.fromkeys(
        ("float_type", "float_parsing", "finite_number"),
        forms.FloatField.default_error_messages["invalid"],
    ),
    **dict.fromkeys(
        ("decimal_type", "decimal_parsing"), forms.DecimalField.default_error_messages["invalid"]
    ),
    **dict.fromkeys(
        (
            "date_type",
            "date_parsing",
            "date_from_datetime_parsing",
            "date_from_datetime_inexact",
        ),
        forms.DateField.default_error_messages["invalid"],
    ),
    **dict.fromkeys(
        (
            "datetime_type",
            "datetime_parsing",
            "datetime_from_date_parsing",
            "datetime_object_invalid",
        ),
        forms.DateTimeField.default_error_messages["invalid"],
    ),
    **dict.fromkeys(
        ("time_type", "time_parsing"), forms.TimeField.default_error_messages["invalid"]
    ),
    **dict.fromkeys(
        ("time_delta_type", "time_delta_parsing"),
        forms.DurationField.default_error_messages["invalid"],
    ),
    **dict.fromkeys(
        ("uuid_type", "uuid_parsing"), forms.UUIDField.default_error_messages["invalid"]
    ),
    **dict.fromkeys(
        ("url_type", "url_parsing", "url_syntax_violation"),
        forms.URLField.default_error_messages["invalid"],
    ),
    "json_invalid": forms.JSONField.default_error_messages["invalid"],
    "list_type": forms.MultipleChoiceField.default_error_messages["invalid_list"],
    "string_pattern_mismatch": validators.RegexValidator.message,
}

#: pydantic's error types whose Django message takes a limit from the error's `ctx`:
#: (Django's message, the `ctx` key, the message's placeholder).
DJANGO_LIMIT_MESSAGES: dict[str, tuple[Text, str, str]] = {
    "greater_than_equal": (validators.MinValueValidator.message, "ge", "limit_value"),
    "less_than_equal": (validators.MaxValueValidator.message, "le", "limit_value"),
    "multiple_of": (validators.StepValueValidator.message, "multiple_of", "limit_value"),
    "decimal_max_digits": (validators.DecimalValidator.messages["max_digits"], "max_digits", "max"),
    "decimal_max_places": (
        validators.DecimalValidator.messages["max_decimal_places"],
        "decimal_places",
        "max",
    ),
    "decimal_whole_digits": (
        validators.DecimalValidator.messages["max_whole_digits"],
        "whole_digits",
        "max",
    ),
}

#: pydantic's error types whose Django message also says the input's length, so they need
#: the error's `input` (which Ninja drops from its errors): (Django's validator, the `ctx`
#: key of its limit).
DJANGO_LENGTH_VALIDATORS: dict[str, tuple[type[validators.BaseValidator], str]] = {
    "string_too_short": (validators.MinLengthValidator, "min_length"),
    "string_too_long": (validators.MaxLengthValidator, "max_length"),
}

#: How pydantic's `EmailStr` words a `value_error` (its `ctx` holds a `reason`, not a
#: validator's `error`).
EMAIL_ERROR_PREFIX = "value is not a valid email address: "


def _message(item: dict[str, Any]) -> str:
    """The error's message in the active language where Django has one for its type;
    pydantic's (English) text otherwise, a validator's own text for its `ValueError`."""
    kind = item.get("type")
    context = item.get("ctx")
    context = context if isinstance(context, dict) else {}
    text = str(item.get("msg", ""))
    if not isinstance(kind, str):
        return text
    if kind in DJANGO_MESSAGES:
        return str(DJANGO_MESSAGES[kind])
    if kind in DJANGO_LIMIT_MESSAGES:
        message, key, placeholder = DJANGO_LIMIT_MESSAGES[kind]
        return _with_limit(message, placeholder, context.get(key, _UNKNOWN)) or text
    if kind in DJANGO_LENGTH_VALIDATORS:
        validator, key = DJANGO_LENGTH_VALIDATORS[kind]
        return _length_message(validator, context.get(key), item.get("input")) or text
    if kind == "value_error":
        if text.startswith(EMAIL_ERROR_PREFIX):
            return str(validators.EmailValidator.message)
        # A validator's ValueError reads "Value error, <the developer's text>"; keep the text.
        error = context.get("error")
        if isinstance(error, str) and error:
            return error
    return text


def _with_limit(message: Text, placeholder: str, limit: Any) -> str | None:
    """Django's message with pydantic's limit; None without one (or with one a message
    that counts it cannot count: the decimal messages are ngettext_lazy's, with the limit
    as their number)."""
    if limit is _UNKNOWN:
        return None
    try:
        return str(message % {placeholder: limit})
    except (TypeError, ValueError):
        return None


def _length_message(
    validator: type[validators.BaseValidator], limit: Any, value: Any
) -> str | None:
    """What Django's length validator says of `value`; None where it cannot say (no input,
    or one it does not refuse)."""
    if not isinstance(limit, int) or not isinstance(value, str):
        return None
    try:
        validator(limit)(value)
    except DjangoValidationError as refused:
        return refused.messages[0]
    return None
