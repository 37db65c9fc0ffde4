"""A root URLconf serving one NinjaAPI that never went through install() (check W011)."""

from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI

from tests.urls import urlpatterns as test_urlpatterns

plain_api = NinjaAPI(title="Plain Ninja", urls_namespace="plain-ninja")


@plain_api.get("/ping")
def ping(request: HttpRequest) -> dict[str, bool]:
    return {"ok": True}


urlpatterns = [*test_urlpatterns, path("plain-ninja/", plain_api.urls)]
