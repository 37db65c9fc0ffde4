"""Views limited every way a project may limit them."""

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django_ratelimit.decorators import ratelimit as upstream_ratelimit
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_apierrors.drf.throttling import RatelimitThrottle
from django_apierrors.ratelimit import ratelimit


def ok(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "limited": getattr(request, "limited", None)})


@ratelimit(key="ip", rate="5/h", group="sustained")
@ratelimit(key="ip", rate="3/h", group="burst")
def two_limits(request: HttpRequest) -> JsonResponse:
    return ok(request)


@ratelimit(key="ip", rate="1/h", group="hourly")
@ratelimit(key="ip", rate="1/m", group="minutely")
def two_exhausted(request: HttpRequest) -> JsonResponse:
    return ok(request)


@ratelimit(key="ip", rate="3/h")
def per_ip(request: HttpRequest) -> JsonResponse:
    return ok(request)


@ratelimit(key="user", rate="2/h")
def per_user(request: HttpRequest) -> JsonResponse:
    return ok(request)


@ratelimit(key="ip", rate="1/h", block=False)
def not_blocking(request: HttpRequest) -> JsonResponse:
    return ok(request)


@ratelimit(key="ip", rate="2/h", method="POST")
def posts_only(request: HttpRequest) -> JsonResponse:
    return ok(request)


@transaction.non_atomic_requests
@ratelimit(key="ip", rate="2/h")
async def async_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


class ClassBased(View):
    @method_decorator(ratelimit(key="ip", rate="2/h"))
    def get(self, request: HttpRequest) -> HttpResponse:
        return ok(request)


class DRFMethodDecorated(APIView):
    permission_classes = [AllowAny]

    @method_decorator(ratelimit(key="ip", rate="2/h"))
    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class TwoPerHour(RatelimitThrottle):
    rate = "2/h"
    key = "ip"


@api_view(["GET"])
@permission_classes([AllowAny])
@throttle_classes([TwoPerHour])
def drf_throttled(request: Request) -> Response:
    return Response({"ok": True})


@upstream_ratelimit(key="ip", rate="1/h")
def upstream_limited(request: HttpRequest) -> JsonResponse:
    return ok(request)


@ratelimit(key="ip", rate="5/h", group="both-ours")
@upstream_ratelimit(key="ip", rate="1/h", group="both")
def upstream_and_ours(request: HttpRequest) -> JsonResponse:
    return ok(request)
