"""The DRF exception handler (`django_apierrors.drf.exception_handler`)."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpResponse
from django.utils.log import log_response
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.views import APIView, set_rollback

from ..handling import response_for_known_exception
from ..request_id import django_request
from .throttle_usage import record_throttle_usages

csrf_logger = logging.getLogger("django.security.csrf")


def exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse | None:
    """The contract's answer for `exc`, or None, DRF's convention, for an unexpected
    exception: DRF raises it again, and the middleware (or handler500) answers it with the
    same JSON 500, or lets it propagate under DEBUG_PROPAGATE_EXCEPTIONS."""
    request = django_request(context["request"])
    view = context.get("view")
    if isinstance(exc, Throttled) and isinstance(view, APIView):
        record_throttle_usages(context["request"], view)
    response = response_for_known_exception(request, exc)
    if response is None:
        return None
    # The view runs inside ATOMIC_REQUESTS' transaction; DRF's own handler rolls it back too.
    set_rollback()
    if (
        isinstance(exc, PermissionDenied)
        and getattr(response, "api_error_code", "") == "csrf_failed"
    ):
        # The body keeps to the stable code; the reason goes where Django logs its own.
        log_response(
            "Forbidden (%s): %s",
            exc.detail,
            request.path,
            response=response,
            request=request,
            logger=csrf_logger,
        )
    return response
