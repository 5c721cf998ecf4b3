"""Checking payloads against Mirakl's seller OpenAPI document (JSON Schema draft 2020-12).

The document is loaded whole into a `referencing.Registry`, so every `#/components/schemas/...`
reference resolves as written. Four adjustments make the schemas say what Mirakl means; each is
tested in tests/sandbox/test_mirakl_contract.py:

- Null is accepted for every property. The document never marks a field nullable, yet its own
  descriptions say many are ("Null before shipping", "null otherwise") and Mirakl's real
  payloads carry nulls even in required fields (`description`, `country_iso_code`). A required
  property must still be present.
- Enumerations are enforced. The document lists them in descriptions ("Enum: `"A"`, `"B"`"),
  not in `enum`; they are lifted into `enum`, deprecated values included.
- `discriminator` mappings are enforced: an object whose discriminating property names a
  mapped schema must also match that schema's own properties.
- `date-time` and `date` formats are asserted. Mirakl answers date-times in UTC with a trailing
  Z and optional milliseconds.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import os
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from recon.settings import SHARED_DIR

SPEC_PATH = Path(
    os.environ.get(
        "RECON_MIRAKL_OPENAPI",
        SHARED_DIR / "reference" / "mirakl-mmp-seller-openapi.json",
    )
)
SPEC_URI = "urn:mirakl-recon:mirakl-mmp-seller-openapi"

_ENUM_VALUE = re.compile(r'`"([^"`]*)"`')
_RESPONSE_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_SINGLES = ("items", "not", "additionalProperties", "if", "then", "else", "contains")


@functools.cache
def load_document() -> dict[str, Any]:
    """Mirakl's OpenAPI document as published, unmodified."""
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@functools.cache
def annotated_document() -> dict[str, Any]:
    """The document with the adjustments described in the module docstring."""
    document = copy.deepcopy(load_document())
    schemas: dict[str, Any] = document["components"]["schemas"]
    for schema in list(schemas.values()):
        _annotate(schema)
    for name in list(schemas):
        _enforce_discriminator(schemas, name)
    for path_item in document["paths"].values():
        for operation in path_item.values():
            for response in (
                (operation.get("responses") or {}).values() if isinstance(operation, dict) else ()
            ):
                for media in (response.get("content") or {}).values():
                    if isinstance(media.get("schema"), dict):
                        _annotate(media["schema"])
    return document


def _lift_enum(schema: dict[str, Any]) -> None:
    description = schema.get("description")
    if schema.get("type") != "string" or "enum" in schema or not description:
        return
    if "Enum:" not in description:
        return
    values = _ENUM_VALUE.findall(description.split("Enum:", 1)[1])
    if values:
        schema["enum"] = sorted(set(values))


def _annotate(schema: Any) -> None:
    if not isinstance(schema, dict):
        return
    _lift_enum(schema)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name, subschema in list(properties.items()):
            _annotate(subschema)
            properties[name] = _nullable(subschema)
    for keyword in _SCHEMA_LISTS:
        for subschema in schema.get(keyword) or []:
            _annotate(subschema)
    for keyword in _SCHEMA_SINGLES:
        _annotate(schema.get(keyword))


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if isinstance(schema.get("type"), str) and not any(
        keyword in schema for keyword in ("$ref", *_SCHEMA_LISTS)
    ):
        # Widening the type keeps error messages precise, where anyOf would blur them.
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def _enforce_discriminator(schemas: dict[str, Any], name: str) -> None:
    schema = schemas[name]
    discriminator = schema.get("discriminator")
    if not isinstance(discriminator, dict) or not discriminator.get("mapping"):
        return
    prop = discriminator["propertyName"]
    rules = []
    for value, target in discriminator["mapping"].items():
        mapped_name = target.rsplit("/", 1)[-1]
        # The mapped schema minus its allOf (which points back here) holds what it adds.
        own_name = f"{mapped_name}__own"
        schemas[own_name] = {
            key: item for key, item in schemas[mapped_name].items() if key != "allOf"
        }
        rules.append(
            {
                "if": {"properties": {prop: {"const": value}}, "required": [prop]},
                "then": {"$ref": f"#/components/schemas/{own_name}"},
            }
        )
    schema["allOf"] = [*schema.get("allOf", []), *rules]


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def is_response_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not _RESPONSE_DATE_TIME.match(value):
            raise ValueError(f"{value!r} is not a UTC date-time ending in Z")
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    @checker.checks("date", raises=ValueError)
    def is_date(value: object) -> bool:
        if isinstance(value, str):
            dt.date.fromisoformat(value)
            if len(value) != 10:
                raise ValueError(f"{value!r} is not YYYY-MM-DD")
        return True

    return checker


@functools.cache
def _registry() -> Registry:
    resource = Resource.from_contents(annotated_document(), default_specification=DRAFT202012)
    return Registry().with_resource(SPEC_URI, resource)


def operation(operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """(method, path, operation object) of an operation id such as "OR11"."""
    for path, path_item in load_document()["paths"].items():
        for method, op in path_item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return method, path, op
    raise KeyError(f"no operation {operation_id} in the Mirakl OpenAPI document")


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


@functools.cache
def response_validator(
    operation_id: str, status: str = "200", media_type: str = "application/json"
) -> Draft202012Validator:
    """A validator for the body of one operation's response, as the document declares it."""
    method, path, op = operation(operation_id)
    if media_type not in op["responses"][status].get("content", {}):
        raise KeyError(f"{operation_id} declares no {media_type} body for {status}")
    pointer = _pointer("paths", path, method, "responses", status, "content", media_type, "schema")
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#/{pointer}"},
        registry=_registry(),
        format_checker=_format_checker(),
    )


@functools.cache
def schema_validator(schema_name: str) -> Draft202012Validator:
    """A validator for one of the document's component schemas, e.g. "OR11_Response_200"."""
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"},
        registry=_registry(),
        format_checker=_format_checker(),
    )


def _deepest(errors: list[ValidationError]) -> ValidationError:
    # Skip the null branch of a nullable property: the other branch says what is wrong.
    useful = [e for e in errors if not (e.validator == "type" and e.validator_value == "null")]
    return max(useful or errors, key=lambda error: len(error.absolute_path))


def contract_errors(validator: Draft202012Validator, payload: Any, limit: int = 20) -> list[str]:
    """Readable violations of `payload`, at most `limit` of them ([] when it conforms)."""
    errors = sorted(validator.iter_errors(payload), key=lambda error: list(error.absolute_path))
    readable = []
    for error in errors[:limit]:
        # Inside anyOf (a nullable $ref) the useful message is the deepest one.
        while error.context:
            error = _deepest(error.context)
        path = "/".join(str(part) for part in error.absolute_path)
        message = error.message if len(error.message) < 300 else error.message[:300] + "..."
        readable.append(f"{path}: {message}")
    return readable
