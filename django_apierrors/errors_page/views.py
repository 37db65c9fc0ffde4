"""The errors reference page as a view (mounted by `django_apierrors.urls`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from .page import build_document, render


@require_safe
def errors_page(request: HttpRequest) -> HttpResponse:
    """The errors reference page of this project (see `django_apierrors.urls`), in the
    active language (Accept-Language through LocaleMiddleware), or in `?lang=` where
    Django has that language."""
    language = request.GET.get("lang") or translation.get_language()
    if not (isinstance(language, str) and translation.check_for_language(language)):
        language = translation.get_language()
    with translation.override(language):
        document = build_document()
        if request.GET.get("format") == "json" or (
            "format" not in request.GET and _prefers_json(request)
        ):
            response = HttpResponse(render(document, "json"), content_type="application/json")
        else:
            response = HttpResponse(
                render(document, "html"), content_type="text/html; charset=utf-8"
            )
    response["Content-Language"] = document["language"]
    patch_vary_headers(response, ["Accept-Language"])
    return response


def _prefers_json(request: HttpRequest) -> bool:
    accept = request.META.get("HTTP_ACCEPT", "")
    return "application/json" in accept and "text/html" not in accept
