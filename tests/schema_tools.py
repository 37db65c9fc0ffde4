"""Validate bodies against the OpenAPI (3.0 dialect) schemas with the jsonschema library."""

from __future__ import annotations

from typing import Any

import jsonschema

from django_apierrors.openapi import as_openapi_31 as as_json_schema


def validate(instance: Any, schema: dict[str, Any], components: dict[str, Any] | None = None):
    """Raise jsonschema.ValidationError unless `instance` matches; `#/components/...`
    references resolve against `components` (an OpenAPI document's components)."""
    root = {"allOf": [as_json_schema(schema)]}
    if components is not None:
        root["components"] = as_json_schema(components)
    jsonschema.validate(instance, root, cls=jsonschema.Draft202012Validator)
