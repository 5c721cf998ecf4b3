"""The ERP file source: the public file contract lands complete, typed and without duplicates."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from ingestion.erp_files import NoExportsFound, erp_files_source
from ingestion.erp_files.contract import FILES

DATASET = "erp_files"


def _load(make_pipeline, folder: Path):
    pipeline = make_pipeline("erp_files", DATASET)
    pipeline.run(erp_files_source(path=str(folder)))
    return pipeline


def _rows(pipeline, sql: str, *params):
    with pipeline.sql_client() as client:
        return [tuple(row) for row in client.execute_sql(sql, *params)]


def _csv_count(path: Path) -> int:
    with path.open(newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def _write(folder: Path, name: str, header: str, *lines: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.csv").write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")


def test_every_export_of_the_demo_world_lands_completely(make_pipeline, demo_world):
    pipeline = _load(make_pipeline, demo_world.erp_dir)
    for spec in FILES:
        landed = _rows(pipeline, f"select count(*) from {DATASET}.{spec.name}")[0][0]
        assert landed == _csv_count(demo_world.erp_path(spec.name)), spec.name
    assert not _rows(
        pipeline,
        "select 1 from information_schema.tables "
        "where table_schema = ? and table_name = 'quarantine'",
        DATASET,
    )


def test_money_is_decimal_and_timestamps_are_utc_aware(make_pipeline, demo_world):
    pipeline = _load(make_pipeline, demo_world.erp_dir)
    types = dict(
        _rows(
            pipeline,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = 'ledger_entries'",
            DATASET,
        )
    )
    assert types["debit"] == "DECIMAL(18,4)"
    assert types["credit"] == "DECIMAL(18,4)"
    assert types["posted_at"] == "TIMESTAMP WITH TIME ZONE"
    # Sales orders are exported in Paris time with an offset: they must land as the same instant.
    with (demo_world.erp_path("sales_orders")).open(newline="") as handle:
        first = next(csv.DictReader(handle))
    landed = _rows(
        pipeline,
        f"select created_at, total_amount from {DATASET}.sales_orders where erp_order_id = ?",
        first["erp_order_id"],
    )[0]
    assert landed[0] == dt.datetime.fromisoformat(first["created_at"])
    assert landed[1] == Decimal(first["total_amount"])


def test_a_rerun_lands_the_same_tables_and_a_changed_row_replaces_its_old_version(
    make_pipeline, demo_world, tmp_path
):
    folder = tmp_path / "erp"
    shutil.copytree(demo_world.erp_dir, folder)
    pipeline = _load(make_pipeline, folder)
    before = {
        spec.name: _rows(pipeline, f"select count(*) from {DATASET}.{spec.name}")[0][0]
        for spec in FILES
    }

    pipeline.run(erp_files_source(path=str(folder)))
    after = {
        spec.name: _rows(pipeline, f"select count(*) from {DATASET}.{spec.name}")[0][0]
        for spec in FILES
    }
    assert after == before

    orders = (folder / "sales_orders.csv").read_text().splitlines()
    header, first = orders[0], orders[1].split(",")
    first[3] = "cancelled"
    (folder / "sales_orders.csv").write_text(
        "\n".join([header, ",".join(first), *orders[2:]]) + "\n"
    )
    pipeline.run(erp_files_source(path=str(folder)))
    assert _rows(
        pipeline, f"select status from {DATASET}.sales_orders where erp_order_id = ?", first[0]
    ) == [("cancelled",)]
    assert (
        _rows(pipeline, f"select count(*) from {DATASET}.sales_orders")[0][0]
        == before["sales_orders"]
    )


def test_bad_rows_go_to_quarantine_with_file_line_and_reason_and_the_rest_loads(
    make_pipeline, tmp_path
):
    folder = tmp_path / "erp"
    _write(
        folder,
        "sales_orders",
        "erp_order_id,marketplace_order_id,created_at,status,currency,total_amount",
        "SO-1,MO-1-A,2026-04-01T10:00:00Z,open,EUR,12.30",
        "SO-2,MO-2-A,2026-04-01T10:00:00Z,open,EUR,twelve",
        ",MO-3-A,2026-04-01T10:00:00Z,open,EUR,5.00",
        "SO-4,MO-4-A,yesterday,open,EUR,5.00",
        "SO-1,MO-1-A,2026-04-02T10:00:00Z,open,EUR,12.30",
        "SO-6,MO-6-A,2026-04-01T10:00:00Z,shipped,EUR,5.00",
        "SO-7,MO-7-A,2026-04-01T10:00:00Z,open,EUR,5.00,surprise",
    )
    pipeline = _load(make_pipeline, folder)
    assert _rows(pipeline, f"select erp_order_id, total_amount from {DATASET}.sales_orders") == [
        ("SO-1", Decimal("12.3000"))
    ]
    quarantined = dict(
        _rows(pipeline, f"select record_ref, reason from {DATASET}.quarantine order by record_ref")
    )
    assert quarantined == {
        "sales_orders.csv:3": "total_amount: 'twelve' is not a number",
        "sales_orders.csv:4": "erp_order_id is missing",
        "sales_orders.csv:5": "created_at: 'yesterday' is not an ISO 8601 timestamp",
        "sales_orders.csv:6": "duplicate key erp_order_id=SO-1: first seen on line 2",
        "sales_orders.csv:7": (
            "status: 'shipped' is not a sales order status (open, fulfilled, closed, cancelled)"
        ),
        "sales_orders.csv:8": "1 more cell(s) than the header has",
    }

    # Quarantine keeps one row per rejected record however often the same file is loaded.
    pipeline.run(erp_files_source(path=str(folder)))
    assert _rows(pipeline, f"select count(*) from {DATASET}.quarantine")[0][0] == 6


def test_contract_conventions_blank_money_booleans_offsets_and_decimal_commas(
    make_pipeline, tmp_path
):
    folder = tmp_path / "erp"
    _write(
        folder,
        "items",
        "sku,description,stock_uom,units_per_stock_unit,safety_stock,is_marketplace_listed,mirakl_shop_sku",
        "A-1,Tent,EA,,2,TRUE,",
        "A-2,Case of bars,CS,12,0,no,MK-A-2",
        "A-3,Mug,EA,1,0,1,",
        "A-4,Lamp,EA,0,0,Yes,",
    )
    (folder / "ledger_entries.csv").write_text(
        "entry_id;posted_at;account;debit;credit;currency;marketplace_order_id;payout_reference;memo\n"
        "JE-1;2026-04-01 10:00:00;4000 Revenue;;12,30;eur;MO-1-A;;sale\n",
        encoding="utf-8",
    )
    pipeline = _load(make_pipeline, folder)
    assert _rows(
        pipeline,
        f"select sku, units_per_stock_unit, is_marketplace_listed, mirakl_shop_sku "
        f"from {DATASET}.items order by sku",
    ) == [("A-1", 1, True, None), ("A-2", 12, False, "MK-A-2"), ("A-3", 1, True, None)]
    assert _rows(pipeline, f"select reason from {DATASET}.quarantine") == [
        ("units_per_stock_unit: '0' is below the minimum of 1",)
    ]
    assert _rows(
        pipeline, f"select posted_at, debit, credit, currency from {DATASET}.ledger_entries"
    ) == [
        (dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC), Decimal("0.0000"), Decimal("12.3000"), "EUR")
    ]


def test_every_stock_snapshot_is_kept_so_the_latest_as_of_can_win_downstream(
    make_pipeline, tmp_path
):
    folder = tmp_path / "erp"
    _write(
        folder,
        "stock_levels",
        "sku,location,on_hand,committed,as_of",
        "A-1,PAR,10,1,2026-04-30T08:00:00Z",
        "A-1,PAR,4.5,0,2026-05-01T08:00:00+02:00",
    )
    pipeline = _load(make_pipeline, folder)
    assert _rows(pipeline, f"select on_hand, as_of from {DATASET}.stock_levels order by as_of") == [
        (Decimal("10.0000"), dt.datetime(2026, 4, 30, 8, tzinfo=dt.UTC)),
        (Decimal("4.5000"), dt.datetime(2026, 5, 1, 6, tzinfo=dt.UTC)),
    ]


def test_parquet_exports_load_like_csv(make_pipeline, tmp_path):
    pyarrow = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    folder = tmp_path / "erp"
    folder.mkdir()
    table = pyarrow.table(
        {
            "deposit_id": ["DEP-1", "DEP-2"],
            "received_at": [dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC), None],
            "amount": [Decimal("1520.35"), Decimal("10.00")],
            "currency": ["EUR", "EUR"],
            "reference": ["MKP-PO-20260401-2001", "MKP-PO-20260411-2001"],
        }
    )
    pq.write_table(table, folder / "bank_deposits.parquet")
    pipeline = _load(make_pipeline, folder)
    assert _rows(pipeline, f"select deposit_id, amount from {DATASET}.bank_deposits") == [
        ("DEP-1", Decimal("1520.3500"))
    ]
    assert _rows(pipeline, f"select record_ref, reason from {DATASET}.quarantine") == [
        ("bank_deposits.parquet:2", "received_at is missing")
    ]


def test_a_file_without_a_required_column_is_quarantined_whole_and_the_others_load(
    make_pipeline, tmp_path
):
    folder = tmp_path / "erp"
    _write(folder, "refunds", "refund_id,erp_order_id,amount,currency", "R-1,SO-1,5.00,EUR")
    _write(
        folder,
        "bank_deposits",
        "deposit_id,received_at,amount,currency,reference",
        "DEP-1,2026-04-02T09:00:00Z,10.00,EUR,PO-1",
    )
    pipeline = _load(make_pipeline, folder)
    assert _rows(pipeline, f"select reason from {DATASET}.quarantine") == [
        ("refunds.csv lacks required column(s) created_at: file not loaded",)
    ]
    assert _rows(pipeline, f"select count(*) from {DATASET}.bank_deposits") == [(1,)]


def test_a_folder_without_any_export_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoExportsFound, match=r"no ERP export files in .*empty"):
        erp_files_source(path=str(tmp_path / "empty"))
    with pytest.raises(NoExportsFound, match="does not exist"):
        erp_files_source(path=str(tmp_path / "nowhere"))
