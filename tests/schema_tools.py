"""Validate bodies against the OpenAPI (3.0 dialect) schemas with the jsonschema library."""

from __future__ import annotations

from typing import Any

import jsonschema


def as_json_schema(schema: Any) -> Any:
    """OpenAPI 3.0 `nullable: true` is JSON Schema's `type: [T, "null"]`."""
    if isinstance(schema, list):
        return [as_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: as_json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable") and "type" in schema:
        converted["type"] = [schema["type"], "null"]
    return converted


def validate(instance: Any, schema: dict[str, Any], components: dict[str, Any] | None = None):
    """Raise jsonschema.ValidationError unless `instance` matches; `#/components/...`
    references resolve against `components` (an OpenAPI document's components)."""
    root = {"allOf": [as_json_schema(schema)]}
    if components is not None:
        root["components"] = as_json_schema(components)
    jsonschema.validate(instance, root, cls=jsonschema.Draft202012Validator)
