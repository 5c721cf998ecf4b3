"""An analyst's baseline: the stock and payout comparisons in pandas, with datacompy.

What an analyst does without the stack: read the landed tables into data frames, shape both
sides to the same grain, and let datacompy report the rows that differ. Money stays Decimal
where pandas allows it; the comparisons use datacompy's absolute tolerance.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import datacompy
import duckdb
import pandas as pd


def stock_mismatches(con: duckdb.DuckDBPyConnection, as_of: dt.datetime) -> set[str]:
    stock = con.execute("select * from erp_files.stock_levels").df()
    items = con.execute("select * from erp_files.items").df()
    offers = con.execute("select * from mirakl.offers").df()

    stock = stock[stock["as_of"] <= pd.Timestamp(as_of)]
    latest = stock.sort_values("as_of").groupby(["sku", "location"]).tail(1)
    per_sku = latest.groupby("sku")[["on_hand", "committed"]].sum().reset_index()
    items = items.merge(per_sku, on="sku", how="left")
    items["shop_sku"] = items["mirakl_shop_sku"].fillna(items["sku"])
    free = (items["on_hand"].fillna(0) - items["committed"].fillna(0)).astype(float)
    items["quantity"] = (
        (free * items["units_per_stock_unit"]).apply(lambda value: value // 1)
        - items["safety_stock"].astype(float)
    ).clip(lower=0)

    active = offers[offers["active"]][["shop_sku", "quantity"]].copy()
    active["quantity"] = active["quantity"].astype(float)
    erp = items[items["shop_sku"].isin(active["shop_sku"])][["shop_sku", "quantity"]]
    compare = datacompy.PandasCompare(
        active, erp, join_columns="shop_sku", df1_name="mirakl", df2_name="erp"
    )
    return set(compare.all_mismatch()["shop_sku"])


def payout_variances(
    con: duckdb.DuckDBPyConnection, as_of: dt.datetime, tolerance: float, grace_days: int
) -> set[str]:
    cycles = con.execute("select * from mirakl.billing_cycles").df()
    lines = con.execute("select * from mirakl.transaction_logs").df()
    deposits = con.execute("select * from erp_files.bank_deposits").df()
    ledger = con.execute("select * from erp_files.ledger_entries").df()

    cycles = cycles[
        (cycles["pay_out__state"] == "PAID")
        & (cycles["pay_out__transaction_date"] <= pd.Timestamp(as_of))
    ]
    lines["amount"] = (lines["amount_credited"] - lines["amount_debited"]).astype(float)
    is_payment = lines["type"] == "PAYMENT"
    per_cycle = pd.DataFrame(
        {
            "lines_amount": lines[~is_payment].groupby("seller_billing_cycle_id")["amount"].sum(),
            "payment_amount": -lines[is_payment].groupby("seller_billing_cycle_id")["amount"].sum(),
        }
    )
    deposits = deposits[deposits["received_at"] <= pd.Timestamp(as_of)]
    banked = deposits.groupby("reference")["amount"].sum().astype(float)

    # The ledger leg: each cycle's orders, both sides as they stood at the payout.
    orders = lines.dropna(subset=["seller_billing_cycle_id", "entities__order__id"])[
        ["seller_billing_cycle_id", "entities__order__id"]
    ].drop_duplicates()
    orders = orders.merge(
        cycles[["id", "pay_out__transaction_date", "currency_iso_code"]],
        left_on="seller_billing_cycle_id",
        right_on="id",
    )
    mirakl = orders.merge(lines, on="entities__order__id", suffixes=("", "_line"))
    mirakl = mirakl[
        (mirakl["date_created"] <= mirakl["pay_out__transaction_date"])
        & (mirakl["currency_iso_code_line"] == mirakl["currency_iso_code"])
    ]
    ledger["net"] = (ledger["credit"] - ledger["debit"]).astype(float)
    erp = orders.merge(ledger, left_on="entities__order__id", right_on="marketplace_order_id")
    erp = erp[
        (erp["posted_at"] <= erp["pay_out__transaction_date"])
        & (erp["currency"] == erp["currency_iso_code"])
    ]
    nets = pd.DataFrame(
        {
            "mirakl_net": mirakl.groupby("seller_billing_cycle_id")["amount"].sum(),
            "erp_net": erp.groupby("seller_billing_cycle_id")["net"].sum(),
        }
    ).fillna(0)

    frame = cycles.set_index("id").join(per_cycle).join(nets)
    frame["deposit"] = frame["pay_out__reference"].map(banked)
    frame = frame.fillna({"lines_amount": 0, "payment_amount": 0, "mirakl_net": 0, "erp_net": 0})
    frame["transferred"] = frame["amount_transferred_to_seller"].astype(float)
    paid = frame.reset_index()[["id", "payment_amount", "transferred", "deposit", "erp_net"]]
    expected = frame.reset_index()[["id", "lines_amount", "mirakl_net"]]
    expected = expected.assign(
        payment_amount=expected["lines_amount"],
        transferred=expected["lines_amount"],
        deposit=frame["transferred"].to_numpy(),
        erp_net=expected["mirakl_net"],
    )[["id", "payment_amount", "transferred", "deposit", "erp_net"]]
    compare = datacompy.PandasCompare(
        paid, expected, join_columns="id", abs_tol=tolerance, df1_name="paid", df2_name="expected"
    )
    varied = set(compare.all_mismatch()["id"])
    no_payment = set(frame.index[~frame.index.isin(lines[is_payment]["seller_billing_cycle_id"])])
    overdue = frame["pay_out__transaction_date"] + pd.Timedelta(days=grace_days) < pd.Timestamp(
        as_of
    )
    missing = set(frame.index[frame["deposit"].isna() & overdue])
    return varied | no_payment | missing


def run(warehouse: Path, as_of: dt.datetime, tolerance: float = 0.01, grace_days: int = 3):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            "stock_mismatch": stock_mismatches(con, as_of),
            "payout_variance": payout_variances(con, as_of, tolerance, grace_days),
        }
