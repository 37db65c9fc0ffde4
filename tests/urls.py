from django.urls import include, path

from django_apierrors.views import handler400, handler403, handler404, handler500  # noqa: F401
from example_project.urls import urlpatterns as example_urlpatterns

urlpatterns = [
    path("api/test/", include("tests.testapp.urls")),
    path("pages/", include("tests.testapp.page_urls")),
    *example_urlpatterns,
]
