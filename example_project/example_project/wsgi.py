"""The example shop's WSGI entry point: Django's own, answering requests Django cannot
read (a charset that is no text codec) by the error contract."""

import os

from django_apierrors.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
application = get_wsgi_application()
