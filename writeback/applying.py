"""Applying approved corrections to Mirakl, each at most once, with every call audited.

The rule that makes a kill harmless: a correction is marked `sending` (with the step and the
time) and committed *before* its request leaves. Whatever happens next, the warehouse says what
may have reached Mirakl:

- the answer is recorded: applied, submitted (STO01, import id kept), refused, or in doubt;
- the process dies before that: the next apply finds `sending` with a step in flight and reads
  Mirakl's state (OR11 for orders, OF21 for offers) once the grace for an answer is over; only
  if Mirakl shows the change was not made is the request sent again;
- a submitted stock import is followed through STO02 (and STO03 for rejected lines), never
  imported again.

One apply: settle what earlier runs left in doubt, send approved stock corrections as one STO01
import, send order corrections step by step, follow the import, and wait (at most
`max_wait_seconds`) for what is still pending; the rest is picked up by the next apply.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import duckdb

from writeback import reconciling
from writeback.mirakl_calls import (
    AUTH,
    OK,
    REFUSED,
    THROTTLED,
    CallResult,
    MiraklCallError,
    MiraklWriter,
    backoff,
)
from writeback.settings import WritebackSettings
from writeback.store import (
    APPLIED,
    APPROVED,
    FAILED,
    SENDING,
    SUBMITTED,
    AttemptRecord,
    CorrectionRow,
    append_attempts,
    read_corrections,
    update_correction,
    utc_now,
)
from writeback.store import REFUSED as REFUSED_STATUS

Progress = Callable[[str], None]
ORDER_STEPS = ("OR21", "OR23", "OR24", "OR28")
# A stock import file's first data line is line 2 (line 1 is the header).
FIRST_DATA_LINE = 2


@dataclass
class ApplyReport:
    """What one apply did: the final status of every correction it touched."""

    outcomes: dict[str, str] = field(default_factory=dict)
    writes_sent: int = 0
    left_pending: list[str] = field(default_factory=list)
    stopped: str | None = None

    def count(self, status: str) -> int:
        return sum(1 for value in self.outcomes.values() if value == status)


class Applier:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        writer: Callable[[], MiraklWriter],
        settings: WritebackSettings,
        *,
        progress: Progress | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.con = con
        self._make_writer = writer
        self._writer: MiraklWriter | None = None
        self.settings = settings
        self.progress = progress or (lambda message: None)
        self._sleep = sleep
        self.report = ApplyReport()

    @property
    def writer(self) -> MiraklWriter:
        if self._writer is None:
            self._writer = self._make_writer()
        return self._writer

    # --- the run ------------------------------------------------------------------------------

    def run(self) -> ApplyReport:
        if not self._corrections(f"status in ('{APPROVED}', '{SENDING}', '{SUBMITTED}')"):
            self.progress("Nothing approved to send.")
            return self.report
        # Mirakl's settings are checked before anything is marked as sending.
        _ = self.writer
        deadline = time.monotonic() + self.settings.max_wait_seconds
        try:
            while self.report.stopped is None:
                self._reconcile_due()
                self._send_stock()
                self._send_orders()
                self._follow_imports()
                in_doubt = self._in_doubt()
                submitted = self._corrections(f"status = '{SUBMITTED}'")
                ready = self._corrections(f"status = '{APPROVED}'") or self._continuing()
                if ready and self.report.stopped is None:
                    continue
                if not in_doubt and not submitted:
                    break
                next_at = min(
                    [c.reconcile_after or utc_now() for c in in_doubt]
                    + ([self.writer.pacer.ready_at("STO02")] if submitted else [])
                )
                wait = max((next_at - utc_now()).total_seconds(), 0.0)
                if time.monotonic() + wait > deadline:
                    self._leave_pending(in_doubt, submitted)
                    break
                if wait > 0 and in_doubt and not submitted:
                    self.progress(
                        f"waiting {wait:.0f} s before reading back {len(in_doubt)} send(s) "
                        "whose answer never came"
                    )
                    self._sleep(wait)
        finally:
            if self._writer is not None:
                self._writer.close()
        return self.report

    def _leave_pending(self, in_doubt: list[CorrectionRow], submitted: list[CorrectionRow]) -> None:
        for correction in in_doubt:
            self.report.left_pending.append(
                f"{correction.correction_id[:12]} {correction.entity_id}: "
                f"{correction.sending_step} in doubt, read back after "
                f"{correction.reconcile_after:%H:%M:%S} UTC by the next apply"
            )
        for correction in submitted:
            self.report.left_pending.append(
                f"{correction.correction_id[:12]} {correction.entity_id}: stock import "
                f"{correction.mirakl_reference} still running; the next apply follows it"
            )

    # --- reading and writing corrections ------------------------------------------------------

    def _corrections(self, where: str, params: Iterable = ()) -> list[CorrectionRow]:
        return read_corrections(self.con, where, list(params))

    def _in_doubt(self) -> list[CorrectionRow]:
        return self._corrections(f"status = '{SENDING}' and sending_step is not null")

    def _continuing(self) -> list[CorrectionRow]:
        """Order corrections part-way through their steps with nothing in flight."""
        return self._corrections(f"status = '{SENDING}' and sending_step is null")

    def _set(self, correction: CorrectionRow, **changes) -> None:
        update_correction(self.con, correction.correction_id, **changes)
        status = changes.get("status")
        if status is not None:
            self.report.outcomes[correction.correction_id] = status

    def _audit(
        self,
        corrections: Iterable[CorrectionRow],
        result: CallResult,
        outcome: str,
        import_id: str | None = None,
    ) -> None:
        append_attempts(
            self.con,
            [
                AttemptRecord(
                    correction_id=correction.correction_id,
                    request_id=result.request_id,
                    attempted_at=exchange.at,
                    operation=exchange.operation,
                    method=exchange.method,
                    path=exchange.path,
                    request_body=exchange.request_body,
                    http_status=exchange.status,
                    mirakl_import_id=import_id,
                    outcome=outcome if index == len(result.exchanges) - 1 else "retried",
                    error_message=exchange.error,
                    duration_ms=exchange.duration_ms,
                )
                for correction in corrections
                for index, exchange in enumerate(result.exchanges)
            ],
        )

    def _give_up_if_exhausted(self, correction: CorrectionRow) -> bool:
        # Each completed step took one send; the cap is on sends of the step still to do.
        if correction.attempts - len(correction.done_steps) < self.settings.max_attempts:
            return False
        self._set(
            correction,
            status=FAILED,
            sending_step=None,
            reconcile_after=None,
            reason=f"gave up after {correction.attempts} send(s) without a clear answer "
            f"(last: {correction.last_error}); approve it again to retry",
        )
        self.progress(f"✗ {correction.entity_id}: gave up after {correction.attempts} sends")
        return True

    def _mark_sending(self, correction: CorrectionRow, step: str) -> None:
        now = utc_now()
        self._set(
            correction,
            status=SENDING,
            sending_step=step,
            sending_at=now,
            reconcile_after=now + dt.timedelta(seconds=self.settings.in_doubt_grace_seconds),
            attempts=correction.attempts + 1,
        )

    def _not_processed(self, corrections: Iterable[CorrectionRow], result: CallResult) -> None:
        """401/403/429: Mirakl processed nothing; put the corrections back and stop sending."""
        for correction in corrections:
            self._set(
                correction,
                status=SENDING if correction.done_steps else APPROVED,
                sending_step=None,
                reconcile_after=None,
                # The send that was turned away does not count against max_attempts.
                attempts=max(correction.attempts - 1, 0),
                last_error=result.message,
            )
        if result.outcome == AUTH:
            self.report.stopped = (
                f"Mirakl refused the API key (HTTP {result.status}: {result.message}); nothing "
                "more was sent. Check api_key under [sources.mirakl] in .dlt/secrets.toml "
                "(or SOURCES__MIRAKL__API_KEY) and the key's roles."
            )
        else:
            self.report.stopped = (
                f"Mirakl kept answering 429 on {result.operation}; nothing more was sent. "
                "Apply again later."
            )

    def _in_doubt_after(self, correction: CorrectionRow, result: CallResult) -> None:
        """No answer or a 5xx: keep `sending`, read Mirakl back before any resend."""
        now = utc_now()
        if result.answered:
            # Mirakl answered (5xx): nothing is still running there; read back after a backoff.
            after = now + dt.timedelta(seconds=backoff(self.settings, correction.attempts))
        else:
            after = now + dt.timedelta(seconds=self.settings.in_doubt_grace_seconds)
        self._set(correction, reconcile_after=after, last_error=result.message)

    # --- stock: one STO01 import for every approved stock correction --------------------------

    def _send_stock(self) -> None:
        if self.report.stopped:
            return
        batch = [
            c
            for c in self._corrections(f"status = '{APPROVED}' and action = 'STO01'")
            if not self._give_up_if_exhausted(c)
        ]
        if not batch:
            return
        self.con.execute("begin transaction")
        for line, correction in enumerate(batch, start=FIRST_DATA_LINE):
            self._mark_sending(correction, "STO01")
            update_correction(self.con, correction.correction_id, import_line=line)
        self.con.execute("commit")
        batch = [self._reload(c) for c in batch]
        self.progress(f"STO01: importing the stock of {len(batch)} offer(s) in one file")
        result = self.writer.import_stock([c.request_for("STO01")["row"] for c in batch])
        self.report.writes_sent += 1
        import_id = None
        if result.ok and isinstance(result.body, dict) and result.body.get("import_id"):
            import_id = str(result.body["import_id"])
        if import_id is not None:
            self._audit(batch, result, "submitted", import_id)
            for correction in batch:
                self._set(
                    correction,
                    status=SUBMITTED,
                    sending_step=None,
                    reconcile_after=None,
                    mirakl_reference=import_id,
                    last_error=None,
                )
            self.progress(f"STO01: import {import_id} accepted; following it with STO02")
        elif result.outcome == REFUSED:
            self._audit(batch, result, "refused")
            for correction in batch:
                self._refused(correction, "STO01", result)
        elif result.outcome in (AUTH, THROTTLED):
            self._audit(batch, result, "not processed")
            self._not_processed(batch, result)
        else:
            self._audit(batch, result, "in doubt")
            for correction in batch:
                self._in_doubt_after(correction, result)
            self.progress(f"STO01: no clear answer ({result.message}); will read the offers back")

    def _follow_imports(self) -> None:
        submitted = self._corrections(f"status = '{SUBMITTED}'")
        by_import: dict[str, list[CorrectionRow]] = {}
        for correction in submitted:
            by_import.setdefault(str(correction.mirakl_reference), []).append(correction)
        for import_id, corrections in by_import.items():
            if self.report.stopped:
                return
            result = self.writer.stock_import_status(import_id)
            status = (result.body or {}).get("status") if result.ok else None
            self._audit(corrections, result, f"import {status or 'unreadable'}", import_id)
            if result.outcome == AUTH:
                self._not_processed([], result)
                return
            if result.outcome == REFUSED:
                for correction in corrections:
                    self._set(
                        correction,
                        status=FAILED,
                        reason=f"Mirakl does not know stock import {import_id} "
                        f"(HTTP {result.status}: {result.message}); check the back office",
                    )
                continue
            if status not in ("COMPLETE", "FAILED"):
                self.progress(f"STO02: import {import_id} is {status or 'not readable yet'}")
                continue
            errors: dict[int, str] = {}
            if result.body.get("has_error_report"):
                report, errors = self.writer.stock_import_errors(import_id)
                self._audit(corrections, report, f"{len(errors)} line(s) rejected", import_id)
            now = utc_now()
            for correction in corrections:
                error = errors.get(correction.import_line or -1)
                if error is not None:
                    self._set(
                        correction,
                        status=REFUSED_STATUS,
                        reason=f"Mirakl rejected line {correction.import_line} of stock "
                        f"import {import_id}: {error}",
                        last_error=error,
                    )
                    self.progress(f"✗ STO01 {correction.entity_id}: rejected ({error})")
                elif status == "COMPLETE":
                    self._set(correction, status=APPLIED, applied_at=now, steps_done="STO01")
                    self.progress(f"✓ STO01 {correction.entity_id}: stock set")
                else:
                    why = errors.get(1) or "no reason given"
                    self._set(
                        correction,
                        status=REFUSED_STATUS,
                        reason=f"Mirakl marked stock import {import_id} FAILED: {why}",
                        last_error=why,
                    )
                    self.progress(f"✗ STO01 {correction.entity_id}: import FAILED ({why})")

    # --- orders: OR21, OR23 then OR24, OR28 ---------------------------------------------------

    def _send_orders(self) -> None:
        ready = self._corrections(
            f"((status = '{APPROVED}') or (status = '{SENDING}' and sending_step is null)) "
            "and action <> 'STO01'"
        )
        for correction in ready:
            if self.report.stopped:
                return
            self._advance(correction)

    def _advance(self, correction: CorrectionRow) -> None:
        for step in correction.remaining_steps:
            if self._give_up_if_exhausted(correction):
                return
            self._mark_sending(correction, step)
            correction = self._reload(correction)
            result = self._send_step(correction, step)
            self.report.writes_sent += 1
            if result.outcome == OK:
                done = ",".join([*correction.done_steps, step])
                last = step == correction.steps[-1]
                reference = _refund_reference(result) if step == "OR28" else None
                self._audit([correction], result, "applied" if last else f"{step} done")
                self._set(
                    correction,
                    status=APPLIED if last else SENDING,
                    steps_done=done,
                    sending_step=None,
                    reconcile_after=None,
                    last_error=None,
                    applied_at=utc_now() if last else None,
                    mirakl_reference=reference or correction.mirakl_reference,
                )
                self.progress(f"✓ {step} {correction.entity_id}: done (HTTP {result.status})")
                correction = self._reload(correction)
                continue
            if result.outcome == REFUSED:
                self._audit([correction], result, "refused")
                self._refused(correction, step, result)
                return
            if result.outcome in (AUTH, THROTTLED):
                self._audit([correction], result, "not processed")
                self._not_processed([correction], result)
                return
            self._audit([correction], result, "in doubt")
            self._in_doubt_after(correction, result)
            self.progress(
                f"? {step} {correction.entity_id}: no clear answer ({result.message}); "
                "Mirakl will be read back before any resend"
            )
            return

    def _send_step(self, correction: CorrectionRow, step: str) -> CallResult:
        request = correction.request_for(step)
        order_id = correction.entity_id
        self.progress(f"→ {step} {order_id} ({correction.correction_id[:12]})")
        if step == "OR21":
            return self.writer.accept_order(order_id, request["body"])
        if step == "OR23":
            return self.writer.set_tracking(order_id, request["body"])
        if step == "OR24":
            return self.writer.ship_order(order_id)
        if step == "OR28":
            return self.writer.refund(request["body"])
        raise ValueError(f"unknown step {step}")

    def _refused(self, correction: CorrectionRow, step: str, result: CallResult) -> None:
        self._set(
            correction,
            status=REFUSED_STATUS,
            sending_step=None,
            reconcile_after=None,
            reason=f"Mirakl refused {step} (HTTP {result.status}): {result.message}. "
            "Not retried: a person must look.",
            last_error=result.message,
        )
        self.progress(f"✗ {step} {correction.entity_id}: refused ({result.message})")

    def _reload(self, correction: CorrectionRow) -> CorrectionRow:
        return self._corrections("correction_id = ?", [correction.correction_id])[0]

    # --- reading back what is in doubt --------------------------------------------------------

    def _reconcile_due(self) -> None:
        now = utc_now()
        due = [c for c in self._in_doubt() if c.reconcile_after is None or c.reconcile_after <= now]
        if not due or self.report.stopped:
            return
        orders = [c for c in due if c.sending_step in ORDER_STEPS]
        stock = [c for c in due if c.sending_step == "STO01"]
        if orders:
            try:
                results, found = self.writer.read_orders([c.entity_id for c in orders])
            except MiraklCallError as error:
                self._read_failed(orders, error)
            else:
                for correction in orders:
                    finding = reconciling.order_step(
                        correction, correction.sending_step, found.get(correction.entity_id)
                    )
                    for result in results:
                        self._audit([correction], result, f"read back: {finding.verdict}")
                    self._settle(correction, finding)
        for correction in stock:
            try:
                result, offer = self.writer.read_offer(correction.entity_id)
            except MiraklCallError as error:
                self._read_failed([correction], error)
                continue
            finding = reconciling.stock(correction, offer)
            self._audit([correction], result, f"read back: {finding.verdict}")
            self._settle(correction, finding)

    def _read_failed(self, corrections: list[CorrectionRow], error: MiraklCallError) -> None:
        self._audit(corrections, error.result, "read back failed")
        if error.result.outcome == AUTH:
            self._not_processed([], error.result)
            return
        later = utc_now() + dt.timedelta(seconds=backoff(self.settings, 2))
        for correction in corrections:
            self._set(correction, reconcile_after=later, last_error=str(error))
        self.progress(f"could not read Mirakl back ({error}); trying again later")

    def _settle(self, correction: CorrectionRow, finding: reconciling.Finding) -> None:
        step = correction.sending_step
        if finding.verdict == reconciling.APPLIED:
            done = ",".join([*correction.done_steps, step])
            last = step == correction.steps[-1]
            self._set(
                correction,
                status=APPLIED if last else SENDING,
                steps_done=done,
                sending_step=None,
                reconcile_after=None,
                applied_at=utc_now() if last else None,
                last_error=None,
            )
            self.progress(f"✓ {step} {correction.entity_id}: had been applied ({finding.note})")
        elif finding.verdict == reconciling.NOT_APPLIED:
            self._set(
                correction,
                status=SENDING if correction.done_steps else APPROVED,
                sending_step=None,
                reconcile_after=None,
            )
            self.progress(f"↺ {step} {correction.entity_id}: not applied ({finding.note})")
        else:
            self._set(
                correction,
                status=FAILED,
                sending_step=None,
                reconcile_after=None,
                reason=f"{step} was in doubt and Mirakl's state changed otherwise: "
                f"{finding.note}. Nothing sent again; a person must look.",
            )
            self.progress(f"✗ {step} {correction.entity_id}: {finding.note}")


def _refund_reference(result: CallResult) -> str | None:
    refunds = (result.body or {}).get("refunds") if isinstance(result.body, dict) else None
    if not refunds:
        return None
    return "refunds " + ", ".join(str(refund.get("refund_id")) for refund in refunds)
