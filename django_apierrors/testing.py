"""Helpers for a project's own test suite.

from django_apierrors.testing import assert_api_error

def test_duplicate_sku(client):
    response = client.post("/api/products/", {"sku": "A1"}, content_type="application/json")
    body = assert_api_error(response, 409, "already_exists", param="sku")
"""

from __future__ import annotations

import json
from typing import Any

from .catalog import CODE_PATTERN, ERROR_TYPES, catalog
from .conf import api_settings
from .request_id import is_valid_request_id

_UNSET: Any = object()

_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "message": str,
    "type": str,
    "code": str,
    "param": (str, type(None)),
    "request_id": str,
    "status": int,
    "retryable": bool,
}


def assert_api_error(
    response: Any, status: int, code: str, param: str | None = _UNSET
) -> dict[str, Any]:
    """Assert that `response` is an error by the whole contract; return its (flat) body.

    Checks the status, the content type, every required body field and its type, that
    `request_id` equals the request id header, that `type` and `retryable` agree with the
    catalog, the `errors` items, `Cache-Control: no-store`, and `param` when given.
    """
    assert response.status_code == status, (
        f"expected status {status}, got {response.status_code}: {_content(response)!r}"
    )
    content_type = response.get("Content-Type", "")
    assert content_type in ("application/json", "application/problem+json"), (
        f"error responses are JSON; got Content-Type {content_type!r}: {_content(response)!r}"
    )
    document = json.loads(_content(response))
    if content_type == "application/problem+json":
        body = _flat_from_problem(document)
    elif api_settings.ENVELOPE == "error":
        assert set(document) == {"error"}, f"expected the {{'error': ...}} envelope: {document}"
        body = document["error"]
    else:
        body = document

    for field, expected_type in _FIELD_TYPES.items():
        assert field in body, f"the error body lacks {field!r}: {body}"
        assert isinstance(body[field], expected_type), f"{field!r} has the wrong type: {body}"
    assert body["status"] == status, f"body status {body['status']} != {status}"
    assert body["code"] == code, f"expected code {code!r}, got {body['code']!r}: {body}"
    assert CODE_PATTERN.fullmatch(body["code"]), f"code {body['code']!r} is malformed"
    assert body["type"] in ERROR_TYPES, f"type {body['type']!r} is not a documented type"
    if code in catalog:
        entry = catalog.get(code)
        assert body["type"] == entry.type, f"type {body['type']!r} != catalog {entry.type!r}"
        assert body["retryable"] == entry.retryable, "retryable disagrees with the catalog"
    assert body["message"], "the message is empty"

    header = response.get(api_settings.request_id_header)
    assert header, f"the response lacks the {api_settings.request_id_header} header"
    assert is_valid_request_id(header), f"malformed request id {header!r}"
    assert body["request_id"] == header, "body request_id differs from the header"
    assert response.get("Cache-Control") == "no-store", "error responses are not cacheable"

    if param is not _UNSET:
        assert body["param"] == param, f"expected param {param!r}, got {body['param']!r}"
    for item in body.get("errors", []):
        assert {"message", "code", "param", "pointer"} <= set(item), f"bad errors item {item}"
        assert item["pointer"] == "" or item["pointer"].startswith("/"), item
    return dict(body)


def _content(response: Any) -> bytes:
    return b"".join(response) if getattr(response, "streaming", False) else response.content


def _flat_from_problem(document: dict[str, Any]) -> dict[str, Any]:
    body = {key: value for key, value in document.items() if key not in ("title", "instance")}
    body["message"] = body.pop("detail")
    body["type"] = body.pop("error_type")
    return body
