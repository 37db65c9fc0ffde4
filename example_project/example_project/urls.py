from django.urls import include, path

from django_apierrors.views import handler400, handler403, handler404, handler500  # noqa: F401

urlpatterns = [
    path("api/", include("shop.urls")),
]
