"""Approvals: an inbox file beside the warehouse, consumed into writeback.corrections.

Approving never opens the DuckDB warehouse: the dashboard reads a snapshot and a run may hold
the warehouse for minutes, yet a person must be able to approve at any time. So an approval is
a line appended (under a file lock) to `<warehouse stem>.approvals.jsonl`; `recon writeback plan`
and `apply`, which hold the warehouse, move the inbox into the corrections table and empty it.

    from writeback.approvals import record_approval
    record_approval(warehouse, ["3f2a9c0d41be..."], approved_by="jane@shop.example")
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from recon.timestamps import format_utc, parse_utc
from writeback.store import APPROVED, FAILED, PLANNED, SCHEMA, update_correction, utc_now

# Statuses an approval moves to approved: a fresh plan, or a correction that gave up and a
# person wants tried again.
APPROVABLE = (PLANNED, FAILED)


class ApprovalError(ValueError):
    """An approval that cannot be recorded; the message says why."""


@dataclass(frozen=True)
class Approval:
    correction_id: str
    approved_by: str
    approved_at: dt.datetime
    via: str | None = None


def inbox_path(warehouse: Path) -> Path:
    """`warehouse/recon.duckdb` -> `warehouse/recon.approvals.jsonl`."""
    warehouse = Path(warehouse)
    return warehouse.with_name(f"{warehouse.stem}.approvals.jsonl")


@contextmanager
def _inbox_lock(warehouse: Path) -> Iterator[Path]:
    inbox = inbox_path(warehouse)
    inbox.parent.mkdir(parents=True, exist_ok=True)
    with inbox.with_name(inbox.name + ".lock").open("a+") as lock:
        # Blocking: a consumer holds the lock only while it moves the inbox into the warehouse.
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield inbox
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def record_approval(
    warehouse: Path | str,
    correction_ids: Iterable[str],
    approved_by: str,
    *,
    via: str | None = None,
) -> list[Approval]:
    """Record that `approved_by` approves these corrections; they take effect at the next plan
    or apply. Safe to call while a run holds the warehouse, and from several processes at once.

    Args:
        warehouse: The warehouse file (the inbox lives beside it).
        correction_ids: Ids from writeback.corrections (as shown by the plan).
        approved_by: Who approves, e.g. a login or e-mail; required.
        via: Where the approval came from, e.g. "cli" or "dashboard", kept in the audit.

    Returns:
        The approvals written to the inbox.
    """
    who = (approved_by or "").strip()
    if not who:
        raise ApprovalError("approved_by is required: say who approves")
    ids = []
    for correction_id in correction_ids:
        text = str(correction_id or "").strip()
        if not text:
            raise ApprovalError("an empty correction id cannot be approved")
        if text not in ids:
            ids.append(text)
    if not ids:
        raise ApprovalError("no correction ids to approve")
    at = dt.datetime.now(dt.UTC)
    approvals = [Approval(correction_id, who, at, via) for correction_id in ids]
    lines = "".join(
        json.dumps(
            {
                "correction_id": approval.correction_id,
                "approved_by": approval.approved_by,
                "approved_at": format_utc(approval.approved_at),
                "via": approval.via,
            }
        )
        + "\n"
        for approval in approvals
    )
    with _inbox_lock(Path(warehouse)) as inbox, inbox.open("a", encoding="utf-8") as handle:
        handle.write(lines)
        handle.flush()
        # An approval the caller was told about must survive a crash.
        os.fsync(handle.fileno())
    return approvals


def pending_approvals(warehouse: Path) -> list[Approval]:
    """What the inbox holds now (read-only; for display)."""
    inbox = inbox_path(warehouse)
    if not inbox.exists():
        return []
    with _inbox_lock(warehouse):
        return _read_inbox(inbox)


def _read_inbox(inbox: Path) -> list[Approval]:
    if not inbox.exists():
        return []
    approvals = []
    for number, line in enumerate(inbox.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            approvals.append(
                Approval(
                    correction_id=str(data["correction_id"]),
                    approved_by=str(data["approved_by"]),
                    approved_at=parse_utc(data["approved_at"]),
                    via=data.get("via"),
                )
            )
        except (ValueError, KeyError, TypeError) as error:
            # A torn line (a writer killed mid-write) is skipped, never fatal to the run.
            approvals.append(
                Approval(f"<unreadable line {number}: {error}>", "?", dt.datetime.now(dt.UTC))
            )
    return approvals


@dataclass(frozen=True)
class ConsumedApproval:
    approval: Approval
    outcome: str


def consume_approvals(con: duckdb.DuckDBPyConnection, warehouse: Path) -> list[ConsumedApproval]:
    """Move the inbox into writeback.corrections (and writeback.approvals), then empty it.

    The warehouse is committed before the inbox is emptied; if the process dies in between,
    the next run reads the same approvals again, which changes nothing (approving an approved
    correction is a no-op, and the audit row is not repeated).
    """
    with _inbox_lock(warehouse) as inbox:
        approvals = _read_inbox(inbox)
        if not approvals:
            return []
        consumed = []
        con.execute("begin transaction")
        try:
            for approval in approvals:
                outcome = _approve(con, approval)
                consumed.append(ConsumedApproval(approval, outcome))
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        inbox.write_text("", encoding="utf-8")
        return consumed


def _approve(con: duckdb.DuckDBPyConnection, approval: Approval) -> str:
    seen = con.execute(
        f"select outcome from {SCHEMA}.approvals "
        "where correction_id = ? and approved_by = ? and approved_at = ?",
        [approval.correction_id, approval.approved_by, approval.approved_at],
    ).fetchone()
    if seen is not None:
        return seen[0]
    row = con.execute(
        f"select status from {SCHEMA}.corrections where correction_id = ?",
        [approval.correction_id],
    ).fetchone()
    if row is None:
        outcome = "ignored: no such correction"
    elif row[0] in APPROVABLE:
        update_correction(
            con,
            approval.correction_id,
            status=APPROVED,
            approved_by=approval.approved_by,
            approved_at=approval.approved_at,
            # A failed correction approved again gets its full number of attempts back.
            attempts=0,
            reason=None,
        )
        outcome = "approved"
    else:
        outcome = f"ignored: the correction is {row[0]}"
    con.execute(
        f"insert into {SCHEMA}.approvals values (?, ?, ?, ?, ?, ?)",
        [
            approval.correction_id,
            approval.approved_by,
            approval.approved_at,
            approval.via,
            utc_now(),
            outcome,
        ],
    )
    return outcome
