"""Reading Mirakl query parameters strictly: a malformed value is a 400, never a silent default."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from functools import lru_cache

from sandbox.http import HTTPError
from sandbox.jsonio import parse_timestamp

Query = Mapping[str, list[str]]

# ISO 8601 date-time as Mirakl documents it: YYYY-MM-DDThh:mm:ss[.SSS] then Z or ±hh:mm.
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$")
# What "+01:00" becomes when a client forgets to URL-encode the plus sign.
_UNENCODED_PLUS = re.compile(r"\d \d{2}:?\d{2}$")


def first(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def date_time(query: Query, name: str) -> dt.datetime | None:
    raw = first(query, name)
    if raw is None or raw == "":
        return None
    if _UNENCODED_PLUS.search(raw):
        raise HTTPError(
            400,
            f"Invalid value for parameter '{name}': '{raw}' is not an ISO 8601 date-time. "
            "A '+' in a query string must be URL-encoded as %2B.",
        )
    if not _DATE_TIME.match(raw):
        raise HTTPError(
            400,
            f"Invalid value for parameter '{name}': '{raw}' is not an ISO 8601 date-time "
            "with a time zone (e.g. 2024-05-01T10:00:00Z or 2024-05-01T12:00:00+02:00)",
        )
    try:
        return parse_timestamp(raw)
    except ValueError:
        raise HTTPError(
            400, f"Invalid value for parameter '{name}': '{raw}' is not a valid date-time"
        ) from None


def integer(
    query: Query, name: str, *, default: int, minimum: int = 0, maximum: int | None = None
) -> int:
    raw = first(query, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPError(
            400, f"Invalid value for parameter '{name}': '{raw}' is not an integer"
        ) from None
    if value < minimum:
        raise HTTPError(400, f"Invalid value for parameter '{name}': must be >= {minimum}")
    if maximum is not None and value > maximum:
        raise HTTPError(
            400,
            f"Invalid value for parameter '{name}': {value} exceeds the maximum of {maximum}",
        )
    return value


def boolean(query: Query, name: str) -> bool | None:
    raw = first(query, name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise HTTPError(400, f"Invalid value for parameter '{name}': '{raw}' is not true or false")


def values(query: Query, name: str, *, allowed: Collection[str] | None = None) -> list[str]:
    """A list parameter, repeated (`a=1&a=2`) or comma-separated (`a=1,2`), or both."""
    items = [item.strip() for raw in query.get(name, []) for item in raw.split(",") if item.strip()]
    if allowed is not None:
        unknown = sorted(set(items) - set(allowed))
        if unknown:
            raise HTTPError(
                400,
                f"Invalid value for parameter '{name}': {', '.join(unknown)} "
                f"(expected one of {', '.join(sorted(allowed))})",
            )
    return items


def choice(query: Query, name: str, allowed: Collection[str], *, default: str) -> str:
    raw = first(query, name)
    if raw is None or raw == "":
        return default
    if raw not in allowed:
        raise HTTPError(
            400,
            f"Invalid value for parameter '{name}': '{raw}' "
            f"(expected one of {', '.join(sorted(allowed))})",
        )
    return raw


@lru_cache(maxsize=200_000)
def stored_timestamp(text: str) -> dt.datetime | None:
    """A timestamp of the world data, None when unreadable; cached as filters parse it again.

    The sandbox serves whatever its state holds, even a value a test broke on purpose, so a
    broken timestamp only makes the row miss date filters and sort first.
    """
    try:
        return parse_timestamp(text)
    except (TypeError, ValueError):
        return None


EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)


def sort_instant(text: object) -> dt.datetime:
    value = stored_timestamp(text) if isinstance(text, str) else None
    return value or EARLIEST


def within(text: object, start: dt.datetime | None, end: dt.datetime | None) -> bool:
    """Whether a stored timestamp lies in [start, end]; a missing one matches no bound."""
    if start is None and end is None:
        return True
    value = stored_timestamp(text) if isinstance(text, str) and text else None
    if value is None:
        return False
    if start is not None and value < start:
        return False
    return not (end is not None and value > end)
