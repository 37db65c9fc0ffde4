from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class APIErrorsConfig(AppConfig):
    name = "django_apierrors"
    verbose_name = "API errors"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)

        # Every installed app's `errors` module defines its error codes before any request,
        # so the catalog never depends on import order.
        autodiscover_modules("errors")
