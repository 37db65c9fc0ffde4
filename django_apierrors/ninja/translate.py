"""Django Ninja's exceptions as APIErrors (the core's `translate` hands them here).

`ValidationError` lists pydantic's errors with a `loc` that starts with where the input
came from (`("body", "payload", "items", 1, "qty")`): each becomes a `FieldError` whose
`param` and `pointer` are relative to that input (`items[1].qty`, `/items/1/qty`), with the
source kept as `location` and pydantic's error type as the code. `HttpError` is the
catalog's error for its status, with the developer's message; Ninja's own default texts
give way to the catalog's, and the messages Ninja writes itself (a body it could not parse,
a failed CSRF check) become their codes.
"""

from __future__ import annotations

import math
from typing import Any

from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from ..exceptions import APIError, CSRFFailed, RateLimited, ValidationFailed
from ..field_errors import FieldError
from ..openapi import INPUT_LOCATIONS

#: Set on a ValidationError by `install()`: the body parameter Ninja wraps the body in
#: (an operation with one body parameter reads `{"payload": <body>}`), which is not part of
#: what the client sent.
BODY_PARAMETER = "_apierrors_body_parameter"

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


def from_ninja_exception(exc: HttpError | NinjaValidationError) -> APIError:
    if isinstance(exc, NinjaValidationError):
        return ValidationFailed(errors=field_errors(exc))
    if isinstance(exc, Throttled):
        if exc.wait is None:
            return RateLimited()
        retry_after = max(1, math.ceil(exc.wait))
        return RateLimited(retry_after=retry_after, meta={"retry_after": retry_after})
    status, message = exc.status_code, str(exc.message)
    if status < 400 or status > 599:
        # Not an error status: raising it is the server's mistake.
        return APIError.for_code("internal_error")
    if status == 403 and message == CSRF_FAILED_MESSAGE:
        return CSRFFailed()
    if status == 400 and message.startswith(UNPARSABLE_BODY_MESSAGE):
        return APIError.for_code("parse_error")  # never the decoder's text
    if not message or message == NINJA_DEFAULT_MESSAGES.get(type(exc)):
        return APIError.for_status(status)
    return APIError.for_status(status, message=message)


def field_errors(exc: NinjaValidationError) -> list[FieldError]:
    body_parameter = getattr(exc, BODY_PARAMETER, None)
    found: list[FieldError] = []
    for item in exc.errors:
        if isinstance(item, dict) and "loc" in item:
            found.append(_field_error(item, body_parameter))
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


def _field_error(item: dict[str, Any], body_parameter: str | None) -> FieldError:
    loc = tuple(part if isinstance(part, int) else str(part) for part in item["loc"])
    location = loc[0] if loc and loc[0] in _LOCATIONS else None
    path = loc[1:] if location else loc
    if location == "body" and body_parameter is not None and path[:1] == (body_parameter,):
        path = path[1:]
    error = FieldError.at(path, item.get("msg", ""), item.get("type"))
    error.location = location
    return error
