"""One consistent, documented error response for every endpoint of a Django, Django REST
framework or Django Ninja API.

Without Django installed, only `django_apierrors.client` (for scripts that call an API)
is usable: the names below need Django.
"""

import importlib.util
from typing import TYPE_CHECKING

__version__ = "0.1.0"

__all__: list[str] = []

if TYPE_CHECKING or importlib.util.find_spec("django") is not None:
    from . import exceptions
    from .catalog import CatalogEntry, catalog
    from .exceptions import *  # noqa: F403  (the exception classes)
    from .field_errors import FieldError
    from .request_id import get_request_id

    __all__ = [*exceptions.__all__, "CatalogEntry", "FieldError", "catalog", "get_request_id"]
