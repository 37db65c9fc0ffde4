"""Per-input errors: one `FieldError` per failing input, with `param` and RFC 6901 `pointer`.

`flatten_errors` walks the nested shapes validation libraries produce (DRF's
`ValidationError.detail`, Django's `ValidationError`, plain dicts and lists) in their
order, so that `items[1].qty` / `/items/1/qty` name the input in both list shapes DRF
uses for `many=True` (a list with `{}` for valid items, or a dict keyed by index).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError

from .catalog import CODE_PATTERN

Path = tuple[str | int, ...]

#: Keys that hold errors about the object itself rather than one of its fields.
NON_FIELD_KEYS = frozenset({NON_FIELD_ERRORS, "non_field_errors"})

DEFAULT_FIELD_CODE = "invalid"


# Not frozen: a frozen dataclass's __init__ costs four times as much, and one is built per
# failing input on every validation error.
@dataclass(slots=True)
class FieldError:
    message: str
    code: str
    param: str | None
    pointer: str
    index: int | None = None
    #: Where the input came from, where the framework says (Django Ninja does): body,
    #: query, path, header, cookie, form or file.
    location: str | None = None

    @classmethod
    def at(cls, path: Path, message: object, code: str | None = None) -> FieldError:
        return cls(str(message), clean_code(code), param_for_path(path), pointer_for_path(path))

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message": self.message,
            "code": self.code,
            "param": self.param,
            "pointer": self.pointer,
        }
        if self.index is not None:
            data["index"] = self.index
        if self.location is not None:
            data["location"] = self.location
        return data


def as_dicts(errors: list[FieldError]) -> list[dict[str, Any]]:
    """`[error.as_dict() for error in errors]`, with the common case built in place (this
    runs once per failing input of every validation error)."""
    return [
        {"message": e.message, "code": e.code, "param": e.param, "pointer": e.pointer}
        if e.index is None and e.location is None
        else e.as_dict()
        for e in errors
    ]


def clean_code(code: object) -> str:
    """Field codes come from many libraries; keep the ones that fit our code pattern."""
    if type(code) is str:
        cleaned = _clean_codes.get(code)
        if cleaned is not None:
            return cleaned
    if isinstance(code, str):
        return _clean_code(code)
    return DEFAULT_FIELD_CODE


#: The codes seen so far, cleaned; a dict lookup, because this runs once per failing input.
_clean_codes: dict[str, str] = {}
#: Bounded: codes are few, but a library could make one per message.
_CLEAN_CODES_KEPT = 512


def _clean_code(code: str) -> str:
    if CODE_PATTERN.fullmatch(code):
        cleaned = code
    else:
        candidate = re.sub(r"[^a-z0-9_]+", "_", code.lower()).strip("_")
        cleaned = candidate if CODE_PATTERN.fullmatch(candidate) else DEFAULT_FIELD_CODE
    if len(_clean_codes) < _CLEAN_CODES_KEPT:
        _clean_codes[str(code)] = cleaned
    return cleaned


def param_for_path(path: Path) -> str | None:
    """("items", 1, "qty") -> "items[1].qty"; () -> None."""
    if not path:
        return None
    parts: list[str] = []
    for element in path:
        if isinstance(element, int):
            parts.append(f"[{element}]")
        else:
            parts.append(f".{element}" if parts else element)
    return "".join(parts)


def pointer_for_path(path: Path) -> str:
    """("items", 1, "qty") -> "/items/1/qty" (RFC 6901, "" is the whole document)."""
    return "".join(f"/{_escape_pointer(part)}" for part in path)


def _escape_pointer(part: str | int) -> str:
    if isinstance(part, int):
        return str(part)
    if "~" in part or "/" in part:
        return part.replace("~", "~0").replace("/", "~1")
    return part


_PARAM_TOKEN = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def path_for_param(param: str | None) -> Path:
    """The inverse of `param_for_path`, for errors given by their `param`."""
    if not param:
        return ()
    path: list[str | int] = []
    for index, name in _PARAM_TOKEN.findall(param):
        path.append(int(index) if index else name)
    return tuple(path)


def flatten_errors(
    tree: Any, path: Path = (), non_field_keys: frozenset[str] = NON_FIELD_KEYS
) -> list[FieldError]:
    """Every leaf message of a nested error structure, in order, as a FieldError."""
    found: list[FieldError] = []
    if path:
        _collect(tree, param_for_path(path) or "", pointer_for_path(path), non_field_keys, found)
    else:
        _collect(tree, "", "", non_field_keys, found)
    return found


# Tuples built once: `list | tuple` in an isinstance() call builds a new union every time.
_SEQUENCES = (list, tuple)
_NOT_MAPPINGS = (str, list, tuple, FieldError, DjangoValidationError)
_CONTAINERS = (dict, list, tuple, Mapping)


def _collect(
    tree: Any, param: str, pointer: str, non_field_keys: frozenset[str], found: list[FieldError]
) -> None:
    # The walk carries the `param` and `pointer` built so far ("" at the top) rather than a
    # path, so that each level's name is formatted once, not once per leaf below it.
    # Concrete types first: DRF's ErrorDetail, ReturnDict and ReturnList subclass str, dict
    # and list, and isinstance() against the ABCs costs several times more on this hot path.
    if isinstance(tree, dict) or (
        not isinstance(tree, _NOT_MAPPINGS) and isinstance(tree, Mapping)
    ):
        for key, value in tree.items():
            if key in non_field_keys:
                child_param, child_pointer = param, pointer
            elif type(key) is str and "~" not in key and "/" not in key:
                child_param = f"{param}.{key}" if param else key
                child_pointer = f"{pointer}/{key}"
            elif isinstance(key, int):
                child_param, child_pointer = f"{param}[{key}]", f"{pointer}/{key}"
            else:
                name = str(key)
                child_param = f"{param}.{name}" if param else name
                child_pointer = f"{pointer}/{_escape_pointer(name)}"
            if isinstance(value, list):  # the common shape: {field: [message, ...]}
                _collect_sequence(value, child_param, child_pointer, non_field_keys, found)
            else:
                _collect(value, child_param, child_pointer, non_field_keys, found)
    elif isinstance(tree, _SEQUENCES):
        _collect_sequence(tree, param, pointer, non_field_keys, found)
    elif isinstance(tree, FieldError):
        found.append(tree)
    elif isinstance(tree, DjangoValidationError):
        _collect(_django_tree(tree), param, pointer, non_field_keys, found)
    elif tree is not None:  # a message: a str (DRF's ErrorDetail is one), lazy text, ...
        found.append(
            FieldError(str(tree), clean_code(getattr(tree, "code", None)), param or None, pointer)
        )


def _collect_sequence(
    items: list[Any] | tuple[Any, ...],
    param: str,
    pointer: str,
    non_field_keys: frozenset[str],
    found: list[FieldError],
) -> None:
    for index, value in enumerate(items):
        if isinstance(value, str):  # the common leaf, built here rather than in _collect()
            code = getattr(value, "code", None)
            # clean_code(code), without the call for a code seen before
            cleaned = (type(code) is str and _clean_codes.get(code)) or clean_code(code)
            found.append(FieldError(str(value), cleaned, param or None, pointer))
        elif isinstance(value, _CONTAINERS):
            # A container inside a list is one item of a many=True input; DRF gives each
            # valid item as {}.
            if value:
                _collect(value, f"{param}[{index}]", f"{pointer}/{index}", non_field_keys, found)
        else:
            _collect(value, param, pointer, non_field_keys, found)


class _CodedMessage(str):
    code: str | None


def _django_tree(error: DjangoValidationError) -> Any:
    if hasattr(error, "error_dict"):
        return {field: _django_tree_list(errors) for field, errors in error.error_dict.items()}
    return _django_tree_list(error.error_list)


def _django_tree_list(errors: list[DjangoValidationError]) -> list[_CodedMessage]:
    leaves = []
    for error in errors:
        message = error.message % error.params if error.params else error.message
        leaf = _CodedMessage(message)
        leaf.code = error.code
        leaves.append(leaf)
    return leaves
