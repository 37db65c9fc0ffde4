"""The errors reference page as a view (mounted by `django_apierrors.urls`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from .page import build_document, render


@require_safe
def errors_page(request: HttpRequest) -> HttpResponse:
    """The errors reference page of this project (see `django_apierrors.urls`)."""
    document = build_document()
    if request.GET.get("format") == "json" or (
        "format" not in request.GET and _prefers_json(request)
    ):
        return HttpResponse(render(document, "json"), content_type="application/json")
    return HttpResponse(render(document, "html"), content_type="text/html; charset=utf-8")


def _prefers_json(request: HttpRequest) -> bool:
    accept = request.META.get("HTTP_ACCEPT", "")
    return "application/json" in accept and "text/html" not in accept
