"""The code lists the landed data is held to are Mirakl's own, deprecated values included."""

from __future__ import annotations

import re

import pytest

from expectations import reference_codes as codes
from tests.support.mirakl_openapi import load_document

_VALUE = re.compile(r'`"([^"`]*)"`')


def _enum(schema: str, field: str) -> set[str]:
    description = load_document()["components"]["schemas"][schema]["properties"][field][
        "description"
    ]
    return set(_VALUE.findall(description))


@pytest.mark.parametrize(
    ("listed", "schema", "field"),
    [
        (codes.MIRAKL_ORDER_STATES, "OR11_Response_200_Orders", "order_state"),
        (codes.MIRAKL_ORDER_LINE_STATES, "OR11_Response_200_Orders_OrderLines", "order_line_state"),
        (codes.MIRAKL_REFUND_STATES, "OR11_Response_200_Orders_OrderLines_Refunds", "refund_state"),
        (codes.MIRAKL_PAYMENT_WORKFLOWS, "OR11_Response_200_Orders", "payment_workflow"),
        (codes.MIRAKL_TRANSACTION_TYPES, "TL02_Response_200_Data", "type"),
        (codes.MIRAKL_TRANSACTION_PAYMENT_STATES, "TL02_Response_200_Data", "payment_state"),
        (codes.MIRAKL_PAY_OUT_STATES, "SBC11_Response_200_Data_PayOut", "state"),
    ],
)
def test_each_mirakl_list_is_the_enumeration_of_the_openapi_document(listed, schema, field):
    assert len(set(listed)) == len(listed)
    assert set(listed) == _enum(schema, field)


def test_currencies_are_iso_4217_alphabetic_codes_in_circulation():
    assert {"EUR", "USD", "GBP", "CHF", "PLN", "SEK", "JPY"} <= codes.ISO_4217_CURRENCIES
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in codes.ISO_4217_CURRENCIES)
    # Precious metals, testing and "no currency" codes never price an order or a payout.
    assert not {"XAU", "XTS", "XXX", "EURO", "eur", "HRK"} & codes.ISO_4217_CURRENCIES
