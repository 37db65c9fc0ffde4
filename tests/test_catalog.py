"""The catalog as data, the typed exceptions built on it, and registration of new codes."""

import pytest
from django.core.exceptions import ImproperlyConfigured

import django_apierrors
from django_apierrors import AlreadyExists, APIError, NotFound, PermissionDenied, catalog
from django_apierrors.catalog import CODE_PATTERN, ERROR_TYPES

# The contract's catalog table: (status, code, exception, type, retryable)
CONTRACT_TABLE = [
    (400, "invalid_argument", "InvalidArgument", "invalid_request_error", False),
    (400, "validation_failed", "ValidationFailed", "validation_error", False),
    (400, "parse_error", "ParseError", "invalid_request_error", False),
    (400, "bad_request", "BadRequest", "invalid_request_error", False),
    (401, "unauthenticated", "Unauthenticated", "authentication_error", False),
    (401, "authentication_failed", "AuthenticationFailed", "authentication_error", False),
    (402, "payment_required", "PaymentRequired", "billing_error", False),
    (403, "permission_denied", "PermissionDenied", "permission_error", False),
    (403, "quota_exceeded", "QuotaExceeded", "permission_error", False),
    (403, "deletion_protected", "DeletionProtected", "permission_error", False),
    (404, "not_found", "NotFound", "not_found_error", False),
    (405, "method_not_allowed", "MethodNotAllowed", "invalid_request_error", False),
    (406, "not_acceptable", "NotAcceptable", "invalid_request_error", False),
    (409, "already_exists", "AlreadyExists", "conflict_error", False),
    (409, "conflict", "Conflict", "conflict_error", False),
    (409, "idempotency_key_in_use", "IdempotencyKeyInUse", "idempotency_error", True),
    (412, "failed_precondition", "FailedPrecondition", "invalid_request_error", False),
    (413, "request_too_large", "RequestTooLarge", "invalid_request_error", False),
    (415, "unsupported_media_type", "UnsupportedMediaType", "invalid_request_error", False),
    (422, "unprocessable_entity", "UnprocessableEntity", "validation_error", False),
    (422, "idempotency_key_reused", "IdempotencyKeyReused", "idempotency_error", False),
    (429, "rate_limited", "RateLimited", "rate_limit_error", True),
    (500, "internal_error", "InternalError", "api_error", True),
    (502, "bad_gateway", "BadGateway", "api_error", True),
    (503, "service_unavailable", "ServiceUnavailable", "api_error", True),
    (504, "gateway_timeout", "GatewayTimeout", "api_error", True),
]


@pytest.mark.parametrize(("status", "code", "name", "error_type", "retryable"), CONTRACT_TABLE)
def test_design_table(status, code, name, error_type, retryable):
    entry = catalog.get(code)
    assert (entry.status, entry.type, entry.retryable) == (status, error_type, retryable)
    exception = getattr(django_apierrors, name)()
    assert (exception.status, exception.code, exception.type) == (status, code, error_type)
    assert str(exception.message) == str(entry.message)


def test_every_entry_is_well_formed():
    for entry in catalog:
        assert CODE_PATTERN.fullmatch(entry.code)
        assert entry.type in ERROR_TYPES
        assert str(entry.message).endswith(".")
        assert str(entry.description)
        assert entry.retryable == (
            entry.status == 429 or entry.status >= 500 or entry.code == "idempotency_key_in_use"
        )


def test_retry_rule_is_429_and_5xx():
    assert {e.status for e in catalog if e.retryable} - {409} == {429, 500, 502, 503, 504}


def test_apps_errors_modules_are_autodiscovered():
    # tests/testapp/errors.py and example_project/shop/errors.py, never imported by a test.
    for code, status in (
        ("email_taken", 409),
        ("out_of_stock", 422),
        ("insufficient_balance", 402),
    ):
        assert catalog.get(code).status == status


def test_subclass_registers_and_inherits():
    class SeatTaken(AlreadyExists):
        """The seat was booked by someone else."""

        code = "seat_taken"
        message = "This seat is already booked."

    entry = catalog.get("seat_taken")
    assert (entry.status, entry.type, entry.retryable) == (409, "conflict_error", False)
    assert entry.description == "The seat was booked by someone else."
    assert entry.title == "Seat taken"
    error = SeatTaken(param="seat")
    assert isinstance(error, AlreadyExists)
    assert (error.status, error.code, error.param) == (409, "seat_taken", "seat")
    assert APIError.for_code("seat_taken").__class__ is SeatTaken


def test_redefining_the_same_class_is_harmless():
    for _ in range(2):

        class Gone(NotFound):
            code = "gone_for_good"
            message = "It is gone."

    assert catalog.get("gone_for_good").message == "It is gone."


def test_a_code_has_one_meaning():
    class Taken(AlreadyExists):
        code = "name_taken"
        message = "Taken."

    with pytest.raises(ImproperlyConfigured, match="name_taken"):

        class OtherTaken(NotFound):
            code = "name_taken"
            message = "Taken."


@pytest.mark.parametrize("code", ["Bad", "1st", "with-dash", "", "é"])
def test_malformed_codes_are_refused(code):
    with pytest.raises(TypeError):
        type("Bad", (NotFound,), {"code": code})
    with pytest.raises(ValueError):
        NotFound(code=code)


def test_unknown_types_are_refused():
    with pytest.raises(ImproperlyConfigured, match="type"):
        type("Odd", (NotFound,), {"code": "odd_one", "type": "weird_error"})


def test_instance_code_from_the_catalog():
    error = PermissionDenied(code="quota_exceeded")
    assert (error.status, error.code, str(error.message)) == (
        403,
        "quota_exceeded",
        "A quota of this account has been exceeded.",
    )


def test_for_status_without_an_entry():
    error = APIError.for_status(410)
    assert (error.status, error.code, str(error.message)) == (410, "bad_request", "Gone.")
    assert APIError.for_status(409).code == "conflict"
    assert APIError.for_status(400).code == "bad_request"
