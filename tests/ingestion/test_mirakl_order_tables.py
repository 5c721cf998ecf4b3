"""OR11 order pages land through dlt's arrow path: typed, keyed, nested rows merged per order.

Each test runs the Mirakl source's landing path (`landed_order_pages`) through a real dlt
pipeline into a real DuckDB file.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest

from ingestion.mirakl import after_load, landed_order_pages
from ingestion.quarantine import with_quarantine

UTC = dt.UTC


def _order(
    order_id: str,
    updated: str,
    *,
    lines: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "order_state": "SHIPPING",
        "currency_iso_code": "EUR",
        "created_date": "2026-04-01T08:00:00Z",
        "last_updated_date": updated,
        "total_price": Decimal("42.50"),
        "customer": {"customer_id": "C-1", "firstname": "Ada", "locale": "fr_FR"},
        "order_lines": lines if lines is not None else [_line(f"{order_id}-1")],
        **fields,
    }


def _line(line_id: str, *, taxes: list[dict[str, Any]] | None = None, **fields: Any):
    return {
        "order_line_id": line_id,
        "order_line_state": "SHIPPING",
        "quantity": 1,
        "price": Decimal("40.00"),
        "shipped_date": None,
        "taxes": taxes if taxes is not None else [{"code": "VAT", "amount": Decimal("6.67")}],
        "refunds": [],
        **fields,
    }


class Landing:
    """A dlt pipeline landing order pages into a DuckDB file, as the orders resource does."""

    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "orders.duckdb"
        self.pipeline = dlt.pipeline(
            pipeline_name="order_tables",
            destination=dlt.destinations.duckdb(str(self.path)),
            dataset_name="mirakl",
            pipelines_dir=str(tmp_path / "pipelines"),
        )

    def land(self, *pages: list[Any], since: dt.datetime | None = None) -> dict[str, Any]:
        state_out: dict[str, Any] = {}

        @dlt.resource(name="orders", primary_key="order_id", write_disposition="merge")
        def orders():
            state = dlt.current.resource_state()
            yield from landed_order_pages(iter(pages), since, state)
            state_out.update(state)

        self.pipeline.run(with_quarantine(orders(), {}))
        after_load(self.pipeline)  # as every ingest does (ingestion.pipeline.run_sources)
        return state_out

    def rows(self, sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql, list(parameters)).fetchall()

    def types(self, table: str) -> dict[str, str]:
        return {name: kind for name, kind, *_ in self.rows(f"DESCRIBE mirakl.{table}")}


@pytest.fixture
def landing(tmp_path: Path) -> Landing:
    return Landing(tmp_path)


@pytest.mark.parametrize("newest_first", [True, False])
def test_an_order_pulled_twice_in_one_load_lands_once_in_its_newest_version(
    landing: Landing, newest_first: bool
) -> None:
    old = _order("O-1", "2026-04-02T10:00:00Z", lines=[_line("O-1-1", order_line_state="SHIPPING")])
    new = _order(
        "O-1",
        "2026-04-02T11:30:00.250Z",
        order_state="SHIPPED",
        lines=[_line("O-1-1", order_line_state="SHIPPED", shipped_date="2026-04-02T11:00:00Z")],
    )
    # Either version may come first: a page boundary can deliver them in any order.
    first, second = (new, old) if newest_first else (old, new)
    landing.land([first], [second, _order("O-2", "2026-04-02T09:00:00Z")])

    assert landing.rows("SELECT order_id, order_state FROM mirakl.orders ORDER BY 1") == [
        ("O-1", "SHIPPED"),
        ("O-2", "SHIPPING"),
    ]
    assert landing.rows(
        "SELECT order_line_state, shipped_date FROM mirakl.orders__order_lines "
        "WHERE order_id = 'O-1'"
    ) == [("SHIPPED", dt.datetime(2026, 4, 2, 11, 0, tzinfo=UTC))]
    assert landing.rows(
        "SELECT count(*) FROM mirakl.orders__order_lines__taxes WHERE order_id = 'O-1'"
    ) == [(1,)]


def test_a_re_pulled_order_replaces_its_nested_rows_and_leaves_other_orders_alone(
    landing: Landing,
) -> None:
    two_taxes = [{"code": "VAT", "amount": Decimal("5")}, {"code": "ECO", "amount": Decimal("1")}]
    landing.land(
        [
            _order("O-1", "2026-04-02T10:00:00Z", lines=[_line("O-1-1", taxes=two_taxes)]),
            _order("O-2", "2026-04-02T10:00:00Z"),
        ]
    )
    landing.land(
        [
            _order(
                "O-1",
                "2026-04-03T10:00:00Z",
                lines=[_line("O-1-1", taxes=[{"code": "VAT", "amount": Decimal("6")}])],
            )
        ]
    )

    assert landing.rows(
        "SELECT order_id, code, amount FROM mirakl.orders__order_lines__taxes ORDER BY 1, 2"
    ) == [("O-1", "VAT", Decimal("6.0000")), ("O-2", "VAT", Decimal("6.6700"))]
    assert landing.rows("SELECT count(*) FROM mirakl.orders__order_lines") == [(2,)]
    assert landing.rows("SELECT count(*) FROM mirakl.orders") == [(2,)]


def test_nested_rows_join_their_parents_through_dlt_ids(landing: Landing) -> None:
    refund = {"id": "R-1", "amount": Decimal("10.00"), "state": "REFUNDED"}
    landing.land(
        [
            _order(
                "O-1",
                "2026-04-02T10:00:00Z",
                lines=[_line("O-1-1"), _line("O-1-2", refunds=[refund])],
            )
        ]
    )

    joined = landing.rows(
        "SELECT o.order_id, l.order_line_id, t.code, r.id, r.order_line_id, r.refund_state "
        "FROM mirakl.orders o "
        "JOIN mirakl.orders__order_lines l ON l._dlt_parent_id = o._dlt_id "
        "AND l._dlt_root_id = o._dlt_id "
        "JOIN mirakl.orders__order_lines__taxes t ON t._dlt_parent_id = l._dlt_id "
        "LEFT JOIN mirakl.orders__order_lines__refunds r ON r._dlt_parent_id = l._dlt_id "
        "ORDER BY l._dlt_list_idx"
    )
    assert joined == [
        ("O-1", "O-1-1", "VAT", None, None, None),
        ("O-1", "O-1-2", "VAT", "R-1", "O-1-2", "REFUNDED"),
    ]


def test_money_sent_as_decimals_integers_or_text_lands_as_exact_decimals(
    landing: Landing,
) -> None:
    landing.land(
        [
            _order("O-1", "2026-04-02T10:00:00Z", total_price=Decimal("19.99")),
            _order("O-2", "2026-04-02T10:00:00Z", total_price=5300),
            _order("O-3", "2026-04-02T10:00:00Z", total_price="0.10"),
        ]
    )

    assert landing.types("orders")["total_price"] == "DECIMAL(18,4)"
    assert landing.rows("SELECT order_id, total_price FROM mirakl.orders ORDER BY 1") == [
        ("O-1", Decimal("19.9900")),
        ("O-2", Decimal("5300.0000")),
        ("O-3", Decimal("0.1000")),
    ]
    assert landing.types("orders")["created_date"] == "TIMESTAMP WITH TIME ZONE"
    assert landing.types("orders__order_lines")["quantity"] == "BIGINT"


def test_an_order_with_an_unparseable_nested_date_time_is_quarantined_naming_the_path(
    landing: Landing,
) -> None:
    broken = _order(
        "O-BAD",
        "2026-04-02T10:00:00Z",
        lines=[_line("O-BAD-1"), _line("O-BAD-2", shipped_date="yesterday")],
    )
    landing.land([_order("O-1", "2026-04-02T10:00:00Z"), broken])

    assert landing.rows("SELECT order_id FROM mirakl.orders") == [("O-1",)]
    assert landing.rows("SELECT DISTINCT order_id FROM mirakl.orders__order_lines") == [("O-1",)]
    ((record_ref, reason, raw),) = landing.rows(
        "SELECT record_ref, reason, raw_record FROM mirakl.quarantine"
    )
    assert record_ref == "O-BAD"
    assert "order_lines[1].shipped_date" in reason and "'yesterday'" in reason
    assert "Ada" not in raw  # personal data is dropped before quarantine too


def test_a_date_time_without_offset_is_read_as_utc(landing: Landing) -> None:
    landing.land([_order("O-1", "2026-04-02T10:00:00", created_date="2026-04-01T08:00:00")])

    assert landing.rows("SELECT created_date, last_updated_date FROM mirakl.orders") == [
        (dt.datetime(2026, 4, 1, 8, 0, tzinfo=UTC), dt.datetime(2026, 4, 2, 10, 0, tzinfo=UTC))
    ]


def test_orders_updated_before_the_start_are_left_out_and_the_cursor_keeps_the_newest(
    landing: Landing,
) -> None:
    state = landing.land(
        [
            _order("O-OLD", "2026-04-01T23:59:59Z"),
            _order("O-NEW", "2026-04-02T12:00:00Z"),
            _order("O-EDGE", "2026-04-02T00:00:00Z"),
        ],
        since=dt.datetime(2026, 4, 2, tzinfo=UTC),
    )

    assert landing.rows("SELECT order_id FROM mirakl.orders ORDER BY 1") == [
        ("O-EDGE",),
        ("O-NEW",),
    ]
    assert landing.rows("SELECT DISTINCT order_id FROM mirakl.orders__order_lines ORDER BY 1") == [
        ("O-EDGE",),
        ("O-NEW",),
    ]
    assert dt.datetime.fromisoformat(state["last_updated_date"]) == dt.datetime(
        2026, 4, 2, 12, tzinfo=UTC
    )
