"""A page of OR11 orders as arrow tables, one per landed table.

Orders are the busiest entity by far (tens of millions of lines a year for a large seller).
dlt lands arrow tables as parquet files without normalising them row by row, so the orders
are flattened here, once, into the same tables and columns dlt's nested normalisation gives:

- nested objects flatten with ``__`` (``customer__customer_id``);
- lists become tables named after their path (``orders__order_lines``,
  ``orders__order_lines__refunds``, ``orders__order_lines__taxes``, ...), a list of plain
  values a table with a ``value`` column;
- every row carries ``_dlt_id``; rows of nested tables also ``_dlt_parent_id``,
  ``_dlt_list_idx`` and ``_dlt_root_id`` (the order's ``_dlt_id``), and ``order_id``.

Typing follows the declared columns (``columns.py``) and otherwise the field's name, as the
row-by-row shaping does: date-times (``*_date``, ...) become UTC timestamps, integral money
becomes decimal. Conversion runs per column over the whole page; only a column that fails
the vectorised cast is converted value by value, to name the order that cannot be landed.

Identifiers are deterministic, so a re-pulled order lands on the same rows:
an order's ``_dlt_id`` is its ``last_updated_date`` followed by a digest of its id (so the
newest version of an order pulled twice in one load sorts first), a nested row's ``_dlt_id``
the digest followed by the row's position in the order (``order_lines[0].refunds[1]``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa
from dlt.common.normalizers.naming.snake_case import NamingConvention

from recon.timestamps import parse_utc

from .columns import ORDER_COLUMNS, ORDER_NESTED_HINTS, Columns
from .records import Rejected, is_money_key, is_timestamp_key, prepare_order

ROOT_TABLE = "orders"
ORDER_ID = "order_id"
CURSOR = "last_updated_date"

_NAMING = NamingConvention()
_UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")
_MONEY = pa.decimal128(18, 4)
# dlt's own precision for a decimal column nothing declares.
_UNDECLARED_DECIMAL = pa.decimal128(38, 9)
_ARROW_TYPES = {
    "text": pa.string(),
    "bigint": pa.int64(),
    "bool": pa.bool_(),
    "double": pa.float64(),
}
_NEVER_NULL = frozenset({"_dlt_id", ORDER_ID})
_DLT_COLUMNS = {
    "_dlt_id": pa.string(),
    "_dlt_parent_id": pa.string(),
    "_dlt_root_id": pa.string(),
    "_dlt_list_idx": pa.int64(),
}


def nested_table_name(path: Iterable[str]) -> str:
    return "__".join((ROOT_TABLE, *path))


DECLARED: dict[str, Columns] = {
    ROOT_TABLE: ORDER_COLUMNS,
    **{nested_table_name(path): hints["columns"] for path, hints in ORDER_NESTED_HINTS.items()},
}


@dataclass
class OrderTables:
    """One page of orders: its tables, the orders that cannot be landed, the newest update."""

    tables: dict[str, pa.Table]
    rejected: list[Rejected]
    newest_update: dt.datetime | None
    orders: int


@dataclass(frozen=True)
class _Order:
    """The order a row belongs to: its id, its ``_dlt_id``, a digest of its id, its index."""

    order_id: str
    root_id: str
    key: str
    index: int


@dataclass
class _Rows:
    """The rows of one table, each with the index of the order it belongs to and its path."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)
    positions: list[str] = field(default_factory=list)

    def columns(self) -> list[str]:
        """Every column some row has, in the order first seen, dlt's own columns left out."""
        seen: dict[str, None] = {}
        for row in self.rows:
            seen.update(dict.fromkeys(row))
        return [column for column in seen if column not in _DLT_COLUMNS]


def order_tables(raw_orders: Iterable[Any], since: dt.datetime | None = None) -> OrderTables:
    """Flatten and type one page of OR11 orders; orders updated before `since` are left out."""
    builder = _Builder()
    rejected: list[Rejected] = []
    raw_by_index: list[Any] = []
    newest: dt.datetime | None = None
    for raw in raw_orders:
        order, rejection = prepare_order(raw)
        if rejection is not None:
            rejected.append(rejection)
            continue
        assert order is not None
        try:
            updated = parse_utc(order[CURSOR])
        except ValueError:
            rejected.append(_unparseable(order, CURSOR, order[CURSOR]))
            continue
        if since is not None and updated < since:
            continue
        newest = updated if newest is None or updated > newest else newest
        builder.add_order(order, updated, len(raw_by_index))
        raw_by_index.append(order)

    columns, bad = builder.typed_columns()
    for index, reasons in sorted(bad.items()):
        order = raw_by_index[index]
        reason = f"order {order[ORDER_ID]}: {'; '.join(reasons)}"
        rejected.append(Rejected(order[ORDER_ID], reason, order))
    tables = builder.tables(columns, set(bad))
    kept = len(raw_by_index) - len(bad)
    if bad:
        newest = max(
            (parse_utc(raw_by_index[i][CURSOR]) for i in range(len(raw_by_index)) if i not in bad),
            default=None,
        )
    return OrderTables(tables, rejected, newest, kept)


def _unparseable(order: Mapping[str, Any], path: str, value: Any) -> Rejected:
    return Rejected(
        order[ORDER_ID],
        f"order {order[ORDER_ID]}: {path} {value!r} is not an ISO 8601 date-time",
        order,
    )


def _digest(*parts: str) -> str:
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=10).digest()
    return base64.b64encode(digest).decode("ascii")


class _Builder:
    def __init__(self) -> None:
        self.tables_rows: dict[str, _Rows] = {ROOT_TABLE: _Rows()}
        # prefix -> key -> column name; column name -> the key it ends with (decides typing).
        self._columns: dict[str, dict[str, str]] = {}
        self.leaf_keys: dict[str, str] = {"value": "value", ORDER_ID: ORDER_ID}

    def _column(self, prefix: str, key: str) -> str:
        name = _NAMING.normalize_identifier(key)
        column = f"{prefix}__{name}" if prefix else name
        self._columns.setdefault(prefix, {})[key] = column
        self.leaf_keys.setdefault(column, name)
        return column

    def add_order(self, order: dict[str, Any], updated: dt.datetime, index: int) -> None:
        order_id = order[ORDER_ID]
        key = _digest(order_id)
        owner = _Order(order_id, updated.strftime("%Y%m%d%H%M%S%f") + key, key, index)
        row: dict[str, Any] = {"_dlt_id": owner.root_id}
        table = self.tables_rows[ROOT_TABLE]
        self._fill(row, order, "", ROOT_TABLE, owner, "")
        table.rows.append(row)
        table.owners.append(index)
        table.positions.append("")

    def _fill(
        self,
        row: dict[str, Any],
        item: dict[str, Any],
        prefix: str,
        table_name: str,
        owner: _Order,
        position: str,
    ) -> None:
        columns = self._columns.get(prefix) or {}
        for key, value in item.items():
            column = columns.get(key) or self._column(prefix, key)
            kind = type(value)
            if kind is dict:
                if value:
                    self._fill(row, value, column, table_name, owner, position)
            elif kind is list:
                if value:
                    where = f"{position}.{key}" if position else key
                    child_table = f"{table_name}__{column}"
                    self._add_list(value, child_table, owner, row["_dlt_id"], where)
            else:
                row[column] = value

    def _add_list(
        self,
        items: list[Any],
        table_name: str,
        owner: _Order,
        parent_id: str,
        position: str,
    ) -> None:
        table = self.tables_rows.get(table_name)
        if table is None:
            table = self.tables_rows[table_name] = _Rows()
        for list_index, item in enumerate(items):
            item_position = f"{position}[{list_index}]"
            row: dict[str, Any] = {
                # Unique within the table, and the same whenever the order is pulled again.
                "_dlt_id": f"{owner.key}~{item_position}",
                "_dlt_parent_id": parent_id,
                "_dlt_root_id": owner.root_id,
                "_dlt_list_idx": list_index,
            }
            kind = type(item)
            if kind is dict:
                self._fill(row, item, "", table_name, owner, item_position)
            elif kind is list:
                row["value"] = json.dumps(item, default=str)
            else:
                row["value"] = item
            if ORDER_ID not in row:
                row[ORDER_ID] = owner.order_id
            table.rows.append(row)
            table.owners.append(owner.index)
            table.positions.append(item_position)

    def typed_columns(self) -> tuple[dict[str, dict[str, pa.Array]], dict[int, list[str]]]:
        """Every column as an arrow array, and the reasons each unlandable order fails."""
        bad: dict[int, list[str]] = {}
        arrays: dict[str, dict[str, pa.Array]] = {}
        for table_name, table in self.tables_rows.items():
            if not table.rows:
                continue
            declared = DECLARED.get(table_name, {})
            arrays[table_name] = {}
            for column, arrow_type in _DLT_COLUMNS.items():
                if column in table.rows[0]:
                    arrays[table_name][column] = pa.array(
                        [row[column] for row in table.rows], arrow_type
                    )
            for column in table.columns():
                values = [row.get(column) for row in table.rows]
                leaf = self.leaf_keys[column]
                arrow_type = _column_type(declared.get(column), leaf, values)
                if arrow_type is None:
                    continue  # null in every row: dlt gives such a field no column either
                array, failures = _converted(values, arrow_type)
                for row_index, value in failures:
                    where = table.positions[row_index]
                    path = f"{where}.{column}" if where else column
                    kind = (
                        "an ISO 8601 date-time"
                        if pa.types.is_timestamp(arrow_type)
                        else f"a {arrow_type}"
                    )
                    bad.setdefault(table.owners[row_index], []).append(
                        f"{path} {value!r} is not {kind}"
                    )
                arrays[table_name][column] = array
        return arrays, bad

    def tables(
        self, columns: dict[str, dict[str, pa.Array]], rejected: set[int]
    ) -> dict[str, pa.Table]:
        tables = {}
        for table_name, arrays in columns.items():
            table = pa.table(arrays)
            # Keys are never null; saying so matches the keys' hints in dlt's schema.
            table = table.cast(
                pa.schema(
                    [f.with_nullable(False) if f.name in _NEVER_NULL else f for f in table.schema]
                )
            )
            if rejected:
                owners = self.tables_rows[table_name].owners
                table = table.filter(pa.array([owner not in rejected for owner in owners]))
            if table.num_rows:
                tables[table_name] = table
        return tables


def _column_type(declared: Mapping[str, Any] | None, leaf: str, values: list[Any]) -> Any:
    if declared is not None:
        data_type = declared["data_type"]
        if data_type == "decimal":
            return pa.decimal128(declared.get("precision", 38), declared.get("scale", 9))
        if data_type == "timestamp":
            return _UTC_TIMESTAMP
        return _ARROW_TYPES[data_type]
    present = {type(value) for value in values if value is not None}
    if not present:
        return None
    if is_timestamp_key(leaf):
        return _UTC_TIMESTAMP
    if present <= {bool}:
        return pa.bool_()
    if present <= {int}:
        return _UNDECLARED_DECIMAL if is_money_key(leaf) else pa.int64()
    if present <= {int, Decimal}:
        return _UNDECLARED_DECIMAL
    if present <= {int, float}:
        return pa.float64()
    return pa.string()


def _converted(values: list[Any], arrow_type: Any) -> tuple[pa.Array, list[tuple[int, Any]]]:
    """The values as `arrow_type`: vectorised when it can be, else value by value."""
    try:
        parsed = pa.types.is_timestamp(arrow_type) or pa.types.is_decimal(arrow_type)
        if parsed and all(value is None or isinstance(value, str) for value in values):
            return pa.array(values, pa.string()).cast(arrow_type), []
        return pa.array(values, arrow_type), []
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        pass
    convert = _value_converter(arrow_type)
    converted: list[Any] = []
    failures: list[tuple[int, Any]] = []
    for row_index, value in enumerate(values):
        if value is None:
            converted.append(None)
            continue
        try:
            converted.append(convert(value))
        except (ValueError, TypeError, InvalidOperation, OverflowError):
            failures.append((row_index, value))
            converted.append(None)
    return pa.array(converted, arrow_type), failures


def _value_converter(arrow_type: Any) -> Any:
    if pa.types.is_timestamp(arrow_type):
        return parse_utc
    if pa.types.is_decimal(arrow_type):
        quantum = Decimal(1).scaleb(-arrow_type.scale)

        def to_decimal(value: Any) -> Decimal:
            if isinstance(value, bool):
                raise TypeError("a boolean is not an amount")
            return Decimal(str(value)).quantize(quantum)

        return to_decimal
    if pa.types.is_string(arrow_type):
        return lambda value: value if isinstance(value, str) else json.dumps(value, default=str)
    if pa.types.is_integer(arrow_type):
        return _to_int
    if pa.types.is_boolean(arrow_type):
        return _to_bool
    return float


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("a boolean is not a count")
    if isinstance(value, float | Decimal) and value != int(value):
        raise ValueError(f"{value} is not whole")
    return int(value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"{value!r} is not a boolean")


def prune_superseded_order_rows(pipeline: Any) -> int:
    """Delete rows of the nested order tables whose order version is no longer current."""
    schema = pipeline.default_schema
    nested = sorted(name for name in schema.tables if name.startswith(f"{ROOT_TABLE}__"))
    deleted = 0
    with pipeline.sql_client() as client:
        orders = client.make_qualified_table_name(ROOT_TABLE)
        existing = {name for name in nested if _exists(client, name)}
        for name in nested:
            if name not in existing:
                continue
            table = client.make_qualified_table_name(name)
            rows = client.execute_sql(
                f"DELETE FROM {table} AS n WHERE NOT EXISTS "
                f"(SELECT 1 FROM {orders} AS o WHERE o._dlt_id = n._dlt_root_id)"
            )
            deleted += _affected(rows)
    return deleted


def _exists(client: Any, table_name: str) -> bool:
    try:
        client.execute_sql(f"SELECT 1 FROM {client.make_qualified_table_name(table_name)} LIMIT 0")
    except Exception:
        return False
    return True


def _affected(rows: Any) -> int:
    # DuckDB answers a DELETE with the number of rows deleted; other engines may not.
    try:
        return int(rows[0][0]) if rows else 0
    except (TypeError, ValueError, IndexError):
        return 0
