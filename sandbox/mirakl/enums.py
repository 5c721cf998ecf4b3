"""Enumerations of the Mirakl seller API, as Mirakl's OpenAPI document lists them.

Query parameters naming a value outside these sets get 400, as a strict API would; response
data is served as the world holds it.
"""

from __future__ import annotations

ORDER_STATES: frozenset[str] = frozenset(
    {
        "STAGING",
        "WAITING_ACCEPTANCE",
        "WAITING_DEBIT",
        "WAITING_DEBIT_PAYMENT",
        "SHIPPING",
        "SHIPPED",
        "TO_COLLECT",
        "RECEIVED",
        "CLOSED",
        "REFUSED",
        "CANCELED",
    }
)

PAYMENT_WORKFLOWS: frozenset[str] = frozenset(
    {
        "PAY_ON_ACCEPTANCE",
        "PAY_ON_DELIVERY",
        "PAY_ON_DUE_DATE",
        "PAY_ON_SHIPMENT",
        "NO_CUSTOMER_PAYMENT_CONFIRMATION",
    }
)

TRANSACTION_PAYMENT_STATES: frozenset[str] = frozenset(
    {"PENDING", "PAYABLE", "PAID", "NOT_APPLICABLE", "RESERVE"}
)

TRANSACTION_TYPES: frozenset[str] = frozenset(
    {
        "MANUAL_CREDIT",
        "MANUAL_CREDIT_VAT",
        "MANUAL_INVOICE",
        "MANUAL_INVOICE_VAT",
        "INVOICEABLE_ONE_OFF_DEBIT",
        "INVOICEABLE_ONE_OFF_DEBIT_TAX",
        "INVOICEABLE_ONE_OFF_CREDIT",
        "INVOICEABLE_ONE_OFF_CREDIT_TAX",
        "ORDER_AMOUNT",
        "ORDER_AMOUNT_TAX",
        "ORDER_SHIPPING_AMOUNT",
        "ORDER_SHIPPING_AMOUNT_TAX",
        "COMMISSION_FEE",
        "COMMISSION_VAT",
        "REFUND_ORDER_AMOUNT",
        "REFUND_ORDER_AMOUNT_TAX",
        "REFUND_ORDER_SHIPPING_AMOUNT",
        "REFUND_ORDER_SHIPPING_AMOUNT_TAX",
        "REFUND_COMMISSION_FEE",
        "REFUND_COMMISSION_VAT",
        "SUBSCRIPTION_FEE",
        "SUBSCRIPTION_VAT",
        "OPERATOR_REMITTED_ORDER_AMOUNT_TAX",
        "OPERATOR_REMITTED_ORDER_SHIPPING_AMOUNT_TAX",
        "OPERATOR_REMITTED_REFUND_ORDER_AMOUNT_TAX",
        "OPERATOR_REMITTED_REFUND_ORDER_SHIPPING_AMOUNT_TAX",
        "OPERATOR_PAID_ORDER_SHIPPING_AMOUNT",
        "OPERATOR_PAID_ORDER_SHIPPING_AMOUNT_TAX",
        "OPERATOR_PAID_REFUND_ORDER_SHIPPING_AMOUNT",
        "OPERATOR_PAID_REFUND_ORDER_SHIPPING_AMOUNT_TAX",
        "PAYMENT",
        "PURCHASE_COMMISSION_FEE",
        "PURCHASE_SHIPPING_COMMISSION_FEE",
        "PURCHASE_ORDER_AMOUNT_TAX",
        "PURCHASE_ORDER_SHIPPING_AMOUNT_TAX",
        "REFUND_PURCHASE_COMMISSION_FEE",
        "REFUND_PURCHASE_SHIPPING_COMMISSION_FEE",
        "REFUND_PURCHASE_ORDER_AMOUNT_TAX",
        "REFUND_PURCHASE_ORDER_SHIPPING_AMOUNT_TAX",
        "ORDER_FEE_AMOUNT",
        "OPERATOR_REMITTED_ORDER_FEE_AMOUNT",
        "REFUND_ORDER_FEE_AMOUNT",
        "OPERATOR_REMITTED_REFUND_ORDER_FEE_AMOUNT",
        "PURCHASE_FEE_COMMISSION_FEE",
        "REFUND_PURCHASE_FEE_COMMISSION_FEE",
        "RESERVE_FUNDING",
        "RESERVE_SETTLEMENT",
        "SELLER_FEE_ON_ORDER",
        "SELLER_FEE_ON_ORDER_TAX",
        "SELLER_PENALTY_FEE",
        "SELLER_PENALTY_FEE_TAX",
    }
)

PAY_OUT_STATES: frozenset[str] = frozenset({"TO_PAY", "PAID", "FAILED"})

# IV01 `type`: ALL lifts the filter; without the parameter only AUTO_INVOICE documents come back.
INVOICE_TYPES: frozenset[str] = frozenset(
    {"ALL", "AUTO_INVOICE", "MANUAL_INVOICE", "MANUAL_CREDIT"}
)
INVOICE_PAYMENT_STATES: frozenset[str] = frozenset({"PENDING", "PAID", "FAILED"})

# Refunds can be asked for once the customer has paid and until the order is closed.
REFUNDABLE_ORDER_STATES: frozenset[str] = frozenset(
    {"SHIPPING", "SHIPPED", "TO_COLLECT", "RECEIVED"}
)
REFUNDABLE_LINE_STATES: frozenset[str] = frozenset(
    {"SHIPPING", "SHIPPED", "TO_COLLECT", "RECEIVED", "INCIDENT_OPEN"}
)

# OR23 is accepted before and after OR24.
TRACKING_ORDER_STATES: frozenset[str] = frozenset({"SHIPPING", "SHIPPED"})

REFUND_REASON_TYPE = "REFUND"
