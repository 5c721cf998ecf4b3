"""The `writeback` schema: corrections, the append-only audit of every call, and approvals.

A correction moves through these statuses:

- planned → approved (a person, or the auto-approve policy) → sending (marked before the
  request leaves) → applied on a 2xx; for STO01, submitted (import id kept) until STO02 says
  COMPLETE, then applied, or refused for the lines STO03 reports;
- sending → refused on a 4xx: recorded with Mirakl's message, raised for a person, never resent;
- sending with no answer (timeout, dropped connection, a killed process) or a 5xx: in doubt.
  Mirakl is read back: applied; not applied → sent again; changed by someone else → failed;
- failed: gave up after max_attempts, or Mirakl's state changed; a person may approve again;
- routed: the rules found no safe automatic fix; a person acts, nothing is sent;
- superseded: a never-sent correction whose exception went away or changed.

`sending` is written (and committed) before the request leaves, so a killed apply leaves a
trace: the next apply reads Mirakl's state for that correction before it ever sends again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from writeback import jsontext

SCHEMA = "writeback"

PLANNED = "planned"
APPROVED = "approved"
ROUTED = "routed"
SENDING = "sending"
SUBMITTED = "submitted"
APPLIED = "applied"
REFUSED = "refused"
FAILED = "failed"
SUPERSEDED = "superseded"
STATUSES = (PLANNED, APPROVED, ROUTED, SENDING, SUBMITTED, APPLIED, REFUSED, FAILED, SUPERSEDED)
# Sent (or maybe sent) and not settled: only Mirakl's answer or state may move these on.
IN_FLIGHT = (SENDING, SUBMITTED)
# Never sent yet; the plan may replace these when their exception changes or goes.
REPLACEABLE = (PLANNED, APPROVED, ROUTED, FAILED)

ROUTE_TO_PERSON = "route_to_person"

DDL = f"""
create schema if not exists {SCHEMA};

create table if not exists {SCHEMA}.corrections (
    correction_id varchar primary key,
    exception_id varchar not null,
    exception_type varchar not null,
    entity_id varchar not null,
    action varchar not null,
    payload varchar not null,
    observed varchar,
    summary varchar,
    status varchar not null,
    reason varchar,
    amount_at_risk decimal(18, 4),
    currency varchar,
    approved_by varchar,
    approved_at timestamp with time zone,
    created_at timestamp with time zone not null,
    updated_at timestamp with time zone not null,
    applied_at timestamp with time zone,
    mirakl_reference varchar,
    import_line integer,
    steps_done varchar,
    sending_step varchar,
    sending_at timestamp with time zone,
    reconcile_after timestamp with time zone,
    last_error varchar,
    attempts integer not null default 0
);

create table if not exists {SCHEMA}.attempts (
    attempt_id varchar primary key,
    correction_id varchar not null,
    request_id varchar,
    attempted_at timestamp with time zone not null,
    operation varchar,
    method varchar,
    path varchar,
    request_body varchar,
    http_status integer,
    mirakl_import_id varchar,
    outcome varchar,
    error_message varchar,
    duration_ms integer
);

create table if not exists {SCHEMA}.approvals (
    correction_id varchar not null,
    approved_by varchar not null,
    approved_at timestamp with time zone not null,
    via varchar,
    recorded_at timestamp with time zone not null,
    outcome varchar not null
);
"""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A writing connection with the schema in place and timestamps read back in UTC."""
    con = duckdb.connect(str(warehouse))
    con.execute("set TimeZone = 'UTC'")
    con.execute(DDL)
    return con


@dataclass
class CorrectionRow:
    """One row of writeback.corrections, with payload and observed parsed."""

    correction_id: str
    exception_id: str
    exception_type: str
    entity_id: str
    action: str
    payload: dict[str, Any]
    observed: dict[str, Any]
    summary: str | None
    status: str
    reason: str | None
    amount_at_risk: Decimal | None
    currency: str | None
    approved_by: str | None
    approved_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    applied_at: dt.datetime | None
    mirakl_reference: str | None
    import_line: int | None
    steps_done: str | None
    sending_step: str | None
    sending_at: dt.datetime | None
    reconcile_after: dt.datetime | None
    last_error: str | None
    attempts: int

    @property
    def requests(self) -> list[dict[str, Any]]:
        return list(self.payload.get("requests") or [])

    @property
    def steps(self) -> list[str]:
        return [request["operation"] for request in self.requests]

    @property
    def done_steps(self) -> list[str]:
        return [step for step in (self.steps_done or "").split(",") if step]

    @property
    def remaining_steps(self) -> list[str]:
        done = set(self.done_steps)
        return [step for step in self.steps if step not in done]

    def request_for(self, step: str) -> dict[str, Any]:
        return next(request for request in self.requests if request["operation"] == step)


COLUMNS = tuple(CorrectionRow.__dataclass_fields__)


def read_corrections(
    con: duckdb.DuckDBPyConnection, where: str = "true", params: Sequence[Any] = ()
) -> list[CorrectionRow]:
    rows = con.execute(
        f"select {', '.join(COLUMNS)} from {SCHEMA}.corrections where {where} "
        "order by exception_type, entity_id, created_at",
        list(params),
    ).fetchall()
    corrections = []
    for row in rows:
        values = dict(zip(COLUMNS, row, strict=True))
        values["payload"] = jsontext.loads(values["payload"]) or {}
        values["observed"] = jsontext.loads(values["observed"]) or {}
        corrections.append(CorrectionRow(**values))
    return corrections


def read_correction(con: duckdb.DuckDBPyConnection, correction_id: str) -> CorrectionRow:
    (row,) = read_corrections(con, "correction_id = ?", [correction_id])
    return row


def update_correction(con: duckdb.DuckDBPyConnection, correction_id: str, **changes: Any) -> None:
    """Set columns of one correction (and updated_at); one statement, so one commit."""
    unknown = set(changes) - set(COLUMNS)
    if unknown:
        raise ValueError(f"unknown correction column(s): {', '.join(sorted(unknown))}")
    changes.setdefault("updated_at", utc_now())
    for name in ("payload", "observed"):
        if name in changes and not isinstance(changes[name], str):
            changes[name] = jsontext.dumps(changes[name])
    assignments = ", ".join(f"{name} = ?" for name in changes)
    con.execute(
        f"update {SCHEMA}.corrections set {assignments} where correction_id = ?",
        [*changes.values(), correction_id],
    )


def insert_correction(con: duckdb.DuckDBPyConnection, **values: Any) -> None:
    values.setdefault("attempts", 0)
    for name in ("payload", "observed"):
        if name in values and not isinstance(values[name], str):
            values[name] = jsontext.dumps(values[name])
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    con.execute(
        f"insert into {SCHEMA}.corrections ({names}) values ({marks})", list(values.values())
    )


@dataclass(frozen=True)
class AttemptRecord:
    """One line of the audit: a call to Mirakl made for a correction, or what a read showed."""

    correction_id: str
    operation: str
    method: str | None = None
    path: str | None = None
    request_body: str | None = None
    http_status: int | None = None
    mirakl_import_id: str | None = None
    outcome: str | None = None
    error_message: str | None = None
    duration_ms: int | None = None
    request_id: str | None = None
    attempted_at: dt.datetime | None = None


def append_attempts(con: duckdb.DuckDBPyConnection, records: Iterable[AttemptRecord]) -> None:
    """Append to writeback.attempts. Nothing ever updates or deletes a row of it."""
    rows = [
        (
            uuid.uuid4().hex,
            record.correction_id,
            record.request_id,
            record.attempted_at or utc_now(),
            record.operation,
            record.method,
            record.path,
            record.request_body,
            record.http_status,
            record.mirakl_import_id,
            record.outcome,
            record.error_message,
            record.duration_ms,
        )
        for record in records
    ]
    if rows:
        con.executemany(
            f"insert into {SCHEMA}.attempts (attempt_id, correction_id, request_id, "
            "attempted_at, operation, method, path, request_body, http_status, "
            "mirakl_import_id, outcome, error_message, duration_ms) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def last_calls(con: duckdb.DuckDBPyConnection) -> dict[str, dt.datetime]:
    """When each Mirakl operation was last called, from the audit (for call spacing)."""
    rows = con.execute(
        f"select operation, max(attempted_at) from {SCHEMA}.attempts group by operation"
    ).fetchall()
    return {operation: at for operation, at in rows if operation}
