"""An error response -> the typed exception the server raised: `raise_for_error(response)`.

Works on `requests`, `httpx` and `urllib3` responses (anything with a status, headers and
a body) and on every body shape the server may send: flat, the `{"error": {...}}` envelope,
and RFC 9457 problem+json. No Django settings are needed.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from .exceptions import (
    CODE_PATTERN,
    APIError,
    BadRequest,
    InternalError,
    class_for_code,
    code_for_status,
    is_known_code,
    reason_phrase,
)

ResponseT = TypeVar("ResponseT")

#: Above this, an X-RateLimit-Reset value is an epoch time; below it, seconds from now.
_EPOCH_THRESHOLD = 1_000_000_000


@dataclass(frozen=True)
class RateLimit:
    """The rate-limit headers of a response (X-RateLimit-*, or the IETF RateLimit pair)."""

    limit: int | None
    remaining: int | None
    reset: float | None  # UTC epoch seconds when the window ends


def raise_for_error(response: ResponseT) -> ResponseT:
    """Raise the typed `APIError` an error response stands for; return any other response."""
    error = error_from_response(response)
    if error is not None:
        raise error
    return response


def error_from_response(response: Any, *, now: Callable[[], float] = time.time) -> APIError | None:
    """The typed `APIError` for an error response (status >= 400), else None.

    The exception's class is the one registered for the body's `code` (an unknown code
    falls back to the class of its status), and it carries `status`, `code`, `param`,
    `errors`, `meta`, `retry_after`, `request_id`, `rate_limit` and the `response` itself.
    """
    status = response_status(response)
    if status < 400:
        return None
    headers = response.headers
    body = _json_body(response)
    document = _error_document(body)
    retry_after = retry_after_seconds(headers, now=now)
    if document is None:
        message = _foreign_body_message(response, status, is_json=body is not None)
        error = _class_for(None, status)(message, status=status)
    else:
        error = _error_from_document(document, status)
    if retry_after is not None:
        error.retry_after = math.ceil(retry_after)
    elif isinstance(error.meta.get("retry_after"), int):
        error.retry_after = error.meta["retry_after"]
    header_id = headers.get("X-Request-ID")
    error.request_id = (document or {}).get("request_id") or header_id
    error.rate_limit = rate_limit_from_headers(headers, now=now)
    error.response = response
    return error


def response_status(response: Any) -> int:
    """`status_code` (requests, httpx) or `status` (urllib3)."""
    status = getattr(response, "status_code", None)
    if status is None:
        status = response.status
    return int(status)


def retry_after_seconds(
    headers: Mapping[str, str], *, now: Callable[[], float] = time.time
) -> float | None:
    """Retry-After as seconds from now: delay-seconds or an HTTP date (RFC 9110 10.2.3)."""
    value = headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - now())


def rate_limit_from_headers(
    headers: Mapping[str, str], *, now: Callable[[], float] = time.time
) -> RateLimit | None:
    limit = _int(headers.get("X-RateLimit-Limit"))
    remaining = _int(headers.get("X-RateLimit-Remaining"))
    reset_value = _int(headers.get("X-RateLimit-Reset"))
    reset: float | None = None
    if reset_value is not None:
        # Ours (and GitHub's) send an epoch time; some APIs send seconds from now.
        reset = float(reset_value) if reset_value >= _EPOCH_THRESHOLD else now() + reset_value
    if limit is None and remaining is None and reset is None:
        return _ietf_rate_limit(headers, now)
    return RateLimit(limit, remaining, reset)


def _ietf_rate_limit(headers: Mapping[str, str], now: Callable[[], float]) -> RateLimit | None:
    """`RateLimit: "name";r=0;t=30` with `RateLimit-Policy: "name";q=40;w=60`."""
    current = _structured_params(headers.get("RateLimit"))
    if not current:
        return None
    policy = _structured_params(headers.get("RateLimit-Policy"))
    seconds_left = _int(current.get("t"))
    return RateLimit(
        limit=_int(policy.get("q")),
        remaining=_int(current.get("r")),
        reset=None if seconds_left is None else now() + seconds_left,
    )


def _structured_params(value: str | None) -> dict[str, str]:
    if not value:
        return {}
    first_item = value.split(",")[0]
    params = {}
    for part in first_item.split(";")[1:]:
        name, _, param_value = part.strip().partition("=")
        params[name.strip()] = param_value.strip()
    return params


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _content(response: Any) -> bytes:
    """The body: `content` (requests, httpx) or `data` (urllib3)."""
    content = getattr(response, "content", None)
    if content is None:
        content = getattr(response, "data", b"")
    return bytes(content or b"")


def _json_body(response: Any) -> Any:
    content = _content(response)
    if not content:
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None


def _error_document(body: Any) -> dict[str, Any] | None:
    """Our fields out of any of the three shapes, or None when the body is not one."""
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("error"), dict):
        body = body["error"]
    if "detail" in body and "title" in body and "message" not in body:  # problem+json
        return {
            **body,
            "message": body.get("detail"),
            "type": body.get("error_type"),
            "doc_url": body.get("type") if body.get("type") != "about:blank" else None,
        }
    if "message" not in body and "code" not in body:
        return None
    return body


def _error_from_document(document: dict[str, Any], status: int) -> APIError:
    raw_code = document.get("code")
    code = raw_code if isinstance(raw_code, str) and raw_code else None
    known_code = code if code is not None and is_known_code(code) else None
    error_class = _class_for(known_code, status)
    message = document.get("message")
    meta = document.get("meta")
    errors = document.get("errors")
    param = document.get("param")
    error = error_class(
        str(message) if message is not None else reason_phrase(status),
        code=code if code is not None and CODE_PATTERN.fullmatch(code) else None,
        param=param if isinstance(param, str) else None,
        errors=_field_errors(errors),
        meta=meta if isinstance(meta, dict) else None,
        status=status,
    )
    # As the server sent them: a code that breaks our pattern, a param it left null.
    if code is not None:
        error.code = code
    if "param" in document:
        error.param = param if isinstance(param, str) else None
    if isinstance(document.get("type"), str):
        error.type = document["type"]
    if isinstance(document.get("retryable"), bool):
        error.retryable = document["retryable"]
    return error


def _field_errors(errors: Any) -> list[dict[str, Any]] | None:
    if not isinstance(errors, list):
        return None
    return [item for item in errors if isinstance(item, dict) and "message" in item]


def _class_for(code: str | None, status: int) -> type[APIError]:
    if code is not None:
        return class_for_code(code)
    status_code = code_for_status(status)
    if status_code is not None:
        return class_for_code(status_code)
    return BadRequest if status < 500 else InternalError


def _foreign_body_message(response: Any, status: int, *, is_json: bool) -> str:
    content_type = response.headers.get("Content-Type") or "no Content-Type"
    content = _content(response)
    if not content:
        return f"{status} {reason_phrase(status)} (empty body)"
    start = content[:80].decode("utf-8", "replace").strip()
    kind = "JSON that is not an error document" if is_json else "not JSON"
    return f"{status} {reason_phrase(status)} (a {content_type} body, {kind}: {start!r})"
