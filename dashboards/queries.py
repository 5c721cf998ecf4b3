"""Every SQL statement the dashboard runs, in one place.

Each function takes a read-only DuckDB connection (to the published read snapshot) and returns
a pandas DataFrame. Values always travel as `?` parameters; the SQL text is fixed. Money
stays DECIMAL: results go through Arrow, so amounts arrive as Python Decimal, never float.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

SEVERITIES = ("critical", "high", "medium", "low")
OWNERS = ("ops", "finance", "ecommerce", "data")

ORDER_EXCEPTION_TYPES = (
    "unacknowledged_order",
    "fulfilled_not_shipped",
    "order_missing_in_erp",
    "premature_erp_order",
    "refund_not_mirrored",
    "carrier_code_unmapped",
    "order_amount_mismatch",
)


@dataclass(frozen=True)
class ExceptionFilters:
    """What the person narrowed the queue to. An empty selection means everything."""

    owners: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    first_detected_from: dt.date | None = None
    first_detected_to: dt.date | None = None

    def params(self) -> list[object]:
        """The values for FILTER's placeholders, in order (each test reads its value twice)."""
        values: list[object] = []
        for chosen in (self.owners, self.severities, self.types):
            listed = list(chosen) or None
            values += [listed, listed]
        start = _day_start(self.first_detected_from)
        end = _next_day_start(self.first_detected_to)
        values += [start, start, end, end]
        return values


def _day_start(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if day else None


def _next_day_start(day: dt.date | None) -> dt.datetime | None:
    """The end of an inclusive day range: midnight UTC after the day."""
    return _day_start(day + dt.timedelta(days=1)) if day else None


# Open exceptions narrowed by owner, severity, type and first-detection day (UTC). Placeholders
# come in pairs: "no choice" (null) lets every row through.
_FILTERED_EXCEPTIONS = """
    (
        select *
        from main.exceptions
        where status = 'open'
            and (?::varchar[] is null or list_contains(?::varchar[], owner))
            and (?::varchar[] is null or list_contains(?::varchar[], severity))
            and (?::varchar[] is null or list_contains(?::varchar[], exception_type))
            and (?::timestamptz is null or first_detected_at >= ?::timestamptz)
            and (?::timestamptz is null or first_detected_at < ?::timestamptz)
    )
"""

_SEVERITY_RANK = """
    case severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end
"""
_EXCEPTION_SEVERITY_RANK = """
    case exceptions.severity
        when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3
    end
"""


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
    # Through Arrow so DECIMAL arrives as Decimal (DuckDB's own DataFrame export gives float).
    return con.sql(sql, params=list(params)).to_arrow_table().to_pandas()


# ---------------------------------------------------------------- the snapshot itself


def existing_tables(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Tables and views in the snapshot as schema.name (some appear only once a feature ran)."""
    return frame(
        con,
        """
        select table_schema || '.' || table_name as table_name
        from information_schema.tables
        order by 1
        """,
    )


def run_as_of(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The instant the newest run evaluated its rules at (its as_of)."""
    return frame(
        con,
        "select max(detected_at) as as_of, count(*) as exception_rows from main.exceptions",
    )


def exception_types(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return frame(
        con,
        "select exception_type, owner, title from reference.exception_types "
        "order by exception_type",
    )


# ---------------------------------------------------------------- overview


def open_totals(con: duckdb.DuckDBPyConnection, filters: ExceptionFilters) -> pd.DataFrame:
    """One row: open exceptions, how many are critical, how many were past their deadline at
    the run, and the next deadline still ahead."""
    return frame(
        con,
        """
        select
            count(*) as open_count,
            count(*) filter (where severity = 'critical') as critical_count,
            count(*) filter (where deadline_at <= detected_at) as past_deadline_count,
            min(deadline_at) filter (where deadline_at > detected_at) as next_deadline_at
        from """
        + _FILTERED_EXCEPTIONS,
        filters.params(),
    )


def money_at_risk(con: duckdb.DuckDBPyConnection, filters: ExceptionFilters) -> pd.DataFrame:
    """Money at risk per currency (never summed across currencies)."""
    return frame(
        con,
        """
        select currency, sum(amount_at_risk) as amount_at_risk, count(*) as exception_count
        from """
        + _FILTERED_EXCEPTIONS
        + """
        where amount_at_risk is not null and currency is not null
        group by currency
        order by currency
        """,
        filters.params(),
    )


def open_by_type(con: duckdb.DuckDBPyConnection, filters: ExceptionFilters) -> pd.DataFrame:
    """Open exceptions per type, owner and currency, split by severity, with money at risk."""
    return frame(
        con,
        """
        select
            exceptions.exception_type,
            types.title,
            exceptions.owner,
            count(*) as open_count,
            count(*) filter (where severity = 'critical') as critical,
            count(*) filter (where severity = 'high') as high,
            count(*) filter (where severity = 'medium') as medium,
            count(*) filter (where severity = 'low') as low,
            sum(amount_at_risk) as amount_at_risk,
            exceptions.currency
        from """
        + _FILTERED_EXCEPTIONS
        + """ as exceptions
        left join reference.exception_types as types
            on types.exception_type = exceptions.exception_type
        group by exceptions.exception_type, types.title, exceptions.owner, exceptions.currency
        order by exceptions.owner, exceptions.exception_type, exceptions.currency
        """,
        filters.params(),
    )


def open_by_owner_and_severity(
    con: duckdb.DuckDBPyConnection, filters: ExceptionFilters
) -> pd.DataFrame:
    return frame(
        con,
        """
        select owner, severity, count(*) as open_count
        from """
        + _FILTERED_EXCEPTIONS
        + """
        group by owner, severity
        order by owner, """
        + _SEVERITY_RANK,
        filters.params(),
    )


def open_exceptions(con: duckdb.DuckDBPyConnection, filters: ExceptionFilters) -> pd.DataFrame:
    """The queue: most urgent first (severity, then nearest deadline, then money at risk)."""
    return frame(
        con,
        """
        select
            exception_type,
            entity_id,
            owner,
            severity,
            deadline_at,
            amount_at_risk,
            currency,
            first_detected_at,
            detected_at,
            details,
            exception_id
        from """
        + _FILTERED_EXCEPTIONS
        + """
        order by """
        + _SEVERITY_RANK
        + """, deadline_at nulls last, amount_at_risk desc nulls last, exception_type, entity_id
        """,
        filters.params(),
    )


def exception_trend(con: duckdb.DuckDBPyConnection, filters: ExceptionFilters) -> pd.DataFrame:
    """Open exceptions and money at risk per run and owner (monitoring.exception_history)."""
    return frame(
        con,
        """
        select
            as_of,
            run_id,
            owner,
            currency,
            sum(open_count) as open_count,
            sum(amount_at_risk) as amount_at_risk
        from monitoring.exception_history
        where (?::varchar[] is null or list_contains(?::varchar[], owner))
            and (?::varchar[] is null or list_contains(?::varchar[], severity))
            and (?::varchar[] is null or list_contains(?::varchar[], exception_type))
            and (?::timestamptz is null or as_of >= ?::timestamptz)
            and (?::timestamptz is null or as_of < ?::timestamptz)
        group by as_of, run_id, owner, currency
        order by as_of, owner, currency
        """,
        filters.params(),
    )


def pipeline_runs(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """Recent pipeline runs, newest first: succeeded, failed (which step, why) or breached."""
    return frame(
        con,
        """
        select
            run_id, command, status, started_at, finished_at,
            date_diff('second', started_at, finished_at) as seconds,
            failed_step, error, as_of, open_exceptions, money_at_risk, currency
        from monitoring.pipeline_runs
        order by started_at desc
        limit ?
        """,
        [limit],
    )


def load_datasets(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The datasets a dlt pipeline landed (each keeps its own _dlt_loads table)."""
    return frame(
        con,
        """
        select table_schema as dataset
        from information_schema.tables
        where table_name = '_dlt_loads'
        order by table_schema
        """,
    )


def last_loads(con: duckdb.DuckDBPyConnection, dataset: str) -> pd.DataFrame:
    """A dataset's last successful load (dlt status 0) and how many loads it has had."""
    return frame(
        con,
        """
        select
            ? as dataset,
            max(inserted_at) filter (where status = 0) as last_successful_load_at,
            count(*) filter (where status = 0) as successful_loads,
            count(*) as loads
        from query_table(?)
        """,
        [dataset, f"{dataset}._dlt_loads"],
    )


def source_freshness(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return frame(
        con,
        """
        select source_table, newest_at, hours_old, threshold_hours, is_stale
        from ops.source_freshness
        order by is_stale desc, source_table
        """,
    )


# ---------------------------------------------------------------- orders


def order_exceptions(
    con: duckdb.DuckDBPyConnection, exception_type: str, filters: ExceptionFilters
) -> pd.DataFrame:
    """Open exceptions of one order type beside the order on both sides (ops.order_reconciliation).

    hours_left_at_run counts from the run's as_of to the deadline (Mirakl's auto-refusal for an
    order waiting acceptance, the shipping deadline for one to ship).
    """
    return frame(
        con,
        """
        select
            exceptions.entity_id as order_id,
            exceptions.severity,
            exceptions.deadline_at,
            round(date_diff('minute', exceptions.detected_at, exceptions.deadline_at) / 60.0, 1)
                as hours_left_at_run,
            exceptions.amount_at_risk,
            exceptions.currency,
            orders.order_state as mirakl_state,
            orders.created_at as ordered_at,
            orders.customer_debited_at,
            orders.acceptance_deadline_at,
            orders.shipping_deadline_at,
            orders.total_price,
            orders.shipping_carrier_code as mirakl_carrier_code,
            orders.shipping_tracking as mirakl_tracking,
            orders.erp_order_id,
            orders.erp_status,
            orders.erp_created_at,
            orders.erp_total_amount,
            orders.first_shipped_at,
            orders.erp_carriers,
            orders.tracking_numbers as erp_tracking_numbers,
            orders.erp_refunded_amount,
            orders.mirakl_refunded_amount,
            orders.erp_refund_count,
            orders.mirakl_refund_count,
            exceptions.first_detected_at,
            exceptions.details,
            exceptions.exception_id
        from """
        + _FILTERED_EXCEPTIONS
        + """ as exceptions
        left join ops.order_reconciliation as orders on orders.order_id = exceptions.entity_id
        where exceptions.exception_type = ?
        order by exceptions.deadline_at nulls last, """
        + _EXCEPTION_SEVERITY_RANK
        + """, exceptions.amount_at_risk desc nulls last, exceptions.entity_id
        """,
        [*filters.params(), exception_type],
    )


# ---------------------------------------------------------------- stock


def stock_mismatches(con: duckdb.DuckDBPyConnection, filters: ExceptionFilters) -> pd.DataFrame:
    """Stock mismatches in the order ops should fix them (ops.stock_positions' oversell rank:
    units over the ERP × sales velocity, then units over, velocity and the size of the gap)."""
    return frame(
        con,
        """
        select
            positions.oversell_risk_rank as rank,
            exceptions.entity_id as shop_sku,
            positions.product_title,
            exceptions.severity,
            positions.mirakl_quantity,
            positions.expected_quantity as erp_available,
            positions.units_over_erp,
            positions.oversell_units,
            positions.sales_velocity_per_day,
            positions.velocity_source,
            positions.oversell_risk_score,
            positions.units_sold_28d,
            positions.days_of_cover,
            positions.on_hand_stock_units,
            positions.committed_stock_units,
            positions.units_per_stock_unit,
            positions.safety_stock,
            positions.stock_counted_at,
            exceptions.amount_at_risk,
            exceptions.currency,
            positions.sku as erp_sku,
            positions.offer_id,
            exceptions.first_detected_at,
            exceptions.exception_id
        from """
        + _FILTERED_EXCEPTIONS
        + """ as exceptions
        left join ops.stock_positions as positions on positions.shop_sku = exceptions.entity_id
        where exceptions.exception_type = 'stock_mismatch'
        order by positions.oversell_risk_rank nulls last, exceptions.entity_id
        """,
        filters.params(),
    )


def unmapped_offers(con: duckdb.DuckDBPyConnection, filters: ExceptionFilters) -> pd.DataFrame:
    return frame(
        con,
        """
        select
            exceptions.entity_id as shop_sku,
            positions.product_title,
            exceptions.severity,
            positions.offer_id,
            positions.mirakl_quantity,
            positions.units_sold_28d,
            positions.price,
            exceptions.amount_at_risk,
            exceptions.currency,
            json_extract_string(exceptions.details, '$.product_sku') as product_sku,
            exceptions.first_detected_at,
            exceptions.exception_id
        from """
        + _FILTERED_EXCEPTIONS
        + """ as exceptions
        left join ops.stock_positions as positions on positions.shop_sku = exceptions.entity_id
        where exceptions.exception_type = 'unmapped_offer'
        order by exceptions.amount_at_risk desc nulls last, exceptions.entity_id
        """,
        filters.params(),
    )


def missing_offers(con: duckdb.DuckDBPyConnection, filters: ExceptionFilters) -> pd.DataFrame:
    return frame(
        con,
        """
        select
            entity_id as shop_sku,
            json_extract_string(details, '$.sku') as erp_sku,
            severity,
            cast(json_extract(details, '$.expected_quantity') as decimal(18, 4))
                as erp_available,
            cast(json_extract(details, '$.on_hand_stock_units') as decimal(18, 4))
                as on_hand_stock_units,
            cast(json_extract(details, '$.units_per_stock_unit') as integer)
                as units_per_stock_unit,
            first_detected_at,
            exception_id
        from """
        + _FILTERED_EXCEPTIONS
        + """
        where exception_type = 'missing_offer'
        order by erp_available desc nulls last, entity_id
        """,
        filters.params(),
    )


def planning_stock_drifts(
    con: duckdb.DuckDBPyConnection, filters: ExceptionFilters
) -> pd.DataFrame:
    """SKUs the planning tool counts differently from the ERP, largest difference first."""
    return frame(
        con,
        """
        select
            entity_id as erp_sku,
            severity,
            cast(json_extract(details, '$.planning_in_stock_units') as decimal(18, 4))
                as planning_in_stock_units,
            cast(json_extract(details, '$.erp_available_units') as decimal(18, 4))
                as erp_available_units,
            cast(json_extract(details, '$.units_difference') as decimal(18, 4))
                as units_difference,
            json_extract_string(details, '$.planning_system') as planning_system,
            cast(json_extract_string(details, '$.planning_synced_at') as timestamptz)
                as planning_synced_at,
            cast(json_extract_string(details, '$.erp_counted_at') as timestamptz)
                as erp_counted_at,
            amount_at_risk,
            currency,
            first_detected_at,
            exception_id
        from """
        + _FILTERED_EXCEPTIONS
        + """
        where exception_type = 'planning_stock_drift'
        order by abs(units_difference) desc nulls last, entity_id
        """,
        filters.params(),
    )


def stock_positions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every offer beside the ERP: stock mismatches first in their fix order, then the rest."""
    return frame(
        con,
        """
        select
            oversell_risk_rank as rank, shop_sku, product_title, is_active, is_mapped_to_erp,
            mirakl_quantity, expected_quantity as erp_available, units_over_erp,
            oversell_units, sales_velocity_per_day, velocity_source, oversell_risk_score,
            units_sold_28d, days_of_cover, on_hand_stock_units, committed_stock_units,
            units_per_stock_unit, safety_stock, stock_counted_at, price, currency,
            sku as erp_sku, offer_id
        from ops.stock_positions
        order by oversell_risk_rank nulls last, oversell_units desc, shop_sku
        """,
    )


# ---------------------------------------------------------------- payouts


def payout_cycles(
    con: duckdb.DuckDBPyConnection, paid_from: dt.date | None, paid_to: dt.date | None
) -> pd.DataFrame:
    """Each paid billing cycle on its legs, with its open payout_variance exception if any."""
    start = _day_start(paid_from)
    end = _next_day_start(paid_to)
    return frame(
        con,
        """
        select
            cycles.paid_out_at,
            cycles.payout_reference,
            cycles.currency,
            cycles.lines_amount,
            cycles.payment_amount,
            cycles.amount_transferred_to_seller,
            cycles.deposit_amount,
            cycles.deposit_received_at,
            cycles.mirakl_order_net,
            cycles.erp_order_net,
            cycles.payout_minus_lines,
            cycles.transferred_minus_lines,
            cycles.deposit_minus_transferred,
            cycles.ledger_minus_mirakl,
            trim(json_extract_string(variances.details, '$.legs_off')) as legs_off,
            variances.severity,
            variances.amount_at_risk as variance_at_risk,
            cycles.deposit_due_at,
            cycles.billing_cycle_id
        from finance.payout_reconciliation as cycles
        left join main.exceptions as variances
            on variances.exception_type = 'payout_variance'
            and variances.status = 'open'
            and variances.entity_id = cycles.billing_cycle_id
        where (?::timestamptz is null or cycles.paid_out_at >= ?::timestamptz)
            and (?::timestamptz is null or cycles.paid_out_at < ?::timestamptz)
        order by cycles.paid_out_at desc
        """,
        [start, start, end, end],
    )


def payout_lines_by_type(con: duckdb.DuckDBPyConnection, billing_cycle_id: str) -> pd.DataFrame:
    return frame(
        con,
        """
        select transaction_type, currency, line_count, order_count,
               amount_credited, amount_debited, amount
        from finance.payout_lines_by_type
        where billing_cycle_id = ?
        order by abs(amount) desc, transaction_type
        """,
        [billing_cycle_id],
    )


def payout_orders(
    con: duckdb.DuckDBPyConnection, billing_cycle_id: str, only_differing: bool
) -> pd.DataFrame:
    return frame(
        con,
        """
        select order_id, currency, mirakl_order_net, erp_order_net, ledger_minus_mirakl,
               line_count, posting_count
        from finance.payout_orders
        where billing_cycle_id = ?
            and (not ? or ledger_minus_mirakl <> 0)
        order by abs(ledger_minus_mirakl) desc, order_id
        """,
        [billing_cycle_id, only_differing],
    )


# ---------------------------------------------------------------- run history


def check_runs(
    con: duckdb.DuckDBPyConnection, started_from: dt.date | None, started_to: dt.date | None
) -> pd.DataFrame:
    """Each expectation run with its pass rate (share of evaluated expectations that passed)."""
    start = _day_start(started_from)
    end = _next_day_start(started_to)
    return frame(
        con,
        """
        select
            run_id, started_at, finished_at, as_of, success, evaluated, failed,
            critical_failed,
            case when evaluated > 0
                then round((evaluated - failed) * 100.0 / evaluated, 1) end as pass_rate_pct,
            data_docs_path
        from monitoring.check_runs
        where (?::timestamptz is null or started_at >= ?::timestamptz)
            and (?::timestamptz is null or started_at < ?::timestamptz)
        order by started_at desc
        """,
        [start, start, end, end],
    )


def suite_pass_rates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Pass rate per suite and run, for the trend chart."""
    return frame(
        con,
        """
        select
            runs.started_at,
            results.run_id,
            results.suite,
            count(*) as evaluated,
            count(*) filter (where not results.success) as failed,
            round(count(*) filter (where results.success) * 100.0 / count(*), 1)
                as pass_rate_pct
        from monitoring.check_results as results
        inner join monitoring.check_runs as runs on runs.run_id = results.run_id
        group by runs.started_at, results.run_id, results.suite
        order by runs.started_at, results.suite
        """,
    )


def check_results(
    con: duckdb.DuckDBPyConnection, run_id: str, only_failed: bool, severities: Sequence[str]
) -> pd.DataFrame:
    listed = list(severities) or None
    return frame(
        con,
        """
        select
            suite, expectation, severity, success, observed_value, unexpected_count,
            failing_keys, description, table_name, column_name, expectation_type, evaluated_at
        from monitoring.check_results
        where run_id = ?
            and (not ? or not success)
            and (?::varchar[] is null or list_contains(?::varchar[], severity))
        order by success, severity, suite, expectation
        """,
        [run_id, only_failed, listed, listed],
    )


def expectation_history(con: duckdb.DuckDBPyConnection, expectation: str) -> pd.DataFrame:
    """One expectation across runs: when it passed, what it observed, what failed."""
    return frame(
        con,
        """
        select runs.started_at, results.suite, results.success, results.observed_value,
               results.unexpected_count, results.failing_keys, results.run_id
        from monitoring.check_results as results
        inner join monitoring.check_runs as runs on runs.run_id = results.run_id
        where results.expectation = ?
        order by runs.started_at desc
        """,
        [expectation],
    )


# ---------------------------------------------------------------- corrections


def correction_statuses(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return frame(
        con,
        """
        select status, count(*) as corrections
        from writeback.corrections
        group by status
        order by status
        """,
    )


def corrections(con: duckdb.DuckDBPyConnection, statuses: Sequence[str]) -> pd.DataFrame:
    """The writeback plan, newest first, with the severity of the exception each one fixes."""
    listed = list(statuses) or None
    return frame(
        con,
        """
        select
            corrections.correction_id,
            corrections.status,
            corrections.action,
            corrections.exception_type,
            corrections.entity_id,
            corrections.summary,
            exceptions.severity,
            corrections.amount_at_risk,
            corrections.currency,
            corrections.reason,
            corrections.approved_by,
            corrections.approved_at,
            corrections.applied_at,
            corrections.mirakl_reference,
            corrections.attempts,
            corrections.last_error,
            corrections.payload,
            corrections.created_at,
            corrections.updated_at,
            corrections.exception_id
        from writeback.corrections as corrections
        left join main.exceptions as exceptions
            on exceptions.exception_id = corrections.exception_id
        where (?::varchar[] is null or list_contains(?::varchar[], corrections.status))
        order by corrections.created_at desc, corrections.correction_id
        """,
        [listed, listed],
    )


def correction_attempts(con: duckdb.DuckDBPyConnection, correction_id: str) -> pd.DataFrame:
    """The audit trail of one correction: every call made to Mirakl (append-only)."""
    return frame(
        con,
        """
        select attempted_at, operation, method, path, http_status, outcome, error_message,
               mirakl_import_id, duration_ms, request_body, request_id, attempt_id
        from writeback.attempts
        where correction_id = ?
        order by attempted_at, attempt_id
        """,
        [correction_id],
    )


def correction_approvals(con: duckdb.DuckDBPyConnection, correction_id: str) -> pd.DataFrame:
    """Who approved a correction, from where, and what the approval did."""
    return frame(
        con,
        """
        select approved_at, approved_by, via, outcome, recorded_at
        from writeback.approvals
        where correction_id = ?
        order by approved_at
        """,
        [correction_id],
    )
