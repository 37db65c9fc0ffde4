"""The errors reference page as a view: ``path("api/errors/", include("django_apierrors.urls"))``.

HTML by default (one anchor per code, so ``DOCS_URL#code`` lands on its section), JSON with
``?format=json`` or ``Accept: application/json``. Point ``API_ERRORS["DOCS_URL"]`` at it.
"""

from django.urls import path

from .errors_page.views import errors_page

app_name = "django_apierrors"

urlpatterns = [path("", errors_page, name="errors")]
