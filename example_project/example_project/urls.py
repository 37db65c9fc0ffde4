from django.urls import include, path

from django_apierrors.views import handler400, handler403, handler404, handler500  # noqa: F401
from example_project.schema_views import RedocView, SchemaView, SwaggerView
from shop.ninja_api import api as ninja_api

urlpatterns = [
    path("api/errors/", include("django_apierrors.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/schema/swagger-ui/", SwaggerView.as_view(url_name="schema")),
    path("api/schema/redoc/", RedocView.as_view(url_name="schema")),
    path("api/v2/", ninja_api.urls),
    path("api/", include("shop.urls")),
]
