"""`plan` and `apply` as whole runs: under the warehouse's run lock, ending with a new snapshot.

from writeback.runs import plan, apply
plan(warehouse)            # a dry run: corrections planned, nothing sent
apply(warehouse)           # sends what is approved
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from recon.warehouse import publish_snapshot, run_lock
from writeback.applying import Applier, ApplyReport, Progress
from writeback.approvals import ConsumedApproval, consume_approvals
from writeback.mirakl_calls import MiraklWriter, Pacer
from writeback.planning import PlanChanges, refresh_plan
from writeback.settings import MiraklConnection, WritebackSettings, load_connection, load_settings
from writeback.store import (
    IN_FLIGHT,
    SCHEMA,
    SUPERSEDED,
    CorrectionRow,
    connect,
    last_calls,
    read_corrections,
    utc_now,
)


@dataclass(frozen=True)
class PlanReport:
    changes: PlanChanges
    approvals: list[ConsumedApproval]
    batch: list[CorrectionRow]


def current_batch(con: duckdb.DuckDBPyConnection) -> list[CorrectionRow]:
    """Corrections worth showing: those of open exceptions, and any still in flight."""
    in_flight = ", ".join(f"'{status}'" for status in IN_FLIGHT)
    has_exceptions = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'main' and table_name = 'exceptions'"
    ).fetchone()[0]
    open_filter = (
        "correction_id in (select c.correction_id from "
        f"{SCHEMA}.corrections c join main.exceptions e on e.exception_id = c.exception_id "
        "where e.status = 'open')"
        if has_exceptions
        else "true"
    )
    return read_corrections(
        con, f"status <> '{SUPERSEDED}' and (status in ({in_flight}) or {open_filter})"
    )


def _plan_in(
    con: duckdb.DuckDBPyConnection, warehouse: Path, settings: WritebackSettings
) -> PlanReport:
    changes = refresh_plan(con, settings, utc_now())
    approvals = consume_approvals(con, warehouse)
    return PlanReport(changes, approvals, current_batch(con))


def plan(warehouse: Path, settings: WritebackSettings | None = None) -> PlanReport:
    """Bring writeback.corrections in step with the open exceptions; send nothing."""
    settings = settings or load_settings()
    with run_lock(warehouse, "writeback plan"):
        con = connect(warehouse)
        try:
            report = _plan_in(con, warehouse, settings)
        finally:
            con.close()
        publish_snapshot(warehouse)
    return report


def apply(
    warehouse: Path,
    settings: WritebackSettings | None = None,
    connection: MiraklConnection | None = None,
    *,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[PlanReport, ApplyReport]:
    """Plan (so nothing stale is sent), then send every approved correction to Mirakl.

    Mirakl's address and key are read from `[sources.mirakl]` only when there is something
    to send.
    """
    settings = settings or load_settings()
    say = progress or (lambda message: None)
    with run_lock(warehouse, "writeback apply"):
        con = connect(warehouse)
        try:
            planned = _plan_in(con, warehouse, settings)

            def writer() -> MiraklWriter:
                target = connection or load_connection()
                return MiraklWriter(
                    target,
                    settings,
                    pacer=Pacer(
                        settings.min_interval_seconds,
                        last_calls(con),
                        sleep=sleep,
                        on_wait=lambda message, _: say(message),
                    ),
                    sleep=sleep,
                    on_wait=lambda message, _: say(message),
                )

            report = Applier(con, writer, settings, progress=say, sleep=sleep).run()
        finally:
            con.close()
            # Even after an error the dashboard should see what was sent.
            publish_snapshot(warehouse)
    return planned, report
