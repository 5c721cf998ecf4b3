"""JSON text for payloads and keys: canonical (sorted keys, no spaces) and exact for money.

Decimals are written as plain JSON numbers with their own digits (12.30 stays 12.30), so a
payload stored in the warehouse is byte for byte what Mirakl receives, and hashing it gives the
same correction key on every run.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def dumps(value: Any) -> str:
    """Canonical JSON text of dicts, lists, strings, numbers (Decimal kept exact), bools, None."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: str(item[0]))
        return "{" + ",".join(f"{json.dumps(str(key))}:{dumps(val)}" for key, val in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot write {value} as a JSON number")
        return format(value, "f")
    if isinstance(value, float):
        # Money never travels as float; a float here is a bug upstream.
        raise TypeError(f"float {value!r} in a payload: use Decimal")
    if value is None or isinstance(value, bool | int | str):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def loads(text: str | bytes | None) -> Any:
    """JSON text with decimal numbers read as Decimal; None and empty text read as None."""
    if text is None or text in ("", b""):
        return None
    return json.loads(text, parse_float=Decimal)
