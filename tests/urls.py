from django.urls import include, path
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView, TokenVerifyView

from django_apierrors.views import handler400, handler403, handler404, handler500  # noqa: F401
from example_project.urls import urlpatterns as example_urlpatterns

urlpatterns = [
    path("api/test/", include("tests.testapp.urls")),
    path("api/auth/", include("dj_rest_auth.urls")),
    path("api/token/", TokenObtainPairView.as_view()),
    path("api/token/refresh/", TokenRefreshView.as_view()),
    path("api/token/verify/", TokenVerifyView.as_view()),
    path("pages/", include("tests.testapp.page_urls")),
    *example_urlpatterns,
]
