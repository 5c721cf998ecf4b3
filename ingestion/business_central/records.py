"""Turn Business Central's JSON entities into landable rows, or into a reason for quarantine.

Each declared field is converted to its type: decimals to ``Decimal`` (BC sends integral
amounts as JSON integers), dates to ``date`` (BC's blank date ``0001-01-01`` becomes null),
date-times to aware UTC ``datetime``. Keys become the snake_case column names. Fields that are
not declared are dropped, and so are OData annotations such as ``@odata.etag``.

An entity without ``id`` or ``lastModifiedDateTime``, or with a value of the wrong type, comes
back as a ``Rejected`` naming the entity and the field; the caller quarantines it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from recon.timestamps import parse_utc

from .entities import EntitySpec, Kind, column

BLANK_DATE = "0001-01-01"


@dataclass(frozen=True)
class Rejected:
    record_ref: str
    reason: str
    raw: Any


class FieldError(ValueError):
    pass


def convert(kind: Kind, value: Any, name: str) -> Any:
    """`value` as the Python type of `kind`; None stays None; FieldError when it does not fit."""
    if value is None:
        return None
    if kind == "text":
        if isinstance(value, dict | list):
            raise FieldError(f"{name} is not a text value: {value!r}")
        return str(value)
    if kind == "decimal":
        if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
            raise FieldError(f"{name} {value!r} is not a number")
        try:
            return Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        except InvalidOperation:
            raise FieldError(f"{name} {value!r} is not a number") from None
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(f"{name} {value!r} is not an integer")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise FieldError(f"{name} {value!r} is not true or false")
        return value
    if kind == "date":
        if value == BLANK_DATE:
            return None
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise FieldError(f"{name} {value!r} is not a date (YYYY-MM-DD)") from None
    if kind == "datetime":
        try:
            return parse_utc(value)
        except (ValueError, TypeError):
            raise FieldError(f"{name} {value!r} is not an ISO 8601 date-time") from None
    raise AssertionError(f"unknown kind {kind}")


def _ref(raw: Mapping[str, Any], spec: EntitySpec) -> str:
    for key in ("number", "entryNumber", "code", "id"):
        value = raw.get(key)
        if value not in (None, ""):
            return f"{spec.entity_set} {key}={value}"
    return f"<{spec.entity_set} without id>"


def shape(raw: Any, spec: EntitySpec) -> tuple[dict[str, Any] | None, Rejected | None]:
    """The landable row of one entity, or why it cannot land."""
    if not isinstance(raw, Mapping):
        return None, Rejected(f"<{spec.entity_set} item>", "not a JSON object", raw)
    ref = _ref(raw, spec)
    for name in spec.required:
        if raw.get(name) in (None, ""):
            return None, Rejected(ref, f"{ref} has no `{name}`", raw)
    errors: list[str] = []
    row = _fields(raw, spec.fields, errors, "")
    if spec.lines is not None:
        lines = raw.get(spec.lines.navigation)
        if lines is None:
            errors.append(f"`{spec.lines.navigation}` is missing: was it requested with $expand?")
        elif not isinstance(lines, list):
            errors.append(f"`{spec.lines.navigation}` is not a list")
        else:
            shaped = []
            for index, line in enumerate(lines):
                where = f"{spec.lines.navigation}[{index}]."
                if not isinstance(line, Mapping):
                    errors.append(f"{where[:-1]} is not a JSON object")
                    continue
                shaped.append(_fields(line, spec.lines.fields, errors, where))
            row[column(spec.lines.navigation)] = shaped
    if errors:
        return None, Rejected(ref, f"{ref}: " + "; ".join(errors), raw)
    return row, None


def _fields(
    raw: Mapping[str, Any], fields: dict[str, Kind], errors: list[str], where: str
) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, kind in fields.items():
        try:
            row[column(name)] = convert(kind, raw.get(name), where + name)
        except FieldError as error:
            errors.append(str(error))
    return row
