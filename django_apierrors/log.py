"""`RequestIDFilter` puts the request id on every log record as `record.request_id`.

LOGGING = {
    "filters": {"request_id": {"()": "django_apierrors.log.RequestIDFilter"}},
    "formatters": {"plain": {"format": "%(levelname)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": "plain"}},
    ...
}
"""

from __future__ import annotations

import logging

from .request_id import get_request_id

NO_REQUEST_ID = "-"


class RequestIDFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            # Django logs some responses after the middleware returned (and the contextvar
            # was reset); those records carry the request itself.
            request_id = getattr(getattr(record, "request", None), "request_id", None)
            record.request_id = request_id or get_request_id() or NO_REQUEST_ID
        return True
