"""The warehouse's `monitoring` schema: check runs and results, pipeline runs, exception history
and alert state. Written by `recon check`, `recon run` and `recon demo` while they hold the
run lock; read by analysts and the dashboard from the read snapshot.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

import duckdb

from expectations.runner import CheckResult

SCHEMA = "monitoring"

# Each table with its columns and what they mean; the comments are stored in the warehouse too
# (duckdb_columns().comment), so an analyst finds them where the data is.
TABLES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "check_runs": (
        "One row per run of the expectation suites (recon check, recon run, recon demo).",
        [
            ("run_id", "varchar primary key", "Unique id of the run, sortable by time."),
            ("started_at", "timestamptz", "When the checks started (UTC)."),
            ("finished_at", "timestamptz", "When the checks finished (UTC)."),
            ("as_of", "timestamptz", "The instant the rules were evaluated as of."),
            ("success", "boolean", "True when no critical expectation failed."),
            ("evaluated", "integer", "Expectations evaluated."),
            ("failed", "integer", "Expectations that failed, any severity."),
            ("critical_failed", "integer", "Expectations of severity critical that failed."),
            ("data_docs_path", "varchar", "The Great Expectations Data Docs index of the run."),
            ("warning_failed", "integer", "Expectations of severity warning that failed."),
            ("command", "varchar", "The command that ran the checks: check, run or demo."),
            ("thresholds_path", "varchar", "The thresholds file the run used."),
        ],
    ),
    "check_results": (
        "One row per expectation per check run.",
        [
            ("run_id", "varchar", "The check run (monitoring.check_runs.run_id)."),
            ("suite", "varchar", "landed_data or business_breaches."),
            ("expectation", "varchar", "Stable readable name of the expectation."),
            ("expectation_type", "varchar", "The Great Expectations expectation type."),
            ("table_name", "varchar", "The table checked (schema.table)."),
            ("column_name", "varchar", "The column(s) checked; null for whole-table checks."),
            ("severity", "varchar", "critical or warning."),
            ("success", "boolean", "Whether the expectation held."),
            ("observed_value", "varchar", "What was observed, or why it could not be checked."),
            ("unexpected_count", "bigint", "Rows that broke the expectation (row checks)."),
            ("failing_keys", "varchar", "JSON array: a sample (at most 20) of failing keys."),
            ("evaluated_at", "timestamptz", "When the expectation was evaluated (UTC)."),
            ("element_count", "bigint", "Rows evaluated."),
            ("owner", "varchar", "The team(s) a failure is alerted to, comma-separated."),
            ("description", "varchar", "What the expectation means, with its threshold."),
        ],
    ),
    "pipeline_runs": (
        "One row per pipeline run (recon run, recon demo): ingest, dbt build, checks.",
        [
            ("run_id", "varchar primary key", "Unique id; the same id names its check run."),
            ("command", "varchar", "run or demo."),
            ("started_at", "timestamptz", "When the run started (UTC)."),
            ("finished_at", "timestamptz", "When the run finished (UTC)."),
            (
                "status",
                "varchar",
                "succeeded, failed (a step failed) or breached (a critical expectation failed).",
            ),
            ("failed_step", "varchar", "ingest, transform, check or record when failed."),
            ("error", "varchar", "What went wrong, in one line (never a secret)."),
            ("open_exceptions", "integer", "Open exceptions after the run."),
            (
                "money_at_risk",
                "decimal(18,4)",
                "Money at risk of the open exceptions when they "
                "share one currency; null when several currencies are open.",
            ),
            ("as_of", "timestamptz", "The instant the rules were evaluated as of."),
            ("currency", "varchar", "Currency of money_at_risk."),
            ("money_at_risk_by_currency", "varchar", "JSON object: money at risk per currency."),
            ("exit_code", "integer", "The command's exit status."),
        ],
    ),
    "exception_history": (
        "Open exceptions per pipeline run, by type, owner, severity and currency; a group "
        "with no open exception has no row for that run.",
        [
            ("run_id", "varchar", "The pipeline run (monitoring.pipeline_runs.run_id)."),
            ("as_of", "timestamptz", "The instant the rules were evaluated as of."),
            ("exception_type", "varchar", "The exception type."),
            ("owner", "varchar", "The team owning the type."),
            ("severity", "varchar", "critical, high, medium or low."),
            (
                "currency",
                "varchar",
                "Currency of amount_at_risk; null for exceptions without money at risk.",
            ),
            ("open_count", "integer", "Open exceptions in the group."),
            ("amount_at_risk", "decimal(18,4)", "Money at risk of the group."),
        ],
    ),
    "alerts": (
        "Alert state: one row per breach episode (an expectation failing, for one owner and "
        "one failing key or for the expectation as a whole), from the run that saw it first "
        "until the run that saw it clear, and what was delivered to the owner's webhook.",
        [
            ("alert_id", "varchar", "Unique id of the episode."),
            ("breach_key", "varchar", "Identity of the breach across runs."),
            ("suite", "varchar", "The expectation's suite."),
            ("expectation", "varchar", "The expectation that failed."),
            ("owner", "varchar", "The team alerted."),
            (
                "entity_key",
                "varchar",
                "The failing key; empty when the expectation as a whole is the breach.",
            ),
            ("severity", "varchar", "critical or warning."),
            ("status", "varchar", "open or resolved."),
            ("observed_value", "varchar", "What was observed when last failing."),
            ("opened_run_id", "varchar", "The run that first saw the breach."),
            ("opened_at", "timestamptz", "When the breach was first seen."),
            ("last_failed_run_id", "varchar", "The latest run that saw the breach."),
            ("alerted_at", "timestamptz", "When the owner was told; null while undelivered."),
            ("resolved_run_id", "varchar", "The run that saw the breach clear."),
            ("resolved_at", "timestamptz", "When the breach cleared."),
            ("resolution_alerted_at", "timestamptz", "When the owner was told it cleared."),
            ("delivery_attempts", "integer", "Failed deliveries so far for this episode."),
            ("last_delivery_error", "varchar", "Why the last delivery failed (never the URL)."),
        ],
    ),
}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the monitoring tables, or add columns a newer version introduced."""
    con.execute(f"create schema if not exists {SCHEMA}")
    for table, (comment, columns) in TABLES.items():
        definition = ", ".join(f"{name} {kind}" for name, kind, _ in columns)
        con.execute(f"create table if not exists {SCHEMA}.{table} ({definition})")
        for name, kind, _ in columns:
            plain = kind.replace(" primary key", "")
            con.execute(f"alter table {SCHEMA}.{table} add column if not exists {name} {plain}")
        con.execute(f"comment on table {SCHEMA}.{table} is {_quote(comment)}")
        for name, _, text in columns:
            con.execute(f"comment on column {SCHEMA}.{table}.{name} is {_quote(text)}")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def record_check_run(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    command: str,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    as_of: dt.datetime,
    results: list[CheckResult],
    data_docs_path: str | None,
    thresholds_path: str,
) -> None:
    failed = [r for r in results if not r.success]
    critical = sum(1 for r in failed if r.severity == "critical")
    con.execute("begin transaction")
    try:
        con.execute(
            f"insert into {SCHEMA}.check_runs (run_id, started_at, finished_at, as_of, success, "
            "evaluated, failed, critical_failed, data_docs_path, warning_failed, command, "
            "thresholds_path) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                started_at,
                finished_at,
                as_of,
                critical == 0,
                len(results),
                len(failed),
                critical,
                data_docs_path,
                len(failed) - critical,
                command,
                thresholds_path,
            ],
        )
        con.executemany(
            f"insert into {SCHEMA}.check_results (run_id, suite, expectation, expectation_type, "
            "table_name, column_name, severity, success, observed_value, unexpected_count, "
            "failing_keys, evaluated_at, element_count, owner, description) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    run_id,
                    r.suite,
                    r.expectation,
                    r.expectation_type,
                    r.table_name,
                    r.column_name,
                    r.severity,
                    r.success,
                    r.observed_value,
                    r.unexpected_count,
                    json.dumps(r.failing_keys_sample),
                    r.evaluated_at,
                    r.element_count,
                    ", ".join(r.owners) or None,
                    r.description,
                ]
                for r in results
            ],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


@dataclass(frozen=True)
class ExceptionTotals:
    open_exceptions: int
    by_currency: dict[str, Decimal]

    @property
    def currency(self) -> str | None:
        return next(iter(self.by_currency)) if len(self.by_currency) == 1 else None

    @property
    def money_at_risk(self) -> Decimal | None:
        # Money is never summed across currencies.
        if not self.by_currency:
            return Decimal(0)
        return self.by_currency[self.currency] if self.currency else None


def exception_totals(con: duckdb.DuckDBPyConnection) -> ExceptionTotals:
    count = con.execute("select count(*) from main.exceptions where status = 'open'").fetchone()[0]
    rows = con.execute(
        "select currency, sum(amount_at_risk) from main.exceptions "
        "where status = 'open' and currency is not null and amount_at_risk is not null "
        "group by currency order by currency"
    ).fetchall()
    return ExceptionTotals(open_exceptions=int(count), by_currency=dict(rows))


def record_exception_history(
    con: duckdb.DuckDBPyConnection, run_id: str, as_of: dt.datetime
) -> None:
    con.execute(
        f"""
        insert into {SCHEMA}.exception_history
            (run_id, as_of, exception_type, owner, severity, currency, open_count, amount_at_risk)
        select ?, ?, exception_type, owner, severity, currency, count(*),
               cast(sum(amount_at_risk) as decimal(18,4))
        from main.exceptions
        where status = 'open'
        group by exception_type, owner, severity, currency
        """,
        [run_id, as_of],
    )


def record_pipeline_run(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    command: str,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    status: str,
    failed_step: str | None,
    error: str | None,
    as_of: dt.datetime,
    totals: ExceptionTotals | None,
    exit_code: int,
) -> None:
    con.execute(
        f"insert into {SCHEMA}.pipeline_runs (run_id, command, started_at, finished_at, status, "
        "failed_step, error, open_exceptions, money_at_risk, as_of, currency, "
        "money_at_risk_by_currency, exit_code) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            command,
            started_at,
            finished_at,
            status,
            failed_step,
            error,
            totals.open_exceptions if totals else None,
            totals.money_at_risk if totals else None,
            as_of,
            totals.currency if totals else None,
            json.dumps({c: str(a) for c, a in totals.by_currency.items()}) if totals else None,
            exit_code,
        ],
    )


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )
