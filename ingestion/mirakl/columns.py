"""Declared column types of the Mirakl tables, for every field the project reads.

Without them dlt infers types from the first values it sees: a money field that first arrives
as ``0`` becomes bigint, and a field that is null in every item gets no column at all. Declared
columns exist from the first load and keep their type. Names are dlt's normalised names:
nested objects flatten with ``__`` (``customer__customer_id``), lists become nested tables
(``orders__order_lines``).
"""

from __future__ import annotations

import copy
from typing import Any

Columns = dict[str, dict[str, Any]]

MONEY: dict[str, Any] = {"data_type": "decimal", "precision": 18, "scale": 4}
TIMESTAMP: dict[str, Any] = {"data_type": "timestamp", "timezone": True}
TEXT: dict[str, Any] = {"data_type": "text"}
BIGINT: dict[str, Any] = {"data_type": "bigint"}
BOOL: dict[str, Any] = {"data_type": "bool"}


def _typed(spec: dict[str, Any], *names: str) -> Columns:
    # Nested-table hints need the name inside each column as well as in the key.
    return {name: {"name": name, **spec} for name in names}


def _columns(*parts: Columns) -> Columns:
    merged: Columns = {}
    for part in parts:
        merged.update(part)
    return merged


def _newest_wins(columns: Columns, cursor: str) -> Columns:
    # Mirakl's overlapping pages can carry one record twice in a load: keep the newest.
    columns[cursor] = {**columns[cursor], "dedup_sort": "desc"}
    return columns


# Tax, fee and commission-tax lists share one shape wherever they appear.
TAX_COLUMNS = _columns(_typed(TEXT, "code"), _typed(MONEY, "amount", "rate"))
ORDER_TAX_COLUMNS = _columns(_typed(TEXT, "code"), _typed(MONEY, "amount", "rate", "total_amount"))
FEE_COLUMNS = _columns(_typed(TEXT, "code"), _typed(MONEY, "amount"))

ORDER_COLUMNS = _newest_wins(
    _columns(
        _typed(
            TEXT,
            "order_id",
            "commercial_id",
            "order_state",
            "order_state_reason_code",
            "order_state_reason_label",
            "currency_iso_code",
            "payment_type",
            "payment_workflow",
            "order_tax_mode",
            "transaction_number",
            "customer__customer_id",
            "customer__locale",
            "channel__code",
            "channel__label",
            "shipping_carrier_code",
            "shipping_company",
            "shipping_tracking",
            "shipping_tracking_url",
            "shipping_type_code",
            "shipping_type_label",
            "shipping_zone_code",
            "shipping_zone_label",
            "references__order_reference_for_customer",
            "references__order_reference_for_seller",
            "quote_id",
        ),
        _typed(
            TIMESTAMP,
            "created_date",
            "last_updated_date",
            "acceptance_decision_date",
            "customer_debited_date",
            "shipping_deadline",
            "transaction_date",
            "delivery_date__earliest",
            "delivery_date__latest",
        ),
        _typed(
            MONEY,
            "price",
            "shipping_price",
            "total_price",
            "total_commission",
            "promotions__total_deduced_amount",
        ),
        _typed(BIGINT, "leadtime_to_ship"),
        _typed(
            BOOL,
            "can_cancel",
            "can_shop_ship",
            "has_incident",
            "has_invoice",
            "has_customer_message",
            "fully_refunded",
            "customer_directly_pays_seller",
        ),
    ),
    "last_updated_date",
)

ORDER_LINE_COLUMNS = _columns(
    _typed(
        TEXT,
        "order_line_id",
        "order_id",
        "order_line_state",
        "order_line_state_reason_code",
        "order_line_state_reason_label",
        "offer_id",
        "offer_sku",
        "offer_state_code",
        "product_sku",
        "product_shop_sku",
        "product_title",
        "category_code",
        "category_label",
        "description",
        "price_additional_info",
    ),
    _typed(
        MONEY,
        "price_unit",
        "price",
        "origin_unit_price",
        "shipping_price",
        "shipping_price_unit",
        "shipping_price_additional_unit",
        "total_price",
        "commission_fee",
        "commission_vat",
        "commission_rate_vat",
        "total_commission",
    ),
    _typed(BIGINT, "order_line_index", "quantity"),
    _typed(
        TIMESTAMP,
        "created_date",
        "last_updated_date",
        "debited_date",
        "shipped_date",
        "received_date",
    ),
    _typed(BOOL, "can_refund"),
)

# Refunds and cancelations carry the same money fields in OR11.
ADJUSTMENT_MONEY = (
    "amount",
    "shipping_amount",
    "commission_amount",
    "commission_tax_amount",
    "commission_total_amount",
)

REFUND_COLUMNS = _columns(
    _typed(
        TEXT,
        "id",
        "order_id",
        "order_line_id",
        "reason_code",
        "state",
        "refund_state",
        "order_refund_id",
        "transaction_number",
    ),
    _typed(MONEY, *ADJUSTMENT_MONEY),
    _typed(BIGINT, "quantity"),
    _typed(TIMESTAMP, "created_date", "transaction_date"),
)

CANCELATION_COLUMNS = _columns(
    _typed(TEXT, "id", "order_id", "order_line_id", "reason_code"),
    _typed(MONEY, *ADJUSTMENT_MONEY),
    _typed(BIGINT, "quantity"),
    _typed(TIMESTAMP, "created_date"),
)


def _tax_lists(parent: tuple[str, ...]) -> dict[tuple[str, ...], dict[str, Any]]:
    hints: dict[tuple[str, ...], dict[str, Any]] = {
        (*parent, name): {"columns": copy.deepcopy(TAX_COLUMNS)}
        for name in ("taxes", "shipping_taxes", "commission_taxes")
    }
    hints[(*parent, "fees")] = {"columns": copy.deepcopy(FEE_COLUMNS)}
    return hints


ORDER_NESTED_HINTS: dict[tuple[str, ...], dict[str, Any]] = {
    ("order_lines",): {"columns": ORDER_LINE_COLUMNS},
    ("order_lines", "refunds"): {"columns": REFUND_COLUMNS},
    ("order_lines", "cancelations"): {"columns": CANCELATION_COLUMNS},
    ("order_taxes",): {"columns": copy.deepcopy(ORDER_TAX_COLUMNS)},
    **_tax_lists(("order_lines",)),
    **_tax_lists(("order_lines", "refunds")),
    **_tax_lists(("order_lines", "cancelations")),
}

OFFER_COLUMNS = _columns(
    _typed(
        TEXT,
        "offer_id",
        "shop_sku",
        "product_sku",
        "product_title",
        "category_code",
        "category_label",
        "state_code",
        "currency_iso_code",
        "logistic_class__code",
        "min_shipping_type",
        "min_shipping_zone",
    ),
    _typed(
        MONEY,
        "price",
        "total_price",
        "min_shipping_price",
        "min_shipping_price_additional",
        "discount__discount_price",
        "discount__origin_price",
        "applicable_pricing__price",
        "applicable_pricing__unit_origin_price",
        "applicable_pricing__unit_discount_price",
    ),
    _typed(
        BIGINT,
        "quantity",
        "leadtime_to_ship",
        "min_quantity_alert",
        "min_order_quantity",
        "max_order_quantity",
        "package_quantity",
    ),
    _typed(
        TIMESTAMP,
        "available_start_date",
        "available_end_date",
        "discount__start_date",
        "discount__end_date",
    ),
    _typed(BOOL, "active"),
)

_PRICE_COLUMNS = _typed(MONEY, "price", "unit_origin_price", "unit_discount_price")

OFFER_NESTED_HINTS: dict[tuple[str, ...], dict[str, Any]] = {
    ("warehouses",): {"columns": _columns(_typed(TEXT, "code"), _typed(BIGINT, "quantity"))},
    ("all_prices",): {
        "columns": _columns(
            copy.deepcopy(_PRICE_COLUMNS),
            _typed(TEXT, "channel_code"),
            _typed(TIMESTAMP, "discount_start_date", "discount_end_date"),
        )
    },
    ("all_prices", "volume_prices"): {
        "columns": _columns(copy.deepcopy(_PRICE_COLUMNS), _typed(BIGINT, "quantity_threshold"))
    },
}

CARRIER_COLUMNS = _typed(TEXT, "code", "label", "standard_code", "tracking_url")

REASON_COLUMNS = _columns(_typed(TEXT, "code", "label", "type"), _typed(BOOL, "is_shop_right"))

TRANSACTION_LOG_COLUMNS = _newest_wins(
    _columns(
        _typed(
            TEXT,
            "id",
            "type",
            "currency_iso_code",
            "payment_state",
            "accounting_document_number",
            "accounting_document_id",
            "seller_billing_cycle_id",
            "pay_out_psp_code",
            "entities__order__id",
            "entities__order__commercial_id",
            "entities__order_line__id",
            "entities__refund__id",
            "entities__shipment__id",
            "entities__fee__code",
            "entities__transaction_info__number",
        ),
        _typed(
            MONEY,
            "amount",
            "amount_credited",
            "amount_debited",
            "balance",
            "psp_balance",
            "entities__order_tax__rate",
            "entities__shop_tax__rate",
        ),
        _typed(
            TIMESTAMP,
            "date_created",
            "last_updated",
            "accounting_document_creation_date",
            "entities__order__creation_date",
            "entities__transaction_info__date",
        ),
    ),
    "last_updated",
)

BILLING_CYCLE_COLUMNS = _columns(
    _typed(
        TEXT,
        "id",
        "currency_iso_code",
        "payment_voucher_number",
        "pay_out__state",
        "pay_out__reference",
        "pay_out__failure_reason",
        "pay_out_psp_code",
        "shop__shop_id",
    ),
    _typed(
        MONEY,
        "amount_transferred_to_seller",
        "amount_transferred_to_operator",
        "summary__total_payable_orders_incl_tax",
        "summary__total_payable_orders_excl_tax",
        "summary__total_commissions_incl_tax",
        "summary__total_commissions_excl_tax",
        "summary__total_refund_orders_incl_tax",
        "summary__total_refund_orders_excl_tax",
        "summary__total_refund_commissions_incl_tax",
        "summary__total_refund_commissions_excl_tax",
        "summary__total_subscription_incl_tax",
        "summary__total_subscription_excl_tax",
        "summary__total_other_credits_incl_tax",
        "summary__total_other_credits_excl_tax",
        "summary__total_other_invoices_incl_tax",
        "summary__total_other_invoices_excl_tax",
        "summary__total_operator_remitted_taxes",
        "summary__total_refund_payable_orders_incl_tax",
        "summary__total_refund_payable_orders_excl_tax",
        "summary__total_refund_operator_remitted_taxes",
        "summary__total_fee_incl_tax",
        "summary__total_fee_excl_tax",
        "summary__total_purchase_taxes",
        "summary__total_refund_purchase_taxes",
        "summary__total_seller_penalty_fees_incl_tax",
        "summary__total_seller_penalty_fees_excl_tax",
    ),
    _typed(TIMESTAMP, "date_created", "pay_out__transaction_date"),
)

INVOICE_COLUMNS = _columns(
    _typed(
        TEXT,
        "id",
        "invoice_id",
        "type",
        "state",
        "currency_iso_code",
        "payment__state",
        "payment__reference",
        "payment__failure_reason",
        "pay_out_psp_code",
        "shop_id",
        "shop_name",
        "seller_billing_cycle_id",
    ),
    _typed(
        MONEY,
        "total_amount_excl_taxes",
        "total_amount_incl_taxes",
        "total_charged_amount",
        "summary__amount_transferred",
        "summary__amount_transferred_to_operator",
    ),
    _typed(TIMESTAMP, "date_created", "issue_date", "due_date", "payment__transaction_date"),
)

INVOICE_NESTED_HINTS: dict[tuple[str, ...], dict[str, Any]] = {
    ("details",): {
        "columns": _columns(
            _typed(TEXT, "description", "order_id"),
            _typed(BIGINT, "quantity"),
            _typed(MONEY, "amount_excl_taxes"),
            _typed(TIMESTAMP, "operation_date"),
        )
    },
    ("details", "taxes"): {"columns": copy.deepcopy(FEE_COLUMNS)},
    ("total_taxes",): {"columns": copy.deepcopy(FEE_COLUMNS)},
}
