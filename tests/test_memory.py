"""An answered error leaves nothing for the garbage collector.

The exception behind an error holds its traceback, whose frames hold the view and the
response; a response that pointed back at the error would make every error request a
reference cycle, freed only when the collector next runs (and costing its time then).
"""

import gc
import logging
import weakref

import pytest
from django.core.handlers.wsgi import WSGIHandler
from rest_framework import exceptions as drf

import django_apierrors
from benchmarks.wsgi import get
from tests.testapp import raising

pytestmark = pytest.mark.django_db(transaction=True)


class Crash(RuntimeError):
    """A RuntimeError that takes weak references (the built-in one does not)."""


# name: (exception factory, status)
FACTORIES = {
    "drf-validation": (lambda: drf.ValidationError({"name": ["Required."]}), "400 Bad Request"),
    "typed": (lambda: django_apierrors.NotFound("No such product."), "404 Not Found"),
    "crash": (lambda: Crash("boom"), "500 Internal Server Error"),
}


@pytest.mark.parametrize("view", ["raise", "drf/raise"])
@pytest.mark.parametrize("kind", sorted(FACTORIES))
def test_the_exception_is_freed_without_the_collector(monkeypatch, view, kind):
    raised: list[weakref.ref[BaseException]] = []

    def build() -> BaseException:
        exception = FACTORIES[kind][0]()
        raised.append(weakref.ref(exception))
        return exception

    monkeypatch.setitem(raising.EXCEPTIONS, "probe", build)
    # The WSGI handler itself: the test client keeps exc_info on its responses.
    handler = WSGIHandler()
    path = f"/api/test/{view}/probe/"
    get(handler, path)  # first-use caches (URL resolver, translations) fill here
    gc.collect()
    gc.disable()
    # pytest keeps every log record, and a logged crash's record holds the exception.
    logging.disable(logging.CRITICAL)
    try:
        status, _ = get(handler, path)
        freed = raised[-1]() is None
    finally:
        logging.disable(logging.NOTSET)
        gc.enable()
    assert status == FACTORIES[kind][1]
    if (kind, view) == ("crash", "drf/raise"):
        # DRF's convention: its handler answers None for an unexpected exception, and DRF
        # raises it again from inside `except ... as exc` (the frame then holds the
        # exception that holds the frame), as with DRF's default handler. The collector
        # still frees it: no leak.
        assert not freed
        gc.collect()
        assert raised[-1]() is None
        return
    assert freed, f"{kind} from {view}/: the error outlives its response"
