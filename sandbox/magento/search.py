"""``searchCriteria``: Magento's filters, sort orders and pages on every list endpoint.

The query string carries a nested array in PHP's bracket notation::

    searchCriteria[filter_groups][0][filters][0][field]=updated_at
    searchCriteria[filter_groups][0][filters][0][value]=2026-11-01 00:00:00
    searchCriteria[filter_groups][0][filters][0][condition_type]=gteq
    searchCriteria[sortOrders][0][field]=entity_id
    searchCriteria[sortOrders][0][direction]=ASC
    searchCriteria[pageSize]=100
    searchCriteria[currentPage]=2

Filters inside one group are OR'ed, groups are AND'ed; ``condition_type`` defaults to ``eq``.
Values compare as MySQL compares them: numbers as numbers, date-times as date-times, text
case-insensitively (the default collation). The answer is
``{"items": [...], "search_criteria": {...echo...}, "total_count": N}``, where ``total_count``
counts every match. Without ``pageSize`` every match comes back at once; a ``currentPage``
past the last page answers the last page again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.magento.config import SandboxConfig
from sandbox.magento.errors import (
    INVALID_VALUE,
    MAX_PAGE_SIZE,
    REQUIRED_FIELD,
    MagentoHTTPError,
)

Record = dict[str, Any]

CONDITION_TYPES = frozenset(
    {
        "eq",
        "neq",
        "gt",
        "gteq",
        "lt",
        "lteq",
        "from",
        "to",
        "in",
        "nin",
        "like",
        "nlike",
        "null",
        "notnull",
        "finset",
        "nfinset",
        "moreq",
    }
)
_BRACKETS = re.compile(r"\[([^\]]*)\]")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")


class UnknownField(Exception):
    """A filter or sort on a field the collection does not have.

    Magento's database layer fails on it and production mode answers 500 with a report id.
    """


@dataclass(frozen=True)
class Filter:
    field: str
    value: str | None
    condition_type: str


@dataclass(frozen=True)
class SortOrder:
    field: str
    direction: str


@dataclass(frozen=True)
class SearchCriteria:
    filter_groups: list[list[Filter]] = field(default_factory=list)
    sort_orders: list[SortOrder] = field(default_factory=list)
    page_size: int | None = None
    current_page: int | None = None

    def echo(self) -> dict[str, Any]:
        """The ``search_criteria`` object Magento echoes back."""
        echoed: dict[str, Any] = {
            "filter_groups": [
                {
                    "filters": [
                        {
                            "field": item.field,
                            **({"value": item.value} if item.value is not None else {}),
                            "condition_type": item.condition_type,
                        }
                        for item in group
                    ]
                }
                for group in self.filter_groups
            ]
        }
        if self.sort_orders:
            echoed["sort_orders"] = [
                {"field": order.field, "direction": order.direction} for order in self.sort_orders
            ]
        if self.page_size is not None:
            echoed["page_size"] = self.page_size
        if self.current_page is not None:
            echoed["current_page"] = self.current_page
        return echoed


def nested_query(query: Mapping[str, list[str]], root: str) -> dict[str, Any] | None:
    """PHP's reading of ``root[a][b]=v`` query keys as nested dicts; None when `root` is absent."""
    found = False
    tree: dict[str, Any] = {}
    for key, values in query.items():
        if key != root and not key.startswith(root + "["):
            continue
        found = True
        path = _BRACKETS.findall(key[len(root) :])
        if not path:
            continue
        node = tree
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[path[-1]] = values[-1]
    return tree if found else None


def _indexed(node: Any) -> list[Any]:
    # PHP arrays from the query string: keys are indices, maybe sparse, maybe out of order.
    if not isinstance(node, dict):
        return []

    def order(key: str) -> tuple[int, Any]:
        return (0, int(key)) if key.isdigit() else (1, key)

    return [node[key] for key in sorted(node, key=order)]


def _integer(value: Any, name: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise MagentoHTTPError(400, INVALID_VALUE, {"value": value, "type": "int"}) from None


def parse_search_criteria(query: Mapping[str, list[str]], config: SandboxConfig) -> SearchCriteria:
    """The request's searchCriteria; 400 when it is missing or malformed, as Magento answers."""
    tree = nested_query(query, "searchCriteria")
    if tree is None:
        raise MagentoHTTPError(400, REQUIRED_FIELD, {"fieldName": "searchCriteria"})
    groups: list[list[Filter]] = []
    for group in _indexed(tree.get("filter_groups") or tree.get("filterGroups")):
        filters = []
        for raw in _indexed(group.get("filters") if isinstance(group, dict) else None):
            if not isinstance(raw, dict) or not raw.get("field"):
                raise MagentoHTTPError(400, REQUIRED_FIELD, {"fieldName": "field"})
            condition = (raw.get("condition_type") or raw.get("conditionType") or "eq").lower()
            if condition not in CONDITION_TYPES:
                raise MagentoHTTPError(
                    400, INVALID_VALUE, {"value": condition, "type": "condition_type"}
                )
            filters.append(Filter(raw["field"], raw.get("value"), condition))
        if filters:
            groups.append(filters)
    sorts = []
    for raw in _indexed(tree.get("sortOrders") or tree.get("sort_orders")):
        if not isinstance(raw, dict) or not raw.get("field"):
            raise MagentoHTTPError(400, REQUIRED_FIELD, {"fieldName": "field"})
        direction = (raw.get("direction") or "ASC").upper()
        if direction not in ("ASC", "DESC"):
            raise MagentoHTTPError(400, INVALID_VALUE, {"value": direction, "type": "direction"})
        sorts.append(SortOrder(raw["field"], direction))
    page_size = tree.get("pageSize", tree.get("page_size"))
    current_page = tree.get("currentPage", tree.get("current_page"))
    size = _integer(page_size, "pageSize") if page_size not in (None, "") else None
    if config.input_limits_enabled:
        if size is None:
            size = config.default_page_size
        elif size > config.max_page_size:
            raise MagentoHTTPError(400, MAX_PAGE_SIZE, {"max": config.max_page_size})
    page = _integer(current_page, "currentPage") if current_page not in (None, "") else None
    return SearchCriteria(groups, sorts, size if size else None, page)


# --- evaluation -------------------------------------------------------------------------------

Lookup = Callable[[Record, str], Any]


def default_lookup(record: Record, name: str) -> Any:
    return record.get(name)


def _as_number(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _as_date_time(value: str) -> str | None:
    text = value.strip().replace("T", " ")
    text = re.sub(r"(\.\d+)?(Z|[+-]00:?00)?$", "", text)
    if not _DATE_TIME.match(text):
        return None
    return text if len(text) > 10 else text + " 00:00:00"


def _comparable(stored: Any, given: Any) -> tuple[Any, Any] | None:
    """Both sides in one comparable form, MySQL-style; None when `given` cannot be one."""
    if isinstance(stored, bool):
        stored = int(stored)
    if isinstance(stored, int | Decimal):
        number = _as_number(given)
        return None if number is None else (Decimal(stored), number)
    text = str(stored)
    if _DATE_TIME.match(text):
        moment = _as_date_time(str(given))
        return None if moment is None else (text, moment)
    return text.casefold(), str(given).casefold()


def _like(pattern: str) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE | re.DOTALL)


def _matches(stored: Any, condition: Filter) -> bool:
    kind, value = condition.condition_type, condition.value
    if kind == "null":
        return stored is None
    if kind == "notnull":
        return stored is not None
    if stored is None:
        return False
    if kind in ("in", "nin"):
        options = [part.strip() for part in (value or "").split(",")]
        hit = any(
            (pair := _comparable(stored, option)) is not None and pair[0] == pair[1]
            for option in options
        )
        return hit if kind == "in" else not hit
    if kind in ("like", "nlike"):
        hit = _like(value or "").match(str(stored)) is not None
        return hit if kind == "like" else not hit
    if kind in ("finset", "nfinset"):
        members = [part.strip().casefold() for part in str(stored).split(",")]
        hit = (value or "").strip().casefold() in members
        return hit if kind == "finset" else not hit
    pair = _comparable(stored, value if value is not None else "")
    if pair is None:
        return False
    left, right = pair
    if kind == "eq":
        return left == right
    if kind == "neq":
        return left != right
    if kind == "gt":
        return left > right
    if kind in ("gteq", "from", "moreq"):
        return left >= right
    if kind == "lt":
        return left < right
    if kind in ("lteq", "to"):
        return left <= right
    return False


def search(
    records: Sequence[Record],
    criteria: SearchCriteria,
    fields: frozenset[str],
    lookup: Lookup = default_lookup,
    *,
    repeat_last_page_past_end: bool = True,
) -> dict[str, Any]:
    """The search-results body for `records` under `criteria`.

    Args:
        records: The collection, in the database's natural order (entity id).
        fields: What the collection can filter and sort on; anything else raises UnknownField.
        lookup: Reads a field of a record (products also answer their custom attributes).
    """
    for group in criteria.filter_groups:
        for condition in group:
            if condition.field not in fields:
                raise UnknownField(condition.field)
    for order in criteria.sort_orders:
        if order.field not in fields:
            raise UnknownField(order.field)
    matched = [
        record
        for record in records
        if all(
            any(_matches(lookup(record, item.field), item) for item in group)
            for group in criteria.filter_groups
        )
    ]
    for order in reversed(criteria.sort_orders):
        matched.sort(
            key=lambda record, name=order.field: _sort_key(lookup(record, name)),
            reverse=order.direction == "DESC",
        )
    total = len(matched)
    page_items = matched
    if criteria.page_size:
        size = criteria.page_size
        last_page = max(1, -(-total // size))
        page = max(1, criteria.current_page or 1)
        if page > last_page:
            page = last_page if repeat_last_page_past_end else page
        page_items = matched[(page - 1) * size : page * size]
    return {"items": page_items, "search_criteria": criteria.echo(), "total_count": total}


def _sort_key(value: Any) -> tuple[int, Any]:
    # NULL sorts first ascending, as in MySQL; numbers and text never meet in one column.
    if value is None:
        return (0, 0)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return (1, Decimal(value))
    return (2, str(value).casefold())
