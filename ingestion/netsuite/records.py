"""Turn SuiteQL's all-string rows into typed rows, or into a reason for quarantine.

SuiteQL answers every value as a string and leaves NULL columns out of the row (erp-apis.md
§1.4): numbers as ``"12.3"`` or ``".5"``, checkboxes as ``"T"``/``"F"``, and the date-times this
source asks for as ``YYYY-MM-DDTHH:MI:SS`` in the account's time zone. Each landed column is
declared here with its kind; a row whose value does not read as its kind, or that lacks a
required one, is rejected with its record named and the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from zoneinfo import ZoneInfo

from .settings import DATETIME_PATTERN

Kind = Literal["text", "integer", "decimal", "checkbox", "datetime", "date"]

DLT_TYPES: dict[Kind, dict[str, Any]] = {
    "text": {"data_type": "text"},
    "integer": {"data_type": "bigint"},
    "decimal": {"data_type": "decimal", "precision": 38, "scale": 9},
    "checkbox": {"data_type": "bool"},
    "datetime": {"data_type": "timestamp", "timezone": True},
    "date": {"data_type": "date"},
}


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    required: bool = False


@dataclass(frozen=True)
class Rejected:
    """A row that cannot be landed."""

    record_ref: str
    reason: str
    raw: Any


class RowError(ValueError):
    """One value of a row that does not read as its kind."""


def dlt_columns(fields: Sequence[Field]) -> dict[str, dict[str, Any]]:
    return {
        field.name: {**DLT_TYPES[field.kind], "nullable": not field.required} for field in fields
    }


class RowReader:
    """Reads rows in the account's time zone (the integration user's time zone preference)."""

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)

    def value(self, field: Field, raw: Any) -> Any:
        if raw is None or raw == "":
            if field.required:
                raise RowError(f"`{field.name}` is missing")
            return None
        text = str(raw).strip()
        if field.kind == "text":
            return str(raw)
        if field.kind == "integer":
            try:
                return int(text)
            except ValueError:
                raise RowError(f"`{field.name}` {text!r} is not an integer") from None
        if field.kind == "decimal":
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise RowError(f"`{field.name}` {text!r} is not a number") from None
            if not number.is_finite():
                raise RowError(f"`{field.name}` {text!r} is not a finite number")
            return number
        if field.kind == "checkbox":
            if text not in ("T", "F"):
                raise RowError(f"`{field.name}` {text!r} is not a checkbox value T or F")
            return text == "T"
        if field.kind == "datetime":
            return self.datetime(text, field.name)
        if field.kind == "date":
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                raise RowError(f"`{field.name}` {text!r} is not a date YYYY-MM-DD") from None
        raise AssertionError(field.kind)  # pragma: no cover

    def datetime(self, text: str, name: str) -> dt.datetime:
        """A wall-clock time of the account's zone as an aware UTC datetime."""
        try:
            local = dt.datetime.strptime(text, DATETIME_PATTERN)
        except ValueError:
            raise RowError(f"`{name}` {text!r} is not a date-time YYYY-MM-DDTHH:MI:SS") from None
        return local.replace(tzinfo=self.zone).astimezone(dt.UTC)

    def typed(self, raw: dict[str, Any], fields: Sequence[Field]) -> dict[str, Any]:
        """Every declared field of a row, typed; raises RowError naming the first bad value."""
        return {field.name: self.value(field, raw.get(field.name)) for field in fields}


def local_datetime_text(moment: dt.datetime, zone: ZoneInfo, pattern: str) -> str:
    """An aware instant as the account's wall-clock time, for a query filter."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone).strftime(pattern)
