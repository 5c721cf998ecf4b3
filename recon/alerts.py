"""Tell each owner team about new breaches, once, and when they clear.

A breach is a failing expectation for one owner: for checks that alert per key (an order past
its acceptance threshold, a billing cycle off, a critical exception) one breach per failing
key, otherwise one for the check as a whole. `monitoring.alerts` keeps each breach episode
from the run that first saw it to the run that saw it clear, and what was delivered, so:

- a new breach is posted once to its owner's webhook, never again while it stays open;
- when it clears, the owner gets a resolved message (only if they were told it opened);
- a delivery that fails is reported, does not fail the run, and is retried on the next run.

Messages are Slack incoming-webhook JSON (`text` plus `blocks`), one per owner and kind (new,
resolved) per run. Webhook URLs come from dlt secrets (`[alerts.webhooks] ops = "https://..."`
in .dlt/secrets.toml, or ALERTS__WEBHOOKS__OPS); `default` catches owners without their own.
A URL is a secret: it is never printed, logged or stored, and errors name only the failure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import requests
from rich.console import Console

from expectations.config import AlertSettings
from expectations.runner import CheckResult
from recon.monitoring import SCHEMA, ensure_schema

DEFAULT_WEBHOOK = "default"
SLACK_TEXT_LIMIT = 2900  # a section block holds at most 3000 characters


@dataclass(frozen=True)
class Breach:
    suite: str
    expectation: str
    severity: str
    owner: str
    entity_key: str  # "" when the expectation as a whole is the breach
    observed_value: str
    keys_sample: tuple[str, ...] = ()

    @property
    def breach_key(self) -> str:
        identity = "\x1f".join((self.expectation, self.owner, self.entity_key))
        return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class Delivery:
    owner: str
    kind: str  # "new" or "resolved"
    breaches: int
    delivered: bool
    problem: str | None = None  # why not delivered: "no webhook configured", "HTTP 500", ...


@dataclass
class AlertReport:
    opened: int = 0
    resolved: int = 0
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def failed(self) -> list[Delivery]:
        return [d for d in self.deliveries if not d.delivered]


def webhook_from_secrets(owner: str) -> str | None:
    """The owner's webhook URL from dlt secrets, else the default one, else None."""
    import dlt

    for name in (owner, DEFAULT_WEBHOOK):
        if not name.isidentifier():
            continue
        try:
            value = dlt.secrets.get(f"alerts.webhooks.{name}")
        except Exception:  # no secrets file or section: no webhook
            value = None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def breaches_from(results: Sequence[CheckResult], settings: AlertSettings) -> list[Breach]:
    found: dict[str, Breach] = {}
    for result in results:
        if result.success or result.severity not in settings.severities:
            continue
        if result.alert_per_key and result.failing_keys:
            candidates = [
                Breach(
                    suite=result.suite,
                    expectation=result.expectation,
                    severity=result.severity,
                    owner=result.owner_of_key.get(key) or _fallback(result),
                    entity_key=key,
                    observed_value=result.observed_value,
                )
                for key in result.failing_keys
            ]
        else:
            candidates = [
                Breach(
                    suite=result.suite,
                    expectation=result.expectation,
                    severity=result.severity,
                    owner=owner,
                    entity_key="",
                    observed_value=result.observed_value,
                    keys_sample=tuple(
                        key
                        for key in result.failing_keys
                        if result.owner_of_key.get(key, owner) == owner
                    )[:5],
                )
                for owner in result.owners or (_fallback(result),)
            ]
        for breach in candidates:
            found.setdefault(breach.breach_key, breach)
    return list(found.values())


def _fallback(result: CheckResult) -> str:
    return result.owners[0] if result.owners else "data"


def send_alerts(
    warehouse: Path,
    results: Sequence[CheckResult],
    *,
    run_id: str,
    as_of: dt.datetime,
    settings: AlertSettings,
    webhook_for: Callable[[str], str | None] | None = webhook_from_secrets,
    post: Callable[..., Any] = requests.post,
) -> AlertReport:
    """Update alert state from this run's results and deliver what owners have not been told.

    The caller holds the run lock. Delivery problems are returned, never raised. Without
    `webhook_for` the state is kept and nothing is posted (the demo).
    """
    now = dt.datetime.now(dt.UTC)
    breaches = breaches_from(results, settings)
    with duckdb.connect(str(warehouse)) as con:
        ensure_schema(con)
        report = _update_state(con, breaches, run_id=run_id, now=now)
        if webhook_for is None:
            return report
        pending_new, pending_resolved = _undelivered(con)
        context = f"warehouse `{warehouse.stem}` · run `{run_id}` · as of {as_of:%Y-%m-%d %H:%M}Z"
        for kind, pending in (("new", pending_new), ("resolved", pending_resolved)):
            for owner, rows in sorted(_by_owner(pending).items()):
                report.deliveries.append(
                    _deliver(
                        con,
                        owner,
                        kind,
                        rows,
                        context=context,
                        settings=settings,
                        webhook_for=webhook_for,
                        post=post,
                    )
                )
    return report


def _update_state(
    con: duckdb.DuckDBPyConnection, breaches: list[Breach], *, run_id: str, now: dt.datetime
) -> AlertReport:
    report = AlertReport()
    table = f"{SCHEMA}.alerts"
    current = {breach.breach_key: breach for breach in breaches}
    open_keys = {
        key
        for (key,) in con.execute(
            f"select breach_key from {table} where status = 'open'"
        ).fetchall()
    }
    con.execute("begin transaction")
    try:
        for key in open_keys - current.keys():
            con.execute(
                f"update {table} set status = 'resolved', resolved_run_id = ?, resolved_at = ? "
                "where breach_key = ? and status = 'open'",
                [run_id, now, key],
            )
            report.resolved += 1
        for key, breach in current.items():
            if key in open_keys:
                con.execute(
                    f"update {table} set last_failed_run_id = ?, observed_value = ?, "
                    "severity = ? where breach_key = ? and status = 'open'",
                    [run_id, breach.observed_value, breach.severity, key],
                )
                continue
            # Back before its owner heard it had cleared: from their side it never did.
            reopened = con.execute(
                f"update {table} set status = 'open', resolved_run_id = null, "
                "resolved_at = null, last_failed_run_id = ?, observed_value = ? "
                "where breach_key = ? and status = 'resolved' and alerted_at is not null "
                "and resolution_alerted_at is null returning alert_id",
                [run_id, breach.observed_value, key],
            ).fetchall()
            if reopened:
                continue
            con.execute(
                f"insert into {table} (alert_id, breach_key, suite, expectation, owner, "
                "entity_key, severity, status, observed_value, opened_run_id, opened_at, "
                "last_failed_run_id, delivery_attempts) "
                "values (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, 0)",
                [
                    f"{key}-{run_id}",
                    key,
                    breach.suite,
                    breach.expectation,
                    breach.owner,
                    breach.entity_key,
                    breach.severity,
                    breach.observed_value,
                    run_id,
                    now,
                    run_id,
                ],
            )
            report.opened += 1
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return report


_ALERT_COLUMNS = "alert_id, owner, expectation, entity_key, severity, observed_value, opened_at"


def _undelivered(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], list[dict]]:
    table = f"{SCHEMA}.alerts"
    new = _dicts(
        con.execute(
            f"select {_ALERT_COLUMNS} from {table} where status = 'open' and alerted_at is null "
            "order by severity, expectation, entity_key"
        )
    )
    resolved = _dicts(
        con.execute(
            f"select {_ALERT_COLUMNS} from {table} where status = 'resolved' "
            "and alerted_at is not null and resolution_alerted_at is null "
            "order by severity, expectation, entity_key"
        )
    )
    return new, resolved


def _dicts(cursor) -> list[dict]:
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _by_owner(rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["owner"], []).append(row)
    return grouped


def _deliver(
    con: duckdb.DuckDBPyConnection,
    owner: str,
    kind: str,
    rows: list[dict],
    *,
    context: str,
    settings: AlertSettings,
    webhook_for: Callable[[str], str | None],
    post: Callable[..., Any],
) -> Delivery:
    ids = [row["alert_id"] for row in rows]
    url = webhook_for(owner)
    if not url:
        # Nothing to record: the breach stays undelivered and goes out once a webhook exists.
        return Delivery(owner, kind, len(rows), delivered=False, problem="no webhook configured")
    payload = slack_message(
        owner, kind, rows, context=context, limit=settings.max_items_per_message
    )
    problem = None
    try:
        with _http_logs_silenced():
            response = post(url, json=payload, timeout=settings.timeout_seconds)
        if not 200 <= response.status_code < 300:
            problem = f"HTTP {response.status_code}"
    except requests.RequestException as error:
        # The exception's text may quote the URL, which is a secret: keep only its kind.
        problem = type(error).__name__
    column = "alerted_at" if kind == "new" else "resolution_alerted_at"
    marks = ", ".join("?" for _ in ids)
    if problem is None:
        con.execute(
            f"update {SCHEMA}.alerts set {column} = ?, last_delivery_error = null "
            f"where alert_id in ({marks})",
            [dt.datetime.now(dt.UTC), *ids],
        )
        return Delivery(owner, kind, len(rows), delivered=True)
    con.execute(
        f"update {SCHEMA}.alerts set delivery_attempts = delivery_attempts + 1, "
        f"last_delivery_error = ? where alert_id in ({marks})",
        [f"{kind} message: {problem}", *ids],
    )
    return Delivery(owner, kind, len(rows), delivered=False, problem=problem)


@contextmanager
def _http_logs_silenced() -> Iterator[None]:
    """urllib3 logs each request's path at debug level, and a webhook's path is its secret."""
    loggers = [
        logging.getLogger(name)
        for name in ["urllib3", *logging.root.manager.loggerDict]
        if name == "urllib3" or name.startswith("urllib3.")
    ]
    before = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = True
    try:
        yield
    finally:
        for logger, disabled in zip(loggers, before, strict=True):
            logger.disabled = disabled


def slack_message(
    owner: str, kind: str, rows: list[dict], *, context: str, limit: int
) -> dict[str, Any]:
    """A Slack incoming-webhook message: `text` for notifications, `blocks` for the layout."""
    count = len(rows)
    plural = "breach" if count == 1 else "breaches"
    if kind == "new":
        critical = sum(1 for row in rows if row["severity"] == "critical")
        headline = f"{count} new {plural} for {owner}" + (
            f" ({critical} critical)" if critical else ""
        )
        icon = ":rotating_light:" if critical else ":warning:"
    else:
        headline = f"{count} {plural} resolved for {owner}"
        icon = ":white_check_mark:"
    lines = []
    for row in rows[:limit]:
        subject = f" · `{_escape(row['entity_key'])}`" if row["entity_key"] else ""
        detail = (
            f" — {_escape(row['observed_value'])}"
            if kind == "new" and not row["entity_key"]
            else ""
        )
        lines.append(f"• *{row['severity']}* · {_escape(row['expectation'])}{subject}{detail}")
    if count > limit:
        lines.append(f"… and {count - limit} more (see monitoring.alerts)")
    body = "\n".join(lines)
    if len(body) > SLACK_TEXT_LIMIT:
        body = body[: SLACK_TEXT_LIMIT - 1] + "…"
    return {
        "text": f"mirakl-recon: {headline}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": f"{headline}"[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{icon} {body}"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
        ],
    }


def _escape(text: str) -> str:
    # Slack's mrkdwn reserves these three characters.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def print_alert_report(report: AlertReport, console: Console, *, delivering: bool = True) -> None:
    if not delivering:
        console.print(
            f"Alerts: {report.opened} new breach(es), {report.resolved} resolved, kept in "
            "monitoring.alerts; nothing posted."
        )
        return
    if not report.deliveries:
        console.print(
            f"Alerts: nothing new to tell ({report.opened} new, {report.resolved} resolved)."
        )
        return
    sent = [d for d in report.deliveries if d.delivered]
    parts = [f"{d.owner}: {d.breaches} {d.kind}" for d in sent]
    console.print(
        f"Alerts: {report.opened} new breach(es), {report.resolved} resolved; "
        f"{len(sent)} message(s) posted" + (f" ({', '.join(parts)})" if parts else "") + "."
    )
    for delivery in report.failed:
        if delivery.problem == "no webhook configured":
            console.print(
                f"[yellow]No webhook for {delivery.owner}[/yellow]: {delivery.breaches} "
                f"{delivery.kind} breach(es) not posted; set [alerts.webhooks] {delivery.owner} "
                "in .dlt/secrets.toml (they go out on the next run)."
            )
        else:
            console.print(
                f"[yellow]Alert to {delivery.owner} not delivered[/yellow] ({delivery.problem}); "
                "it is retried on the next run."
            )
