"""Turn the cells of an export into typed values, or say exactly why not."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ingestion.erp_files.contract import SALES_ORDER_STATUSES, Column
from recon.timestamps import parse_utc

TRUE_WORDS = {"true", "1", "yes", "y", "t"}
FALSE_WORDS = {"false", "0", "no", "n", "f"}
STATUS_ALIASES = {"canceled": "cancelled"}
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


class CellError(ValueError):
    """A cell that cannot be read; the message names the column and the reason."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def parse_decimal(text: Any, *, decimal_comma: bool = False) -> Decimal:
    if isinstance(text, Decimal):
        return text
    if isinstance(text, bool):
        raise CellError(f"{text!r} is not a number")
    if isinstance(text, int | float):
        return Decimal(str(text))
    raw = str(text).strip()
    if decimal_comma and _DECIMAL_COMMA.match(raw):
        raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise CellError(f"{raw!r} is not a number") from None
    if not value.is_finite():
        raise CellError(f"{raw!r} is not a finite number")
    return value


def parse_integer(text: Any) -> int:
    value = parse_decimal(text)
    if value != value.to_integral_value():
        raise CellError(f"{text!r} is not a whole number")
    return int(value)


def parse_boolean(text: Any) -> bool:
    if isinstance(text, bool):
        return text
    word = str(text).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"{text!r} is not a boolean (use true/false, 1/0 or yes/no)")


def parse_timestamp(text: Any) -> dt.datetime:
    # The contract: ISO 8601, and no offset means UTC.
    value = text if isinstance(text, dt.datetime) else str(text).strip()
    try:
        return parse_utc(value)
    except ValueError:
        raise CellError(f"{value!r} is not an ISO 8601 timestamp") from None


def parse_status(text: Any) -> str:
    word = str(text).strip().lower()
    word = STATUS_ALIASES.get(word, word)
    if word not in SALES_ORDER_STATUSES:
        raise CellError(f"{text!r} is not a sales order status ({', '.join(SALES_ORDER_STATUSES)})")
    return word


def parse_currency(text: Any) -> str:
    code = str(text).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise CellError(f"{text!r} is not an ISO 4217 currency code")
    return code


def parse_cell(column: Column, value: Any, *, decimal_comma: bool = False) -> Any:
    """The typed value of one cell; blank cells take the column's default, if it has one."""
    if is_blank(value):
        if column.required:
            raise CellError(f"{column.name} is missing")
        return column.default
    try:
        if column.kind == "text":
            parsed: Any = str(value).strip()
        elif column.kind == "decimal":
            parsed = parse_decimal(value, decimal_comma=decimal_comma)
        elif column.kind == "integer":
            parsed = parse_integer(value)
        elif column.kind == "boolean":
            parsed = parse_boolean(value)
        elif column.kind == "timestamp":
            parsed = parse_timestamp(value)
        elif column.kind == "status":
            parsed = parse_status(value)
        else:
            parsed = parse_currency(value)
    except CellError as error:
        raise CellError(f"{column.name}: {error}") from None
    if column.minimum is not None and parsed < column.minimum:
        raise CellError(f"{column.name}: {value!r} is below the minimum of {column.minimum}")
    return parsed
