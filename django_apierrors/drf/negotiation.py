"""DRF content negotiation that reads `application/problem+json` as JSON::

    REST_FRAMEWORK = {
        "DEFAULT_CONTENT_NEGOTIATION_CLASS": "django_apierrors.drf.negotiation.ContentNegotiation",
    }

A module of its own: DRF imports it while it defines `APIView`, so it must not import
`rest_framework.views` (which `django_apierrors.drf` does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.negotiation import DefaultContentNegotiation

from ..render import PROBLEM_CONTENT_TYPE

if TYPE_CHECKING:
    from rest_framework.request import Request


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, reading `application/problem+json` in Accept as JSON: errors are
    then answered as problem+json, successes as JSON, instead of DRF's 406 before the view
    has even run."""

    def get_accept_list(self, request: Request) -> list[str]:
        return [_as_json(token) for token in super().get_accept_list(request)]


def _as_json(media_range: str) -> str:
    media_type, separator, parameters = media_range.partition(";")
    if media_type.strip().lower() == PROBLEM_CONTENT_TYPE:
        return "application/json" + separator + parameters
    return media_range
