"""The DRF exception handler: ``REST_FRAMEWORK = {"EXCEPTION_HANDLER":
"django_apierrors.drf.exception_handler"}``. DRF views answer byte-for-byte like plain ones."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from rest_framework.views import set_rollback

from .handling import response_for_exception


def exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse:
    request = context["request"]
    django_request: HttpRequest = getattr(request, "_request", request)
    # The view runs inside ATOMIC_REQUESTS' transaction; DRF's own handler rolls it back too.
    set_rollback()
    return response_for_exception(django_request, exc)
