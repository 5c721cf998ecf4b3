"""Inventory Planner's collection conventions: fields, filters, sorting and page/limit paging.

- ``page`` (0-based, as the public clients use it) and ``limit``; the body is the resource list
  under its plural name plus ``meta``: ``start`` (index of the first item), ``limit``, ``count``
  (items on this page), ``total`` (items matching) and ``end`` (true on the last page).
- ``fields=a,b`` is an allow-list of returned fields (no wildcard).
- Filters are ``<field>_<op>=value``: ``eq``, ``eqi`` (case-insensitive), ``ne``, ``gt``,
  ``gte``, ``lt``, ``lte`` on top-level fields. A filter on a field the resource does not have
  is refused, so a misspelt filter cannot silently return everything.
- Sorting is ``<field>_sort=asc|desc``; without one, items come in id order.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.http import HTTPError, Request

# Ordered so that the longest operator suffix wins (`_gte` before `_gt`, `_eqi` before `_eq`).
OPERATORS = ("eqi", "gte", "lte", "eq", "ne", "gt", "lt")
PAGING = ("page", "limit", "fields")


def select_fields(item: dict[str, Any], request: Request) -> dict[str, Any]:
    wanted = _field_list(request)
    if wanted is None:
        return item
    return {key: value for key, value in item.items() if key in wanted}


def filtered_sorted(request: Request, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    known = {key for item in items for key in item}
    chosen = list(items)
    sorts: list[tuple[str, bool]] = []
    for name, values in request.query.items():
        if name in PAGING:
            continue
        value = values[0] if values else ""
        if name.endswith("_sort"):
            field = name[: -len("_sort")]
            if value not in ("asc", "desc"):
                raise HTTPError(400, f"Sort order for {field} must be asc or desc, got {value!r}")
            _require_field(field, known, name)
            sorts.append((field, value == "desc"))
            continue
        field, operator = _split_filter(name)
        if operator is None:
            # Parameters the API does not know are ignored, as most APIs do.
            continue
        _require_field(field, known, name)
        chosen = [item for item in chosen if _matches(item.get(field), operator, value)]
    for field, descending in reversed(sorts):
        present = [item for item in chosen if item.get(field) is not None]
        missing = [item for item in chosen if item.get(field) is None]
        present.sort(key=lambda item: _sort_key(item[field]), reverse=descending)
        chosen = present + missing
    return chosen


def page_of(
    request: Request, items: Sequence[dict[str, Any]], *, default_limit: int, max_limit: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One page of `items` (already filtered and sorted) and its `meta`."""
    page = _integer(request, "page", default=0, minimum=0)
    limit = _integer(request, "limit", default=default_limit, minimum=1)
    if limit > max_limit:
        raise HTTPError(400, f"limit may not exceed {max_limit}, got {limit}")
    start = page * limit
    chosen = [select_fields(item, request) for item in items[start : start + limit]]
    meta = {
        "start": start,
        "limit": limit,
        "count": len(chosen),
        "total": len(items),
        "end": start + len(chosen) >= len(items),
    }
    return chosen, meta


# --- helpers -------------------------------------------------------------------------------------


def _field_list(request: Request) -> set[str] | None:
    raw = request.arg("fields")
    if raw is None:
        return None
    names = {name.strip() for name in raw.split(",") if name.strip()}
    if not names or "*" in names:
        raise HTTPError(400, "fields must list the fields to return, comma-separated (no wildcard)")
    return names


def _split_filter(name: str) -> tuple[str, str | None]:
    for operator in OPERATORS:
        suffix = "_" + operator
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], operator
    return name, None


def _require_field(field: str, known: set[str], parameter: str) -> None:
    if field not in known:
        raise HTTPError(400, f"Unknown field {field!r} in parameter {parameter!r}")


def _matches(actual: Any, operator: str, wanted: str) -> bool:
    if operator == "eqi":
        return actual is not None and str(actual).casefold() == wanted.casefold()
    if isinstance(actual, bool):
        flag = wanted.strip().lower() in ("1", "true", "yes")
        if operator == "eq":
            return actual is flag
        if operator == "ne":
            return actual is not flag
        raise HTTPError(400, f"Operator {operator} does not apply to a true/false field")
    if isinstance(actual, int | float | Decimal) and not isinstance(actual, bool):
        number = _number(wanted)
        left = Decimal(str(actual))
        return {
            "eq": left == number,
            "ne": left != number,
            "gt": left > number,
            "gte": left >= number,
            "lt": left < number,
            "lte": left <= number,
        }[operator]
    if actual is None:
        return operator == "ne"
    text = str(actual)
    return {
        "eq": text == wanted,
        "ne": text != wanted,
        "gt": text > wanted,
        "gte": text >= wanted,
        "lt": text < wanted,
        "lte": text <= wanted,
    }[operator]


def _number(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise HTTPError(400, f"{text!r} is not a number") from None


def _sort_key(value: Any) -> Any:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return (0, Decimal(str(value)), "")
    return (1, Decimal(0), str(value))


def _integer(request: Request, name: str, *, default: int, minimum: int) -> int:
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPError(400, f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise HTTPError(400, f"{name} must be at least {minimum}, got {value}")
    return value
