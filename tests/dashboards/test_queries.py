"""The dashboard's SQL: values travel as parameters, money stays exact, and the app reads only
the published snapshot."""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dashboards import queries
from dashboards.snapshot import Reader, current_snapshot, warehouse_from_argv
from tests.conftest import AS_OF
from tests.dashboards.conftest import DemoWarehouse

pytestmark = pytest.mark.slow

DASHBOARDS = Path(queries.__file__).parent


@pytest.fixture
def con(demo: DemoWarehouse):
    with duckdb.connect(str(demo.snapshot), read_only=True) as connection:
        yield connection


def test_a_filter_value_is_data_never_sql(con):
    everything = queries.open_totals(con, queries.ExceptionFilters())["open_count"].iloc[0]
    assert everything > 0
    for hostile in ("ops' or '1'='1", "ops'); drop table exceptions; --"):
        narrowed = queries.ExceptionFilters(owners=(hostile,))
        assert queries.open_totals(con, narrowed)["open_count"].iloc[0] == 0
    assert queries.open_exceptions(con, queries.ExceptionFilters()).shape[0] == everything


def test_date_filters_are_whole_utc_days(con, demo: DemoWarehouse):
    day = AS_OF.date()
    (first_detected_that_day,) = demo.one(
        "select count(*) from exceptions where status = 'open' "
        "and first_detected_at >= ? and first_detected_at < ?",
        dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC),
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC),
    )
    that_day = queries.ExceptionFilters(first_detected_from=day, first_detected_to=day)
    assert queries.open_totals(con, that_day)["open_count"].iloc[0] == first_detected_that_day
    before = queries.ExceptionFilters(first_detected_to=day - dt.timedelta(days=1))
    assert queries.open_totals(con, before)["open_count"].iloc[0] == 0


def test_money_arrives_as_exact_decimals_per_currency(con, demo: DemoWarehouse):
    at_risk = queries.money_at_risk(con, queries.ExceptionFilters())
    for _, row in at_risk.iterrows():
        assert isinstance(row["amount_at_risk"], Decimal)
        (expected,) = demo.one(
            "select sum(amount_at_risk) from exceptions where status = 'open' and currency = ?",
            row["currency"],
        )
        assert row["amount_at_risk"] == expected


def test_every_statement_lives_in_queries_and_takes_placeholders():
    """No page or helper builds SQL: only dashboards/queries.py talks to DuckDB."""
    for path in DASHBOARDS.rglob("*.py"):
        if path.name == "queries.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr not in ("execute", "sql", "query"), (
                    f"{path.name}:{node.lineno} runs SQL outside dashboards/queries.py"
                )
    # In queries.py, the statements are fixed text: no f-string or % formatting builds SQL.
    tree = ast.parse((DASHBOARDS / "queries.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            rendered = ast.unparse(node).lower()
            assert "select" not in rendered and "where" not in rendered, ast.unparse(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            assert not (isinstance(node.left, ast.Constant) and "select" in str(node.left.value))


def test_the_reader_opens_the_snapshot_never_the_live_warehouse(demo: DemoWarehouse):
    snapshot = current_snapshot(demo.warehouse)
    assert snapshot is not None and snapshot.path == demo.snapshot
    reader = Reader(snapshot)
    try:
        (opened,) = (
            reader.connection()
            .execute("select path from duckdb_databases() where database_name = current_database()")
            .fetchone()
        )
        assert Path(opened) == demo.snapshot
        # A reader holds no lock a run would trip over: the live file opens for writing.
        with duckdb.connect(str(demo.warehouse)) as writer:
            writer.execute("select 1")
    finally:
        reader.close()
    assert current_snapshot(demo.root / "nowhere" / "recon.duckdb") is None


def test_the_warehouse_comes_from_the_command_line_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("RECON_WAREHOUSE", str(tmp_path / "from-env.duckdb"))
    assert warehouse_from_argv([]) == tmp_path / "from-env.duckdb"
    chosen = tmp_path / "chosen.duckdb"
    assert warehouse_from_argv(["--warehouse", str(chosen)]) == chosen
