"""How NetSuite writes values into SuiteQL results, and reads the format models of TO_CHAR.

SuiteQL answers every value as a string (erp-apis.md §1.4):

- numbers as Oracle prints them: no trailing zeros, no leading zero before the point
  (``"264"``, ``"12.3"``, ``".5"``, ``"-.25"``);
- a date, and a date-time selected as it is, as the date alone in the user's date format
  (``"4/30/2026"`` for ``M/D/YYYY``), the date-time first moved to the account's time zone;
- ``TO_CHAR(column, 'YYYY-MM-DD"T"HH24:MI:SS')`` is how a client gets the time of day, again
  in the account's time zone.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

# Oracle datetime format elements this sandbox understands, longest first.
_ELEMENTS: tuple[tuple[str, str], ...] = (
    ("YYYY", "%Y"),
    ("HH24", "%H"),
    ("HH12", "%I"),
    ("HH", "%I"),
    ("MM", "%m"),
    ("MI", "%M"),
    ("SS", "%S"),
    ("DD", "%d"),
    ("AM", "%p"),
    ("PM", "%p"),
)
_SEPARATORS = set("-/:,.; ")


class FormatError(ValueError):
    """A format model outside what NetSuite (as emulated here) accepts."""


def strftime_pattern(model: str) -> str:
    """An Oracle datetime format model (``YYYY-MM-DD"T"HH24:MI:SS``) as a strftime pattern."""
    pattern: list[str] = []
    position = 0
    upper = model.upper()
    while position < len(model):
        char = model[position]
        if char == '"':
            end = model.find('"', position + 1)
            if end < 0:
                raise FormatError(f"unterminated quoted text in format model {model!r}")
            pattern.append(model[position + 1 : end].replace("%", "%%"))
            position = end + 1
            continue
        if char in _SEPARATORS:
            pattern.append(char)
            position += 1
            continue
        for element, directive in _ELEMENTS:
            if upper.startswith(element, position):
                pattern.append(directive)
                position += len(element)
                break
        else:
            raise FormatError(
                f"format model {model!r} has an element this sandbox does not know at "
                f"{model[position:]!r}"
            )
    return "".join(pattern)


def oracle_number(value: Decimal | int) -> str:
    """A number as Oracle prints it: ``12.30`` → ``12.3``, ``0.5`` → ``.5``, ``-0.25`` → ``-.25``"""
    if isinstance(value, int):
        return str(value)
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text.startswith("0."):
        text = text[1:]
    elif text.startswith("-0."):
        text = "-" + text[2:]
    return text


_DATE_TOKEN = re.compile(r"YYYY|MM|M|DD|D|[^YMD]+")


def user_date(value: dt.date, date_format: str) -> str:
    """A date in a NetSuite user date format: ``M/D/YYYY``, ``DD.MM.YYYY``, ``YYYY-MM-DD``..."""
    parts: list[str] = []
    for token in _DATE_TOKEN.findall(date_format):
        if token == "YYYY":
            parts.append(f"{value.year:04d}")
        elif token == "MM":
            parts.append(f"{value.month:02d}")
        elif token == "M":
            parts.append(str(value.month))
        elif token == "DD":
            parts.append(f"{value.day:02d}")
        elif token == "D":
            parts.append(str(value.day))
        else:
            parts.append(token)
    return "".join(parts)


def parse_user_date(text: str, date_format: str) -> dt.date:
    """A date written in the user date format, as NetSuite accepts one in a comparison."""
    pattern = ""
    for token in _DATE_TOKEN.findall(date_format):
        if token == "YYYY":
            pattern += r"(?P<year>\d{4})"
        elif token in ("MM", "M"):
            pattern += r"(?P<month>\d{1,2})"
        elif token in ("DD", "D"):
            pattern += r"(?P<day>\d{1,2})"
        else:
            pattern += re.escape(token)
    match = re.fullmatch(pattern, text.strip())
    if match is None:
        raise FormatError(f"'{text}' is not a date in the format {date_format}")
    return dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
