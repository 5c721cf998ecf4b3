"""How BigCommerce writes and reads values on the wire, per API version.

- V2 (orders, order products, shipments): date-times in RFC 2822 (`Wed, 05 Dec 2018 20:16:55
  +0000`), money as strings with four decimals (`"225.0000"`), an empty string for a date not
  yet set (`date_shipped`).
- V3 (catalog, inventory, locations, refunds): ISO 8601 / RFC 3339 date-times, money as JSON
  numbers.
- Query filters: V2 date filters accept RFC 2822 or ISO 8601; V3 `created:min` takes RFC 3339.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from decimal import Decimal

from recon.timestamps import parse_utc

FOUR_PLACES = Decimal("0.0001")


def v2_money(value: Decimal | int | None) -> str:
    return format(Decimal(value or 0).quantize(FOUR_PLACES), "f")


def v2_date(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return email.utils.format_datetime(value.astimezone(dt.UTC).replace(microsecond=0))


def v3_date(value: dt.datetime) -> str:
    """Catalog style: `2018-08-15T14:49:05+00:00`."""
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def rfc3339(value: dt.datetime) -> str:
    """Refund style: `2019-08-24T14:15:22Z`, milliseconds kept when present."""
    value = value.astimezone(dt.UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text + "Z"


def parse_v2_date(text: str) -> dt.datetime:
    """A V2 date filter: RFC 2822 first, then ISO 8601; ValueError when neither."""
    text = text.strip()
    if not text:
        raise ValueError("empty date")
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is not None:
        if parsed.tzinfo is None:
            raise ValueError(f"{text!r} has no time zone")
        return parsed.astimezone(dt.UTC)
    return parse_utc(text)


def parse_rfc3339(text: str) -> dt.datetime:
    """A V3 date-time filter; RFC 3339 requires the offset (or Z)."""
    value = text.strip()
    if "T" not in value or not (value.endswith(("Z", "z")) or value[-6] in "+-"):
        raise ValueError(f"{text!r} is not an RFC 3339 date-time")
    return parse_utc(value)
