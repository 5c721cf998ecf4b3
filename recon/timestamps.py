"""Timestamps the way every part of mirakl-recon reads and writes them: aware, in UTC."""

from __future__ import annotations

import datetime as dt
from typing import Any


def parse_utc(value: Any) -> dt.datetime:
    """ISO 8601 (``Z`` or an offset; none means UTC) as an aware UTC datetime.

    A datetime passes through, converted to UTC. Anything else raises ValueError.
    """
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text[-1:] in ("Z", "z"):
            text = text[:-1] + "+00:00"
        parsed = dt.datetime.fromisoformat(text)
    else:
        raise ValueError(f"not a date-time: {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def format_utc(value: dt.datetime) -> str:
    """Mirakl's wire format: UTC with a trailing Z, milliseconds only when non-zero."""
    if value.tzinfo is None:
        raise ValueError(f"naive timestamp {value!r}: every timestamp must carry a time zone")
    value = value.astimezone(dt.UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text + "Z"
