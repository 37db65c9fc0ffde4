from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from django_apierrors import ServiceUnavailable


class MaintenanceModeMiddleware:
    """Answers 503 with Retry-After while settings.MAINTENANCE_MODE is on."""

    RETRY_AFTER_SECONDS = 120

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if settings.MAINTENANCE_MODE:
            raise ServiceUnavailable(
                "The shop is down for maintenance.", retry_after=self.RETRY_AFTER_SECONDS
            )
        return self.get_response(request)
