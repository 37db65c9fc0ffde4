from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class APIErrorsConfig(AppConfig):
    name = "django_apierrors"
    verbose_name = "API errors"

    def ready(self) -> None:
        from .checks import register_checks

        # `manage.py check` (and `check --tag django_apierrors`) runs them from here on.
        register_checks()

        # Every installed app's `errors` module defines its error codes before any request,
        # so the catalog never depends on import order.
        autodiscover_modules("errors")
