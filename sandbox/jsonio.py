"""JSON that keeps money exact: decimals are read as Decimal and written as plain JSON numbers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from recon.timestamps import format_utc as format_timestamp
from recon.timestamps import parse_utc as parse_timestamp


class _DecimalNumber(float):
    """A JSON number whose text is the decimal's own digits, so 12.30 stays 12.30 on the wire."""

    _text: str

    def __new__(cls, value: Decimal) -> _DecimalNumber:
        number = super().__new__(cls, value)
        number._text = format(value, "f")
        return number

    def __repr__(self) -> str:
        return self._text


def _prepare(payload: Any) -> Any:
    if isinstance(payload, dict):
        return {key: _prepare(value) for key, value in payload.items()}
    if isinstance(payload, list | tuple):
        return [_prepare(value) for value in payload]
    if isinstance(payload, Decimal):
        return _DecimalNumber(payload)
    if isinstance(payload, dt.datetime):
        return format_timestamp(payload)
    if isinstance(payload, dt.date):
        return payload.isoformat()
    return payload


def _iterencode(payload: Any, indent: int | None) -> Iterator[str]:
    # The C encoder formats floats itself; the pure-Python one calls repr(), which
    # _DecimalNumber overrides to print the exact decimal.
    item_separator, key_separator = (",", ": ") if indent is not None else (", ", ": ")
    encode = json.encoder._make_iterencode(  # type: ignore[attr-defined]
        None,
        _unserialisable,
        json.encoder.py_encode_basestring,
        " " * indent if indent is not None else None,
        repr,
        key_separator,
        item_separator,
        False,
        False,
        True,
    )
    return encode(payload, 0)


def _unserialisable(value: Any) -> Any:
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(payload: Any, *, indent: int | None = None) -> str:
    return "".join(_iterencode(_prepare(payload), indent))


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


def read(path: Path) -> Any:
    return loads(path.read_bytes())


def write(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(payload, indent=1), encoding="utf-8")


__all__ = ["dumps", "format_timestamp", "loads", "parse_timestamp", "read", "write"]
