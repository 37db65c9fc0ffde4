"""Exceptions by name, each carrying text that must never reach a client."""

from collections.abc import Callable

from django.core.exceptions import (
    BadRequest,
    DisallowedHost,
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    ValidationError,
)
from django.db import IntegrityError, InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django_ratelimit.exceptions import Ratelimited
from ninja import errors as ninja
from rest_framework import exceptions as drf

import django_apierrors

from .errors import EmailTaken

SECRET = "s3cr3t-token-do-not-leak"


class _UnformattableText(str):
    def __str__(self) -> str:
        raise KeyError("a translation placeholder is missing")


EXCEPTIONS: dict[str, Callable[[], BaseException]] = {
    "runtime": lambda: RuntimeError(f"password={SECRET}"),
    "key_error": lambda: KeyError(SECRET),
    "recursion": lambda: RecursionError(f"maximum recursion depth exceeded {SECRET}"),
    "overflow": lambda: OverflowError(f"math range error {SECRET}"),
    "http404": lambda: Http404(f"No product {SECRET}"),
    "does_not_exist": lambda: ObjectDoesNotExist(f"Product {SECRET} matching query"),
    "permission_denied": lambda: PermissionDenied(SECRET),
    "bad_request": lambda: BadRequest(SECRET),
    "suspicious": lambda: SuspiciousOperation(SECRET),
    "disallowed_host": lambda: DisallowedHost(SECRET),
    "data_too_big": lambda: RequestDataTooBig(SECRET),
    "too_many_fields": lambda: TooManyFieldsSent(SECRET),
    "integrity": lambda: IntegrityError(f"duplicate key value violates {SECRET}"),
    "protected": lambda: ProtectedError(SECRET, set()),
    "restricted": lambda: RestrictedError(SECRET, set()),
    "operational": lambda: OperationalError(f"could not connect to {SECRET}"),
    "interface": lambda: InterfaceError(SECRET),
    "ratelimited": lambda: Ratelimited(SECRET),
    "django_validation_dict": lambda: ValidationError(
        {
            "email": [ValidationError("Enter a valid email address.", code="invalid")],
            "__all__": [ValidationError("Passwords do not match.", code="mismatch")],
        }
    ),
    "django_validation_list": lambda: ValidationError(
        [ValidationError("Too short.", code="min_length"), ValidationError("Too plain.")]
    ),
    "django_validation_message": lambda: ValidationError(
        "Value %(value)s is odd.", code="odd", params={"value": 3}
    ),
    "typed_not_found": lambda: django_apierrors.NotFound("Product 42 does not exist."),
    "typed_already_exists": lambda: django_apierrors.AlreadyExists(param="sku"),
    "typed_custom": lambda: django_apierrors.ServiceUnavailable("Down.", retry_after=30),
    "typed_permission_denied": lambda: django_apierrors.PermissionDenied("Members only."),
    "typed_invalid": lambda: django_apierrors.InvalidArgument("Bad page.", param="page"),
    "typed_method": lambda: django_apierrors.MethodNotAllowed(headers={"Allow": "GET"}),
    "drf_validation": lambda: drf.ValidationError({"name": ["This field is required."]}),
    "drf_not_authenticated": lambda: drf.NotAuthenticated(),
    "drf_authentication_failed": lambda: drf.AuthenticationFailed(),
    "drf_permission_denied": lambda: drf.PermissionDenied("Only owners may do this."),
    "drf_not_found": lambda: drf.NotFound(),
    "drf_parse": lambda: drf.ParseError(),
    "drf_method": lambda: drf.MethodNotAllowed("PATCH"),
    "drf_not_acceptable": lambda: drf.NotAcceptable(),
    "drf_unsupported": lambda: drf.UnsupportedMediaType("text/plain"),
    "drf_throttled": lambda: drf.Throttled(wait=4.2),
    "drf_api_exception": lambda: drf.APIException("The ledger is busy."),
    "ninja_http_error": lambda: ninja.HttpError(404, "No such basket."),
    "ninja_http_error_teapot": lambda: ninja.HttpError(418, "Short and stout."),
    "ninja_authentication": lambda: ninja.AuthenticationError(),
    "ninja_authorization": lambda: ninja.AuthorizationError(),
    "ninja_authorization_message": lambda: ninja.AuthorizationError(message="Owners only."),
    "ninja_throttled": lambda: ninja.Throttled(wait=4.2),  # type: ignore[arg-type]
    "ninja_unparsable": lambda: ninja.HttpError(400, f"Cannot parse request body ({SECRET})"),
    "ninja_csrf": lambda: ninja.HttpError(403, "CSRF check Failed"),
    "ninja_validation": lambda: ninja.ValidationError(
        [
            {"type": "missing", "loc": ("query", "page"), "msg": "Field required"},
            {"type": "int_parsing", "loc": ("body", "items", 1, "qty"), "msg": "Not a number"},
        ]
    ),
    "email_taken": lambda: EmailTaken(param="email"),
    "broken_message": lambda: django_apierrors.Conflict(_UnformattableText("Broken %(x)s")),
    "drf_custom_status": lambda: type("Teapot", (drf.APIException,), {"status_code": 418})(),
    "drf_conflict_status": lambda: type("Clash", (drf.APIException,), {"status_code": 409})(
        "Version clash."
    ),
}
