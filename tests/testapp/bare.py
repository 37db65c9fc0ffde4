"""Views answering the way Django and third-party views answer on their own."""

from datetime import UTC, datetime

from django.db import transaction
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    JsonResponse,
)
from django.views import View
from django.views.decorators.http import condition, etag, last_modified

from django_apierrors import preconditions

VERSION = '"v2"'
CHANGED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def current_etag(request: HttpRequest) -> str:
    return VERSION


def changed_at(request: HttpRequest) -> datetime:
    return CHANGED


def empty_400(request: HttpRequest) -> HttpResponse:
    return HttpResponseBadRequest()


def html_403(request: HttpRequest) -> HttpResponse:
    return HttpResponseForbidden("<h1>Forbidden</h1>")


def html_404(request: HttpRequest) -> HttpResponse:
    return HttpResponseNotFound("<html><body>Not here</body></html>")


def text_400(request: HttpRequest) -> HttpResponse:
    return HttpResponseBadRequest("bad input", content_type="text/plain")


class OnlyGet(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return JsonResponse({"ok": True})


@condition(etag_func=current_etag)
def django_condition(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"updated": True})


@etag(current_etag)
def django_etag(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"updated": True})


@last_modified(changed_at)
def django_last_modified(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"updated": True})


@preconditions.condition(etag_func=current_etag, last_modified_func=changed_at)
def ours(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"updated": True})


@transaction.non_atomic_requests
@preconditions.etag(current_etag)
async def ours_async(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"updated": True})


def read_post(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"fields": len(request.POST)})
