"""The `API_ERRORS` settings dict, read through one object with defaults.

Like DRF's `api_settings`: attribute access falls back to the defaults, derived values
are cached, and everything is dropped when `setting_changed` fires for `API_ERRORS`.
Bad values are reported by system checks (see `checks.py`), not at request time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

logger = logging.getLogger("django_apierrors")

SETTING_NAME = "API_ERRORS"

#: An HTTP header name (a token of letters, digits and hyphens).
HEADER_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def is_header_name(value: object) -> bool:
    return isinstance(value, str) and HEADER_NAME_PATTERN.fullmatch(value) is not None


DEFAULTS: dict[str, Any] = {
    # None: flat body; "error": the body is wrapped as {"error": {...}}.
    "ENVELOPE": None,
    # "auto": problem+json when the client asks for it; "json": never; "problem": always.
    "FORMAT": "auto",
    # 400 or 422 for field-validation failures.
    "VALIDATION_STATUS": 400,
    # Base URL of the errors reference page; adds `doc_url` = DOCS_URL#code.
    "DOCS_URL": None,
    "REQUEST_ID_HEADER": "X-Request-ID",
    # Keep a valid incoming request id instead of generating one.
    "TRUST_REQUEST_ID": True,
    # {"dotted.path.Exception": "code"}: adds or overrides a translation row.
    "EXCEPTION_MAP": {},
    # None: every path gets JSON errors; a list of prefixes: only those paths do.
    "PATH_PREFIXES": None,
    # Error Responses that DRF views return instead of raising get the contract too.
    "CONVERT_RETURNED_ERRORS": True,
    "RATELIMIT_HEADER_STYLES": ("x-ratelimit",),
    "RATELIMIT_HEADERS_ON_SUCCESS": True,
    "RATELIMIT_FAIL_OPEN": False,
}

ENVELOPES = (None, "error")
FORMATS = ("auto", "json", "problem")
VALIDATION_STATUSES = (400, 422)
RATELIMIT_HEADER_STYLES = ("x-ratelimit", "ietf")


class APIErrorsSettings:
    """`api_settings.ENVELOPE` etc. read `settings.API_ERRORS` with the defaults below it."""

    @cached_property
    def user_settings(self) -> Mapping[str, Any]:
        value = getattr(settings, SETTING_NAME, None)
        return value if isinstance(value, Mapping) else {}

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Invalid {SETTING_NAME} setting: {name!r}")
        value = self.user_settings.get(name, DEFAULTS[name])
        setattr(self, name, value)  # cache until reload()
        return value

    @cached_property
    def request_id_header(self) -> str:
        """REQUEST_ID_HEADER, or the default where it is no header name (system check E003
        reports it): a response never carries a header Django would refuse."""
        header: str = self.REQUEST_ID_HEADER
        if is_header_name(header):
            return header
        default: str = DEFAULTS["REQUEST_ID_HEADER"]
        return default

    @cached_property
    def request_id_header_and_key(self) -> tuple[str, str]:
        """`request_id_header`, and the lower-cased name Django keys response headers by."""
        header = self.request_id_header
        return header, header.lower()

    @cached_property
    def request_id_meta_key(self) -> str:
        return "HTTP_" + self.request_id_header.upper().replace("-", "_")

    @cached_property
    def path_prefixes(self) -> tuple[str, ...] | None:
        prefixes = self.PATH_PREFIXES
        return None if prefixes is None else tuple(prefixes)

    @cached_property
    def exception_map(self) -> tuple[tuple[type[BaseException], str], ...]:
        """EXCEPTION_MAP with its classes imported; unimportable rows are skipped here
        (the system check reports them) so that a typo never breaks error handling."""
        rows = []
        for path, code in dict(self.EXCEPTION_MAP).items():
            try:
                exception_class = import_string(path) if isinstance(path, str) else path
            except ImportError:
                logger.warning("API_ERRORS['EXCEPTION_MAP']: cannot import %r", path)
                continue
            if isinstance(exception_class, type) and issubclass(exception_class, BaseException):
                rows.append((exception_class, code))
        return tuple(rows)

    def reload(self) -> None:
        self.__dict__.clear()


api_settings = APIErrorsSettings()


#: True once settings.DEBUG was read as False, until `setting_changed` fires for DEBUG.
_debug_is_off = False


def debug_is_on() -> bool:
    """`settings.DEBUG`, for every error body. Reading Django's settings costs more than
    filling the rest of a body, so False is remembered (True is read again each time): a
    DEBUG switched on at run time without `setting_changed` (override_settings sends it)
    only keeps debug details out of bodies, never shows them."""
    global _debug_is_off
    if _debug_is_off:
        return False
    if settings.DEBUG:
        return True
    _debug_is_off = True
    return False


def reload_api_settings(*, setting: str, **kwargs: Any) -> None:
    global _debug_is_off
    if setting == SETTING_NAME:
        api_settings.reload()
    elif setting == "DEBUG":
        _debug_is_off = False


setting_changed.connect(reload_api_settings)


def is_api_path(path: str) -> bool:
    """Whether errors on this path (a request's `path_info`) are answered with JSON."""
    prefixes = api_settings.path_prefixes
    return prefixes is None or path.startswith(prefixes)
