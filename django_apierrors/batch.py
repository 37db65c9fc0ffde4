"""Batched writes with a per-item outcome.

    from django_apierrors.batch import form_item, run_batch, serializer_item

    def import_products(request):
        payload = read_json(request)  # django_apierrors.json_body
        items = payload.get("products") if isinstance(payload, dict) else None
        return run_batch(items, form_item(ProductForm), field="products")

    @action(detail=False, methods=["post"])
    def batch(self, request):
        return run_batch(request.data.get("items"), serializer_item(ProductSerializer))

The rules clients are promised:
- 201 (or 202 with `accepted=True`, for work queued for later) with one outcome per item:
  `{"index": 0, "status": 201, "id": 7}` or
  `{"index": 1, "status": 400, "error": {"code", "type", "message", "param": "items[1].email"}}`;
- 422 `unprocessable_entity` when every item failed, its `errors` listing every item's
  errors, each with its `index`;
- `all_or_nothing=True`: one transaction, and any failed item rolls everything back (422);
- a body that is not a non-empty list is 400 `validation_failed`; more than `max_items`
  items is 413 `request_too_large`.
Each item runs in a savepoint of its own, so a failed item leaves nothing behind. An
unexpected exception in an item is not an item's outcome: it fails the whole request (500).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import JsonResponse
from django.utils.translation import ngettext

from .exceptions import APIError, RequestTooLarge, UnprocessableEntity, ValidationFailed
from .field_errors import FieldError, param_for_path, path_for_param
from .translate import to_api_error

DEFAULT_MAX_ITEMS = 1000

ItemHandler = Callable[[Any], Any]


@dataclass(frozen=True)
class ItemOutcome:
    index: int
    status: int
    id: Any = None
    error: APIError | None = None

    def as_dict(self, field: str | None) -> dict[str, Any]:
        outcome: dict[str, Any] = {"index": self.index, "status": self.status}
        if self.error is None:
            outcome["id"] = self.id
            return outcome
        errors = item_field_errors(self.error, field, self.index)
        named = {error.param for error in errors}
        outcome["error"] = {
            "code": self.error.code,
            "type": self.error.type,
            "message": str(self.error.message),
            "param": named.pop()
            if len(named) == 1
            else param_for_path((*_prefix(field), self.index)),
        }
        if self.error.errors:
            outcome["error"]["errors"] = [error.as_dict() for error in errors]
        return outcome


def run_batch(
    items: Any,
    handle_item: ItemHandler,
    *,
    field: str | None = "items",
    max_items: int = DEFAULT_MAX_ITEMS,
    all_or_nothing: bool = False,
    accepted: bool = False,
    using: str | None = None,
) -> JsonResponse:
    """Apply `handle_item` to every item and answer with each item's outcome.

    `field` names the body member holding the list (params read `items[3].email`); None
    when the body is the list itself (`[3].email`).

    `handle_item(item)` returns the created object's id (or anything JSON can carry) and
    raises for a failed item: a Django or DRF ValidationError, or any of our APIErrors.
    """
    _check_items(items, field, max_items)
    success_status = 202 if accepted else 201
    if all_or_nothing:
        with transaction.atomic(using=using):
            outcomes = _apply_each(items, handle_item, success_status, using)
            failed = [outcome for outcome in outcomes if outcome.error is not None]
            if failed:
                # Raised inside the transaction: everything the batch wrote is rolled back.
                raise _batch_failed(failed, len(outcomes), field, all_or_nothing=True)
    else:
        outcomes = _apply_each(items, handle_item, success_status, using)
        failed = [outcome for outcome in outcomes if outcome.error is not None]
        if len(failed) == len(outcomes):
            raise _batch_failed(failed, len(outcomes), field, all_or_nothing=False)
    return JsonResponse(
        {
            "results": [outcome.as_dict(field) for outcome in outcomes],
            "succeeded": len(outcomes) - len(failed),
            "failed": len(failed),
        },
        status=success_status,
    )


def _prefix(field: str | None) -> tuple[str, ...]:
    return (field,) if field else ()


def _check_items(items: Any, field: str | None, max_items: int) -> None:
    if not isinstance(items, list):
        raise ValidationFailed(
            errors=[FieldError.at(_prefix(field), "Send a list of items.", "not_a_list")]
        )
    if not items:
        raise ValidationFailed(
            errors=[FieldError.at(_prefix(field), "Send at least one item.", "empty")]
        )
    if len(items) > max_items:
        raise RequestTooLarge(
            ngettext(
                "Send at most %(max)d item per request.",
                "Send at most %(max)d items per request.",
                max_items,
            )
            % {"max": max_items},
            param=field,
            meta={"max_items": max_items, "items": len(items)},
        )


def _apply_each(
    items: list[Any], handle_item: ItemHandler, success_status: int, using: str | None
) -> list[ItemOutcome]:
    outcomes = []
    for index, item in enumerate(items):
        try:
            with transaction.atomic(using=using):  # a savepoint per item
                result = handle_item(item)
        except Exception as exc:
            error = to_api_error(exc)
            if error.status >= 500:
                raise
            outcomes.append(ItemOutcome(index, error.status, error=error))
        else:
            outcomes.append(ItemOutcome(index, success_status, id=result))
    return outcomes


def item_field_errors(error: APIError, field: str | None, index: int) -> list[FieldError]:
    """An item's errors with params and pointers relative to the request body."""
    own = error.errors or [FieldError.at(path_for_param(error.param), error.message, error.code)]
    located = []
    for item_error in own:
        path = (*_prefix(field), index, *path_for_param(item_error.param))
        relocated = FieldError.at(path, item_error.message, item_error.code)
        located.append(
            FieldError(relocated.message, relocated.code, relocated.param, relocated.pointer, index)
        )
    return located


def _batch_failed(
    failed: list[ItemOutcome], total: int, field: str | None, *, all_or_nothing: bool
) -> UnprocessableEntity:
    errors = [
        field_error
        for outcome in failed
        if outcome.error is not None
        for field_error in item_field_errors(outcome.error, field, outcome.index)
    ]
    if all_or_nothing and len(failed) < total:
        message = ngettext(
            "%(failed)d of %(total)d item failed; nothing was applied.",
            "%(failed)d of %(total)d items failed; nothing was applied.",
            total,
        ) % {"failed": len(failed), "total": total}
    else:
        message = ngettext("The item failed.", "All %(total)d items failed.", total) % {
            "total": total
        }
    return UnprocessableEntity(message, errors=errors, meta={"failed": len(failed), "total": total})


def form_item(form_class: Any, save: Callable[[Any], Any] | None = None) -> ItemHandler:
    """Each item through a Django form: `save(form)` (default `form.save()`, for ModelForms);
    the saved object's pk (or what `save` returns) is the item's id."""

    def handle(item: Any) -> Any:
        if not isinstance(item, dict):
            raise ValidationFailed(errors=[FieldError.at((), "Send an object.", "not_an_object")])
        form = form_class(data=item)
        if not form.is_valid():
            raise DjangoValidationError(form.errors.as_data())
        saved = save(form) if save is not None else form.save()
        return getattr(saved, "pk", saved)

    return handle


def serializer_item(serializer_class: Any, context: dict[str, Any] | None = None) -> ItemHandler:
    """Each item through a DRF serializer (what `many=True` would validate, one by one);
    the saved instance's pk is the item's id."""

    def handle(item: Any) -> Any:
        serializer = serializer_class(data=item, context=context or {})
        serializer.is_valid(raise_exception=True)
        instance = serializer.save()
        return getattr(instance, "pk", None)

    return handle
