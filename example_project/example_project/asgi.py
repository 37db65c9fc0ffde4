"""The example shop's ASGI entry point: Django's own, answering requests Django cannot
read (a charset that is no text codec) by the error contract."""

import os

from django_apierrors.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
application = get_asgi_application()
