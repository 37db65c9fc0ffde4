"""DRF views that return their errors instead of raising them, the way DRF's tutorial and
third-party apps write them."""

from typing import Any

from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_page
from django.views.decorators.gzip import gzip_page
from rest_framework import status, viewsets
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.permissions import AllowAny
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import views
from .views import CartSerializer, LineSerializer


@api_view(["POST"])
@permission_classes([AllowAny])
def tutorial_cart(request: Request) -> Response:
    """DRF tutorial, part 2: `return Response(serializer.errors, status=400)`."""
    serializer = CartSerializer(data=request.data)
    if serializer.is_valid():
        return Response(serializer.validated_data, status=status.HTTP_201_CREATED)
    return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)


@api_view(["POST"])
@permission_classes([AllowAny])
def raising_cart(request: Request) -> Response:
    """The same serializer, raising: what the returned errors must look like."""
    serializer = CartSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return Response(serializer.validated_data, status=status.HTTP_201_CREATED)


class TutorialLines(APIView):
    """DRF tutorial, part 3: a class-based view, here with `many=True`."""

    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        serializer = LineSerializer(data=request.data, many=True)
        if serializer.is_valid():
            return Response(serializer.validated_data, status=status.HTTP_201_CREATED)
        return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)


class LineViewSet(viewsets.ViewSet):
    """DRF tutorial, part 6: a ViewSet."""

    permission_classes = [AllowAny]

    def create(self, request: Request) -> Response:
        serializer = LineSerializer(data=request.data)
        if not serializer.is_valid():
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(serializer.validated_data, status=status.HTTP_201_CREATED)


class _Unprintable(str):
    def __str__(self) -> str:
        raise KeyError("a placeholder is missing")


# name -> (data, status, headers) that a view returns.
RETURNED: dict[str, tuple[Any, int, dict[str, str]]] = {
    "detail_401": (
        {"detail": "Refresh token was not included in request data."},
        401,
        {"WWW-Authenticate": 'Bearer realm="api"'},
    ),
    "detail_403": ({"detail": "Only the owner may do this."}, 403, {}),
    "detail_404": ({"detail": "No such cart."}, 404, {}),
    "detail_with_code": (
        {"detail": "The token has expired.", "code": "authentication_failed"},
        401,
        {},
    ),
    "detail_with_drf_code": ({"detail": "Log in first.", "code": "not_authenticated"}, 401, {}),
    "detail_with_foreign_code": ({"detail": "Token is blacklisted", "code": "blocked"}, 401, {}),
    "drf_default_detail": ({"detail": "Not found."}, 404, {}),
    "detail_429": (
        {"detail": "Request was throttled. Expected available in 30 seconds."},
        429,
        {"Retry-After": "30"},
    ),
    "detail_405": ({"detail": 'Method "PATCH" not allowed.'}, 405, {"Allow": "GET, POST"}),
    "detail_400": ({"detail": "You should be logged in to logout."}, 400, {}),
    "detail_500": ({"detail": "An error has occurred."}, 500, {}),
    "message_string": ("The cart is locked.", 409, {}),
    "nothing": (None, 404, {}),
    "empty_dict": ({}, 400, {}),
    "fields_400": ({"email": ["Enter a valid email address."], "qty": ["Too many."]}, 400, {}),
    "non_field_errors": ({"non_field_errors": ["The cart is empty."]}, 400, {}),
    "message_list_400": (["The cart is empty."], 400, {}),
    "many_list_400": ([{}, {"qty": ["Ensure this value is greater than or equal to 1."]}], 400, {}),
    "many_dict_400": ({1: {"qty": ["Ensure this value is greater than or equal to 1."]}}, 400, {}),
    "nested_400": ({"address": {"zip": ["This value does not match."]}}, 400, {}),
    "fields_422": ({"email": ["Enter a valid email address."]}, 422, {}),
    "fields_409": ({"sku": ["A product with this SKU already exists."]}, 409, {}),
    "field_named_detail": ({"detail": ["This field is required."]}, 400, {}),
    "unprintable": ({"detail": _Unprintable("Broken %(x)s")}, 400, {}),
}


@api_view(["GET"])
@permission_classes([AllowAny])
def returns(request: Request, name: str) -> Response:
    data, status_code, headers = RETURNED[name]
    response = Response(data, status=status_code, headers=headers)
    response.set_cookie("cart", "", max_age=0)  # a cookie the view changed on the way
    return response


@api_view(["GET"])
@permission_classes([AllowAny])
def returns_success(request: Request) -> Response:
    return Response({"ok": True})


@api_view(["POST"])
@permission_classes([AllowAny])
@renderer_classes([TemplateHTMLRenderer])
def html_form(request: Request) -> Response:
    """An HTML form view: its data is the template's context, not a body."""
    serializer = CartSerializer(data=request.data)
    if serializer.is_valid():
        return Response({"cart": serializer.validated_data}, template_name="testapp/cart.html")
    return Response(
        {"serializer": serializer, "user": request.user},
        status=status.HTTP_400_BAD_REQUEST,
        template_name="testapp/cart.html",
    )


# Views wrapped in decorators made from middleware, as projects wrap DRF views.
gzipped_raise = gzip_page(views.raise_drf)


@method_decorator(cache_page(60), name="dispatch")
class CachedLines(TutorialLines):
    pass
