"""Which error statuses a view can answer, beyond what its DRF configuration shows.

Our decorators note what they add (`@ratelimit`: 429 and 503, `@idempotent`: 400, 409 and
422, preconditions: 412); `@api_errors(add=..., remove=...)` lets a project say the rest.
The OpenAPI schema (`django_apierrors.openapi`) reads these notes. The attributes survive
`functools.wraps` and `method_decorator`, which copy a wrapper's `__dict__`: one attribute
per status, so that copies made in any order add up instead of overwriting each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")

ADDED = "_apierrors_adds_"
REMOVED = "_apierrors_removes_"


def note_statuses(target: Any, add: Iterable[int] = (), remove: Iterable[int] = ()) -> None:
    """Add to what `target` (a view function, method or class) documents."""
    if hasattr(target, "cls"):  # the function DRF's @api_view / as_view() returns
        note_statuses(target.cls, add, remove)
    for status in add:
        setattr(target, f"{ADDED}{int(status)}", True)
    for status in remove:
        setattr(target, f"{REMOVED}{int(status)}", True)


def noted_statuses(*targets: Any) -> tuple[frozenset[int], frozenset[int]]:
    added: set[int] = set()
    removed: set[int] = set()
    for target in targets:
        for name in dir(target):  # dir(): a ViewSet inherits its bases' notes
            if name.startswith(ADDED):
                added.add(int(name.removeprefix(ADDED)))
            elif name.startswith(REMOVED):
                removed.add(int(name.removeprefix(REMOVED)))
    return frozenset(added), frozenset(removed)


def api_errors(add: Iterable[int] = (), remove: Iterable[int] = ()) -> Callable[[T], T]:
    """Document more (or fewer) error statuses for a view, a view method or a ViewSet.

    @api_errors(add=[409, 422])
    def create(self, request): ...
    """

    def decorator(target: T) -> T:
        note_statuses(target, add, remove)
        return target

    return decorator
