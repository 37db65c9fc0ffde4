"""Validate bodies against the OpenAPI (3.0 dialect) schemas with the jsonschema library."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from django_apierrors.openapi import as_openapi_31 as as_json_schema

#: A checked validator per distinct (schema, components): checking a schema against the
#: metaschema costs far more than validating a body, and the suite validates thousands of
#: bodies against a few dozen schemas.
_validators: dict[str, jsonschema.Draft202012Validator] = {}


def validate(instance: Any, schema: dict[str, Any], components: dict[str, Any] | None = None):
    """Raise jsonschema.ValidationError unless `instance` matches; `#/components/...`
    references resolve against `components` (an OpenAPI document's components). Raise
    jsonschema.SchemaError if the schema itself is not a valid JSON Schema."""
    key = json.dumps([schema, components], sort_keys=True, default=repr)
    validator = _validators.get(key)
    if validator is None:
        root = {"allOf": [as_json_schema(schema)]}
        if components is not None:
            root["components"] = as_json_schema(components)
        jsonschema.Draft202012Validator.check_schema(root)
        validator = _validators[key] = jsonschema.Draft202012Validator(root)
    # As jsonschema.validate() reports: the most relevant error, not merely the first.
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error
