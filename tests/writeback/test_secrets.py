"""The Mirakl key never reaches the audit, the corrections, the logs or the output."""

from __future__ import annotations

import logging

import duckdb
from click.testing import CliRunner

from recon.cli import cli
from recon.warehouse import snapshot_path
from tests.writeback.conftest import API_KEY, fast_settings
from writeback.approvals import inbox_path, record_approval
from writeback.mirakl_calls import MiraklWriter
from writeback.runs import plan
from writeback.store import SCHEMA


def test_the_key_appears_nowhere_writeback_writes(live_world, caplog):
    live = live_world()
    plan(live.warehouse, fast_settings())
    with duckdb.connect(str(live.warehouse), read_only=True) as con:
        ids = [
            i for (i,) in con.execute(f"select correction_id from {SCHEMA}.corrections").fetchall()
        ]
    record_approval(live.warehouse, ids, "ops")
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    with live.serving():
        # Failures too: their messages are where a careless client leaks a key.
        live.trouble_writes(seed=4, error_rate=0.3, drop_rate=0.1)
        rejected_key = "sk-wrong-9d2e11"
        rejected = runner.invoke(
            cli,
            ["writeback", "apply"],
            env=live.cli_env(SOURCES__MIRAKL__API_KEY=rejected_key),
        )
        applied = runner.invoke(cli, ["writeback", "apply"], env=live.cli_env())
    assert applied.exit_code == 0, applied.output
    with duckdb.connect(str(live.warehouse), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [SCHEMA],
            ).fetchall()
        ]
        assert set(tables) == {"corrections", "attempts", "approvals"}
        stored = "\n".join(
            repr(row)
            for table in tables
            for row in con.execute(f"select * from {SCHEMA}.{table}").fetchall()
        )
        assert con.execute(f"select count(*) from {SCHEMA}.attempts").fetchone()[0] > 10
    places = {
        "tables": stored,
        "logs": caplog.text,
        "output": applied.output + rejected.output,
        "inbox": inbox_path(live.warehouse).read_text(),
        "request bodies": "\n".join(
            (record.body or b"").decode("utf-8", "replace") for record in live.sandbox.request_log
        ),
    }
    assert "POST /api/offers/stock/imports" in caplog.text  # the calls are logged...
    for place, text in places.items():
        for key in (API_KEY, rejected_key):
            assert key not in text, f"the key leaked into the {place}"  # ...never the key
    for file in (live.warehouse, snapshot_path(live.warehouse)):
        assert API_KEY.encode() not in file.read_bytes()
    assert rejected.exit_code == 1 and "401" in rejected.output


def test_the_connection_and_client_never_show_the_key(live_world):
    live = live_world()
    with live.serving():
        connection = live.connection()
        writer = MiraklWriter(connection, fast_settings())
        assert API_KEY not in repr(connection) and API_KEY not in repr(writer)
        writer.close()
