"""The documented errors, as data.

Runtime behaviour, the docs page and the OpenAPI components all read this registry, so
what the server sends and what the documentation promises cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]*")

#: The closed set of `type` values a client can see.
ERROR_TYPES = frozenset(
    {
        "invalid_request_error",
        "validation_error",
        "authentication_error",
        "billing_error",
        "permission_error",
        "not_found_error",
        "conflict_error",
        "idempotency_error",
        "rate_limit_error",
        "api_error",
    }
)

Text = str | Promise


@dataclass(frozen=True)
class CatalogEntry:
    status: int
    code: str
    type: str
    title: str
    message: Text
    description: Text
    retryable: bool

    def validate(self) -> None:
        if not CODE_PATTERN.fullmatch(self.code):
            raise ImproperlyConfigured(
                f"Error code {self.code!r} must match ^[a-z][a-z0-9_]*$ "
                "(lower case letters, digits and underscores)."
            )
        if self.type not in ERROR_TYPES:
            raise ImproperlyConfigured(
                f"Error code {self.code!r} has type {self.type!r}; "
                f"it must be one of {sorted(ERROR_TYPES)}."
            )
        if not 400 <= self.status <= 599:
            raise ImproperlyConfigured(
                f"Error code {self.code!r} has status {self.status}; errors use 400-599."
            )


def title_for_code(code: str) -> str:
    return code.replace("_", " ").capitalize()


#: The reason phrases of the catalog's statuses, in the active language: problem+json's
#: `title` and the errors page's headings are texts a client reads.
_REASON_PHRASES: dict[int, Text] = {
    400: _("Bad Request"),
    401: _("Unauthorized"),
    402: _("Payment Required"),
    403: _("Forbidden"),
    404: _("Not Found"),
    405: _("Method Not Allowed"),
    406: _("Not Acceptable"),
    409: _("Conflict"),
    412: _("Precondition Failed"),
    413: _("Request Entity Too Large"),
    415: _("Unsupported Media Type"),
    422: _("Unprocessable Entity"),
    429: _("Too Many Requests"),
    500: _("Internal Server Error"),
    502: _("Bad Gateway"),
    503: _("Service Unavailable"),
    504: _("Gateway Timeout"),
}


def reason_phrase(status: int) -> str:
    phrase = _REASON_PHRASES.get(status)
    if phrase is not None:
        return str(phrase)
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(_("Client Error") if status < 500 else _("Server Error"))


# (status, code, type, message, description, retryable). The first entry of a status is
# the one used for a response that carries nothing but that status.
# fmt: off
_BUILTIN = [
    (400, "bad_request", "invalid_request_error",
     _("The request could not be understood."),
     _("The request is malformed: a bad header, a disallowed host or a body the server "
       "refuses to read."), False),
    (400, "invalid_argument", "invalid_request_error",
     _("A request parameter is invalid."),
     _("A query parameter, header or argument has a value the endpoint does not accept; "
       "`param` names it."), False),
    (400, "validation_failed", "validation_error",
     _("The request contains invalid fields."),
     _("One or more fields of the request body failed validation; `errors` lists each "
       "with its `param` and RFC 6901 `pointer`."), False),
    (400, "parse_error", "invalid_request_error",
     _("The request body could not be parsed."),
     _("The body is not valid for its Content-Type, for example malformed JSON."), False),
    (401, "unauthenticated", "authentication_error",
     _("Authentication credentials were not provided."),
     _("The endpoint needs credentials and the request carried none."), False),
    (401, "authentication_failed", "authentication_error",
     _("The authentication credentials are invalid."),
     _("Credentials were sent but are wrong, expired or revoked."), False),
    (402, "payment_required", "billing_error",
     _("Payment is required to complete this request."),
     _("The account's balance, plan or payment method does not cover the request."), False),
    (403, "permission_denied", "permission_error",
     _("You do not have permission to perform this action."),
     _("The caller is known but not allowed to do this."), False),
    (403, "quota_exceeded", "permission_error",
     _("A quota of this account has been exceeded."),
     _("A lasting allowance (not a rate limit) is used up; retrying will not help until "
       "the quota is raised."), False),
    (403, "deletion_protected", "permission_error",
     _("This resource is protected and cannot be deleted."),
     _("The resource has deletion protection switched on."), False),
    (403, "csrf_failed", "permission_error",
     _("CSRF verification failed."),
     _("A cookie-authenticated unsafe request lacked a valid CSRF token or origin."), False),
    (404, "not_found", "not_found_error",
     _("The requested resource was not found."),
     _("No resource exists at this URL, or the caller may not know that it does."), False),
    (405, "method_not_allowed", "invalid_request_error",
     _("This method is not allowed for this resource."),
     _("The `Allow` header lists the methods the resource accepts."), False),
    (406, "not_acceptable", "invalid_request_error",
     _("None of the media types in the Accept header can be served."),
     _("Ask for `application/json`."), False),
    (409, "conflict", "conflict_error",
     _("The request conflicts with the current state of the resource."),
     _("Another change got there first, or the resource is still referenced elsewhere."),
     False),
    (409, "already_exists", "conflict_error",
     _("The resource already exists."),
     _("A resource with the same unique value exists; `param` names the field."), False),
    (409, "idempotency_key_in_use", "idempotency_error",
     _("A request with this idempotency key is still being processed."),
     _("Wait for the first request to finish, then retry with the same key."), True),
    (412, "failed_precondition", "invalid_request_error",
     _("A precondition of the request was not met."),
     _("The resource changed since the version named in `If-Match` or "
       "`If-Unmodified-Since`; fetch it again."), False),
    (413, "request_too_large", "invalid_request_error",
     _("The request is too large."),
     _("The body or the number of fields exceeds what the server accepts."), False),
    (415, "unsupported_media_type", "invalid_request_error",
     _("The request's content type is not supported."),
     _("Send the body as `application/json`."), False),
    (422, "unprocessable_entity", "validation_error",
     _("The request is well-formed but cannot be processed."),
     _("The request is valid on its own but conflicts with business rules."), False),
    (422, "idempotency_key_reused", "idempotency_error",
     _("This idempotency key was used with a different request."),
     _("An `Idempotency-Key` names one request: send a new key for a different method, "
       "path or body."), False),
    (429, "rate_limited", "rate_limit_error",
     _("Too many requests. Retry after the time given in the Retry-After header."),
     _("A rate limit was hit; `Retry-After` says when to come back, and the rate-limit "
       "headers how much of the limit is left."), True),
    (500, "internal_error", "api_error",
     _("An internal error occurred. Quote the request id when reporting it."),
     _("Something failed on our side. The error has been logged."), True),
    (502, "bad_gateway", "api_error",
     _("An upstream service returned an invalid response."),
     _("A service this API depends on failed."), True),
    (503, "service_unavailable", "api_error",
     _("The service is temporarily unavailable."),
     _("The API or one of its dependencies is down or in maintenance; honour "
       "`Retry-After` when present."), True),
    (504, "gateway_timeout", "api_error",
     _("An upstream service did not respond in time."),
     _("A service this API depends on timed out."), True),
]
# fmt: on


class Catalog:
    """The registry of error codes. Codes are unique; one code has one meaning."""

    def __init__(self) -> None:
        self._entries: dict[str, CatalogEntry] = {}
        self._status_defaults: dict[int, CatalogEntry] = {}

    def register(self, entry: CatalogEntry) -> CatalogEntry:
        entry.validate()
        existing = self._entries.get(entry.code)
        if existing is not None:
            if existing != entry:
                raise ImproperlyConfigured(
                    f"Error code {entry.code!r} is already registered with a different "
                    f"definition ({existing}); give the new error a code of its own."
                )
            return existing
        self._entries[entry.code] = entry
        self._status_defaults.setdefault(entry.status, entry)
        return entry

    def get(self, code: str) -> CatalogEntry:
        return self._entries[code]

    def __contains__(self, code: object) -> bool:
        return code in self._entries

    def __iter__(self) -> Iterator[CatalogEntry]:
        """Entries ordered by status, then by registration order."""
        return iter(sorted(self._entries.values(), key=lambda entry: entry.status))

    def __len__(self) -> int:
        return len(self._entries)

    def for_status(self, status: int) -> CatalogEntry | None:
        """The generic entry for a status, used when nothing but the status is known."""
        return self._status_defaults.get(status)


catalog = Catalog()
#: The codes this package ships (the rest are registered by projects).
BUILTIN_CODES = tuple(row[1] for row in _BUILTIN)
for _status, _code, _type, _message, _description, _retryable in _BUILTIN:
    catalog.register(
        CatalogEntry(
            status=_status,
            code=_code,
            type=_type,
            title=title_for_code(_code),
            message=_message,
            description=_description,
            retryable=_retryable,
        )
    )
