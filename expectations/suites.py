"""The suites `recon check` runs: data quality of what landed, and business breaches in the marts.

`landed_data` checks the Mirakl tables as dlt landed them and the ERP side in its canonical
layer (`intermediate.int_erp__*`), so the same checks hold whichever ERP feeds it: keys present
and unique, Mirakl states inside Mirakl's enumerations, amounts numeric (DECIMAL) and in range,
currencies ISO 4217, timestamps not after the run's as_of.

`business_breaches` checks what the marts say against the thresholds in
expectations/thresholds.yml: no critical exception open, no order waiting for acceptance past
a share of its window, stock mismatches within a share of active offers, every paid billing
cycle reconciled within the money tolerance.
"""

from __future__ import annotations

from collections.abc import Iterable

from expectations.config import Severity, Thresholds
from expectations.reference_codes import (
    ISO_4217_CURRENCIES,
    MIRAKL_ORDER_LINE_STATES,
    MIRAKL_ORDER_STATES,
    MIRAKL_PAY_OUT_STATES,
    MIRAKL_PAYMENT_WORKFLOWS,
    MIRAKL_REFUND_STATES,
    MIRAKL_TRANSACTION_PAYMENT_STATES,
    MIRAKL_TRANSACTION_TYPES,
)
from expectations.spec import LATEST_ALLOWED_TIMESTAMP, Batch, Check

LANDED = "landed_data"
BUSINESS = "business_breaches"

# The ERP file contract's order statuses; every ERP connector maps its own into these.
ERP_ORDER_STATUSES = ("open", "fulfilled", "closed", "cancelled")


def all_batches(thresholds: Thresholds) -> list[Batch]:
    return [*landed_data_batches(thresholds), *business_batches(thresholds)]


# ---------------------------------------------------------------------------- landed data


class _Checks:
    """Builds the usual checks of one landed table, named `<table>.<column> <rule>`."""

    def __init__(self, table: str, thresholds: Thresholds, severity: Severity | None = None):
        self.table = table
        self.limits = thresholds.data_quality
        # A table that may legitimately be absent (a seller without refunds) only warns.
        self.cap = severity
        self.checks: list[Check] = []

    def _add(
        self,
        subject: str,
        rule: str,
        expectation: str,
        severity: Severity,
        description: str,
        **kwargs,
    ) -> None:
        self.checks.append(
            Check(
                name=f"{self.table}.{subject} {rule}",
                expectation=expectation,
                kwargs=kwargs,
                severity=self.cap or severity,
                description=description,
            )
        )

    def key(self, *columns: str) -> _Checks:
        if len(columns) == 1:
            (column,) = columns
            self.present(column)
            self._add(
                column,
                "is unique",
                "ExpectColumnValuesToBeUnique",
                "critical",
                f"No two rows of {self.table} share a {column}.",
                column=column,
            )
            return self
        for column in columns:
            self.present(column)
        self.checks.append(
            Check(
                name=f"{self.table}.({', '.join(columns)}) is unique",
                expectation="ExpectCompoundColumnsToBeUnique",
                kwargs={"column_list": list(columns)},
                severity=self.cap or "critical",
                description=f"No two rows of {self.table} share ({', '.join(columns)}).",
            )
        )
        return self

    def present(self, column: str, severity: Severity = "critical") -> _Checks:
        self._add(
            column,
            "is present",
            "ExpectColumnValuesToNotBeNull",
            severity,
            f"Every row of {self.table} has a {column}.",
            column=column,
        )
        return self

    def one_of(
        self, column: str, values: Iterable[str], what: str, severity: Severity = "critical"
    ) -> _Checks:
        self._add(
            column,
            f"is {what}",
            "ExpectColumnValuesToBeInSet",
            severity,
            f"{self.table}.{column} holds only {what} values (empty is allowed).",
            column=column,
            value_set=sorted(values),
        )
        return self

    def currency(self, column: str) -> _Checks:
        return self.one_of(column, ISO_4217_CURRENCIES, "an ISO 4217 currency")

    def amount(self, *columns: str, signed: bool = False) -> _Checks:
        limit = self.limits.max_amount
        for column in columns:
            # The landed type is checked value by value: DuckDB DECIMAL arrives as Decimal, so a
            # float or a text amount fails here instead of silently rounding later.
            self._add(
                column,
                "is a decimal amount",
                "ExpectColumnValuesToBeInTypeList",
                "critical",
                f"{self.table}.{column} is money held as DECIMAL.",
                column=column,
                type_list=["Decimal"],
            )
            low = -limit if signed else 0
            self._add(
                column,
                "is in range",
                "ExpectColumnValuesToBeBetween",
                "warning",
                f"{self.table}.{column} lies between {low} and {limit}.",
                column=column,
                min_value=_number(low),
                max_value=_number(limit),
            )
        return self

    def quantity(self, column: str, minimum: int = 0, signed: bool = False) -> _Checks:
        limit = self.limits.max_quantity
        low = -limit if signed else minimum
        self._add(
            column,
            "is in range",
            "ExpectColumnValuesToBeBetween",
            "warning",
            f"{self.table}.{column} lies between {low} and {limit}.",
            column=column,
            min_value=low,
            max_value=limit,
        )
        return self

    def not_future(self, *columns: str) -> _Checks:
        tolerance = self.limits.future_tolerance_minutes
        for column in columns:
            self._add(
                column,
                "is not in the future",
                "ExpectColumnValuesToBeBetween",
                "warning",
                f"{self.table}.{column} is not later than the run's as_of "
                f"(plus {tolerance} minutes for clock skew).",
                column=column,
                max_value={"$PARAMETER": LATEST_ALLOWED_TIMESTAMP},
            )
        return self

    def batch(self, keys: tuple[str, ...], row_id: str | None = None) -> Batch:
        return Batch(
            suite=LANDED,
            table=self.table,
            keys=keys,
            checks=tuple(self.checks),
            row_id=row_id,
            owner=self.limits.owner,
            rows_severity=self.cap or "critical",
        )


def _number(value) -> int | float:
    # GX keeps expectation arguments as JSON numbers; the limits are whole or short decimals.
    return int(value) if value == int(value) else float(value)


def landed_data_batches(thresholds: Thresholds) -> list[Batch]:
    def table(name: str, severity: Severity | None = None) -> _Checks:
        return _Checks(name, thresholds, severity)

    mirakl_row = "_dlt_id"
    batches = [
        table("mirakl.orders")
        .key("order_id")
        .one_of("order_state", MIRAKL_ORDER_STATES, "a Mirakl order state")
        .one_of(
            "payment_workflow",
            MIRAKL_PAYMENT_WORKFLOWS,
            "a Mirakl payment workflow",
            severity="warning",
        )
        .currency("currency_iso_code")
        .amount("price", "shipping_price", "total_price", "total_commission")
        .not_future("created_date", "last_updated_date")
        .batch(("order_id",), mirakl_row),
        table("mirakl.orders__order_lines")
        .key("order_line_id")
        .present("order_id")
        .one_of("order_line_state", MIRAKL_ORDER_LINE_STATES, "a Mirakl order line state")
        .quantity("quantity", minimum=1)
        .amount("price_unit", "price", "shipping_price", "total_price", "total_commission")
        .not_future("created_date", "last_updated_date")
        .batch(("order_line_id",), mirakl_row),
        table("mirakl.orders__order_lines__refunds", severity="warning")
        .key("id")
        .one_of("refund_state", MIRAKL_REFUND_STATES, "a Mirakl refund state")
        .amount("amount")
        .not_future("created_date")
        .batch(("id",), mirakl_row),
        table("mirakl.offers")
        .key("offer_id")
        .key("shop_sku")
        .currency("currency_iso_code")
        .quantity("quantity")
        .amount("price")
        .batch(("shop_sku",), mirakl_row),
        table("mirakl.transaction_logs")
        .key("id")
        .one_of("type", MIRAKL_TRANSACTION_TYPES, "a Mirakl transaction type")
        .one_of("payment_state", MIRAKL_TRANSACTION_PAYMENT_STATES, "a Mirakl payment state")
        .currency("currency_iso_code")
        .amount("amount", "amount_credited", "amount_debited", signed=True)
        .not_future("date_created")
        .batch(("id",), mirakl_row),
        table("mirakl.billing_cycles")
        .key("id")
        .one_of("pay_out__state", MIRAKL_PAY_OUT_STATES, "a Mirakl pay-out state")
        .currency("currency_iso_code")
        .amount("amount_transferred_to_seller", signed=True)
        .not_future("date_created", "pay_out__transaction_date")
        .batch(("id",), mirakl_row),
        table("intermediate.int_erp__items")
        .key("sku")
        .key("shop_sku")
        .quantity("units_per_stock_unit", minimum=1)
        .batch(("sku",)),
        table("intermediate.int_erp__stock_levels")
        .key("sku", "location", "counted_at")
        .quantity("on_hand", signed=True)
        .quantity("committed", signed=True)
        .not_future("counted_at")
        .batch(("sku", "location", "counted_at")),
        table("intermediate.int_erp__sales_orders")
        .key("erp_order_id")
        .one_of("status", ERP_ORDER_STATUSES, "an ERP order status")
        .currency("currency")
        .amount("total_amount")
        .not_future("created_at")
        .batch(("erp_order_id",)),
        table("intermediate.int_erp__sales_order_lines")
        .key("erp_order_id", "line_number")
        .quantity("quantity", signed=True)
        .amount("unit_price", "line_amount", signed=True)
        .batch(("erp_order_id", "line_number")),
        table("intermediate.int_erp__fulfilments")
        .key("fulfilment_id")
        .present("erp_order_id")
        .not_future("shipped_at")
        .batch(("fulfilment_id",)),
        table("intermediate.int_erp__refunds", severity="warning")
        .key("refund_id")
        .currency("currency")
        .amount("amount")
        .not_future("created_at")
        .batch(("refund_id",)),
        table("intermediate.int_erp__ledger_entries")
        .key("entry_id")
        .currency("currency")
        .amount("debit", "credit")
        .not_future("posted_at")
        .batch(("entry_id",)),
        table("intermediate.int_erp__bank_deposits")
        .key("deposit_id")
        .currency("currency")
        .amount("amount", signed=True)
        .not_future("received_at")
        .batch(("deposit_id",)),
    ]
    overrides = thresholds.data_quality.severity_overrides
    return [batch.with_severities(overrides) for batch in batches]


# ---------------------------------------------------------------------------- business


def _owner_of(exception_type: str) -> str:
    # Owners come from the seed, so changing a type's owner there moves its alerts too.
    return (
        f"(select owner from reference.exception_types where exception_type = '{exception_type}')"
    )


def business_batches(thresholds: Thresholds) -> list[Batch]:
    limits = thresholds.business
    severity = limits.severities
    share = limits.max_share_of_acceptance_window
    percent = limits.max_percent_of_active_offers
    tolerance = limits.money_tolerance
    # Each row names its owner (from the exceptions mart or reference.exception_types); when
    # a check fails as a whole (no rows, a missing mart) the data team hears of it.
    fallback_owner = thresholds.data_quality.owner
    return [
        Batch(
            suite=BUSINESS,
            owner=fallback_owner,
            table="main.exceptions",
            keys=("exception_key",),
            sql="""
                select
                    exception_type || ':' || entity_id as exception_key,
                    owner,
                    case when status = 'open' then severity end as open_severity
                from main.exceptions
            """,
            checks=(
                Check(
                    name="no critical exception open",
                    expectation="ExpectColumnValuesToNotBeInSet",
                    kwargs={"column": "open_severity", "value_set": ["critical"]},
                    severity=severity["no_critical_exception_open"],
                    description="No open exception has severity critical (a Mirakl deadline "
                    "is near or the money at risk is large).",
                    alert_per_key=True,
                ),
            ),
        ),
        Batch(
            suite=BUSINESS,
            owner=fallback_owner,
            table="ops.order_reconciliation",
            keys=("order_id",),
            # Seconds as DOUBLE: a share of a window needs no decimal exactness.
            sql=f"""
                select
                    order_id,
                    {_owner_of("unacknowledged_order")} as owner,
                    case when order_state = 'WAITING_ACCEPTANCE' then
                        (epoch($as_of) - epoch(created_at))
                        / nullif(epoch(acceptance_deadline_at) - epoch(created_at), 0)
                    end as share_of_acceptance_window_elapsed
                from ops.order_reconciliation
            """,
            checks=(
                Check(
                    name="no order unacknowledged past its acceptance threshold",
                    expectation="ExpectColumnValuesToBeBetween",
                    kwargs={
                        "column": "share_of_acceptance_window_elapsed",
                        "max_value": float(share),
                    },
                    severity=severity["orders_acknowledged_in_time"],
                    description="No order waits for acceptance beyond "
                    f"{share:%} of Mirakl's acceptance window.",
                    alert_per_key=True,
                ),
            ),
        ),
        Batch(
            suite=BUSINESS,
            owner=fallback_owner,
            table="ops.stock_positions",
            keys=("shop_sku",),
            sql=f"""
                select
                    positions.shop_sku,
                    {_owner_of("stock_mismatch")} as owner,
                    case when mismatches.entity_id is null then 0 else 1 end as is_mismatched
                from ops.stock_positions as positions
                left join (
                    select entity_id from main.exceptions
                    where exception_type = 'stock_mismatch' and status = 'open'
                ) as mismatches on mismatches.entity_id = positions.shop_sku
                where positions.is_active
            """,
            checks=(
                Check(
                    name="stock mismatches within their share of active offers",
                    expectation="ExpectColumnMeanToBeBetween",
                    kwargs={"column": "is_mismatched", "max_value": float(percent / 100)},
                    severity=severity["stock_mismatch_share"],
                    description=f"At most {percent}% of active offers show a quantity other "
                    "than the ERP's available-to-sell.",
                    evidence_column="is_mismatched",
                ),
            ),
        ),
        Batch(
            suite=BUSINESS,
            owner=fallback_owner,
            table="finance.payout_reconciliation",
            keys=("billing_cycle_id",),
            # The differences are exact DECIMAL; the cast to DOUBLE for the comparison keeps
            # their order against the tolerance (at most 4 decimals, far from float limits).
            sql=f"""
                select
                    billing_cycle_id,
                    {_owner_of("payout_variance")} as owner,
                    cast(greatest(
                        abs(payout_minus_lines),
                        abs(transferred_minus_lines),
                        case
                            when deposit_amount is not null then abs(deposit_minus_transferred)
                            when deposit_due_at < $as_of then abs(amount_transferred_to_seller)
                            else 0
                        end,
                        abs(ledger_minus_mirakl)
                    ) as double) as largest_difference
                from finance.payout_reconciliation
            """,
            checks=(
                Check(
                    name="every paid billing cycle reconciles",
                    expectation="ExpectColumnValuesToBeBetween",
                    kwargs={"column": "largest_difference", "max_value": float(tolerance)},
                    severity=severity["paid_billing_cycles_reconcile"],
                    description="Each paid billing cycle's payout, lines, bank deposit (once "
                    f"due) and ERP ledger agree within {tolerance}.",
                    alert_per_key=True,
                ),
            ),
        ),
    ]
