from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from .raising import EXCEPTIONS


class RaisingMiddleware:
    """Raises the exception named in the X-Raise-In-Middleware header, before the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        name = request.headers.get("X-Raise-In-Middleware")
        if name:
            raise EXCEPTIONS[name]()
        return self.get_response(request)


class ExposeETagMiddleware:
    """Stands in for django-cors-headers: exposes ETag on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response["Access-Control-Expose-Headers"] = "ETag"
        return response


class CorsLikeMiddleware:
    """Stands in for django-cors-headers and the security middlewares placed below ours:
    headers of their own on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response["Access-Control-Allow-Origin"] = "https://shop.example"
        response["X-Frame-Options"] = "DENY"
        return response
