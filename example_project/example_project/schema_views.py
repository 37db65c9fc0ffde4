"""drf-spectacular's schema, Swagger UI and Redoc views, made safe for any request.

- OPTIONS answers as Django's own views do (200, `Allow`, no body). drf-spectacular's views
  would render DRF's metadata through the page's renderer: the Swagger UI page crashed (500,
  its template needs context the metadata lacks), Redoc rendered a page with no schema,
  and the schema view sent the metadata labelled as an OpenAPI document.
- `?version=` reaches the schema's download filename (`Content-Disposition`) only when it
  is a plain token: CR/LF there made Django refuse the header (500), a quote ended the
  quoted filename early.
- The Redoc page loads nothing from another host: drf-spectacular's template links Google
  Fonts; this one keeps its body, drops those links and takes the sidecar's favicon.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpResponse
from django.template import engines
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.request import Request

#: A version the filename may carry: letters, digits, ".", "_", "-" (e.g. "1.0", "v2").
FILENAME_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")

REDOC_PAGE = """{% extends "drf_spectacular/redoc.html" %}{% load static %}
{% block head %}
    <title>{{ title|default:"Redoc" }}</title>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    {% static "drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png" as icon %}
    <link rel="icon" href="{{ icon }}">
    <style>body { margin: 0; padding: 0; }</style>
{% endblock head %}"""


class OptionsAsDjango:
    """OPTIONS: 200 with the `Allow` header and an empty body."""

    allowed_methods: list[str]

    # Typed loosely: DRF's stubs want a Response, this is Django's plain answer.
    def options(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = HttpResponse()
        response.headers["Allow"] = ", ".join(self.allowed_methods)
        response.headers["Content-Length"] = "0"
        return response


class SchemaView(OptionsAsDjango, SpectacularAPIView):
    def _get_filename(self, request: Request, version: Any) -> str:
        if version is not None and not FILENAME_VERSION.fullmatch(str(version)):
            version = None  # the document still says it; only the header leaves it out
        return str(super()._get_filename(request, version))


class SwaggerView(OptionsAsDjango, SpectacularSwaggerView):
    pass


class RedocPageRenderer(TemplateHTMLRenderer):
    """Renders REDOC_PAGE whatever template the view names."""

    def resolve_template(self, template_names: Any) -> Any:
        return engines["django"].from_string(REDOC_PAGE)


class RedocView(OptionsAsDjango, SpectacularRedocView):
    renderer_classes = [RedocPageRenderer]
