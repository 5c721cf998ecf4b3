"""Great Expectations really evaluates what is in the DuckDB file: no vacuous pass."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from expectations.runner import evaluate
from expectations.spec import LATEST_ALLOWED_TIMESTAMP, Batch, Check
from tests.conftest import AS_OF


def _orders_checks() -> tuple[Check, ...]:
    return (
        Check("orders.order_id is unique", "ExpectColumnValuesToBeUnique",
              {"column": "order_id"}, "critical", "keys are unique"),
        Check("orders.state is known", "ExpectColumnValuesToBeInSet",
              {"column": "state", "value_set": ["SHIPPING", "CLOSED"]}, "critical", "states"),
        Check("orders.total is a decimal amount", "ExpectColumnValuesToBeInTypeList",
              {"column": "total", "type_list": ["Decimal"]}, "critical", "money is DECIMAL"),
        Check("orders.created_at is not in the future", "ExpectColumnValuesToBeBetween",
              {"column": "created_at", "max_value": {"$PARAMETER": LATEST_ALLOWED_TIMESTAMP}},
              "warning", "not after as_of"),
    )  # fmt: skip


def _batch(table: str, prefix: str = "") -> Batch:
    checks = tuple(
        Check(prefix + c.name, c.expectation, c.kwargs, c.severity, c.description)
        for c in _orders_checks()
    )
    return Batch(suite="landed_data", table=table, keys=("order_id",), checks=checks, owner="data")


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema shop")
        for name in ("clean", "broken", "empty"):
            con.execute(
                f"create table shop.{name} (order_id varchar, state varchar, "
                "total decimal(18,4), created_at timestamptz)"
            )
        con.execute(
            "insert into shop.clean values ('A-1', 'SHIPPING', 10.50, ?), ('A-2', 'CLOSED', 3, ?)",
            [AS_OF - dt.timedelta(days=2), AS_OF - dt.timedelta(hours=1)],
        )
        con.execute(
            "insert into shop.broken values ('B-1', 'SHIPPING', 1, ?), ('B-2', 'TELEPORTED', 2, ?),"
            " ('B-2', 'CLOSED', 3, ?), ('B-3', 'CLOSED', 4, ?)",
            [AS_OF, AS_OF, AS_OF, AS_OF + dt.timedelta(days=1)],
        )
    return path


def _run(warehouse: Path, batches: list[Batch], docs: Path | None = None):
    with duckdb.connect(str(warehouse)) as con:
        return evaluate(
            con,
            batches,
            as_of=AS_OF,
            run_id="20260501T120000Z-0a0b0c",
            run_time=AS_OF,
            data_docs_dir=docs,
        )


def test_a_clean_table_passes_every_expectation_with_its_rows_counted(warehouse):
    evaluation = _run(warehouse, [_batch("shop.clean")])
    assert [r.success for r in evaluation.results] == [True] * 5
    rows, *checks = evaluation.results
    assert rows.expectation == "shop.clean has rows" and rows.observed_value == "2 rows"
    assert {r.element_count for r in checks} == {2}
    assert all(r.failing_keys == () for r in checks)


def test_broken_rows_fail_their_expectation_with_the_keys_that_broke_it(warehouse):
    results = {r.expectation: r for r in _run(warehouse, [_batch("shop.broken")]).results}
    unique = results["orders.order_id is unique"]
    assert not unique.success and unique.failing_keys == ("B-2",)
    assert unique.unexpected_count == 2 and unique.element_count == 4
    state = results["orders.state is known"]
    assert not state.success and state.failing_keys == ("B-2",)
    assert "'TELEPORTED'" in state.observed_value
    future = results["orders.created_at is not in the future"]
    assert not future.success and future.failing_keys == ("B-3",)
    assert future.severity == "warning"
    assert results["orders.total is a decimal amount"].success


@pytest.mark.parametrize(
    ("table", "reason"),
    [("shop.empty", "shop.empty has no rows"), ("shop.absent", "shop.absent does not exist")],
)
def test_an_empty_or_missing_table_fails_every_expectation_loudly(warehouse, table, reason):
    evaluation = _run(warehouse, [_batch(table)])
    assert len(evaluation.results) == 5
    for result in evaluation.results:
        assert result.success is False, result.expectation
        assert result.observed_value == reason
    assert len(evaluation.critical_failed) == 4


def test_a_text_amount_or_a_missing_column_fails_instead_of_passing(tmp_path):
    path = tmp_path / "text.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema shop")
        con.execute("create table shop.orders (order_id varchar, total varchar)")
        con.execute("insert into shop.orders values ('C-1', '12.30')")
    results = {r.expectation: r for r in _run(path, [_batch("shop.orders")]).results}
    money = results["orders.total is a decimal amount"]
    assert not money.success and money.observed_value == "column type str"
    state = results["orders.state is known"]
    assert not state.success
    assert 'column "state"' in state.observed_value and "does not exist" in state.observed_value


def test_data_docs_are_written_for_the_run(warehouse, tmp_path):
    docs = tmp_path / "docs"
    evaluation = _run(warehouse, [_batch("shop.broken"), _batch("shop.clean", "clean ")], docs)
    assert evaluation.data_docs_index == docs / "index.html"
    pages = sorted(docs.glob("validations/**/*.html"))
    assert len(pages) == 2
    broken = next(page for page in pages if "broken" in str(page))
    assert "TELEPORTED" in broken.read_text(encoding="utf-8")


def test_check_names_must_be_unique(warehouse):
    with pytest.raises(ValueError, match="two checks are named"):
        _run(warehouse, [_batch("shop.clean"), _batch("shop.broken")])


def test_a_money_tolerance_is_compared_exactly_at_its_edge(tmp_path):
    path = tmp_path / "money.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema shop")
        con.execute("create table shop.cycles (cycle_id varchar, difference decimal(18,4))")
        con.execute("insert into shop.cycles values ('ok', 0.0100), ('off', 0.0101)")
    batch = Batch(
        suite="business_breaches",
        table="shop.cycles",
        keys=("cycle_id",),
        checks=(
            Check(
                "cycles reconcile",
                "ExpectColumnValuesToBeBetween",
                {"column": "difference", "max_value": 0.01},
                "critical",
                "tolerance",
            ),
        ),
    )
    result = _run(path, [batch]).results[1]
    assert not result.success and result.failing_keys == ("off",)
