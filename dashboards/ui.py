"""What every page shares: filters, money as decimals with currency, exportable tables,
runbooks beside the exceptions, and plain notes when something has not happened yet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import streamlit as st

from dashboards import queries
from dashboards.data import load
from dashboards.runbooks import read_runbook

CENT = Decimal("0.01")


def type_titles() -> dict[str, str]:
    types = load(queries.exception_types)
    return dict(zip(types["exception_type"], types["title"], strict=True))


def exception_filters(page: str, types: Sequence[str]) -> queries.ExceptionFilters:
    """Owner, severity, type and first-detection date filters in the sidebar (empty: all)."""
    with st.sidebar:
        st.subheader("Filters")
        owners = st.multiselect(
            "Owner", queries.OWNERS, key=f"{page}-owners", placeholder="All owners"
        )
        severities = st.multiselect(
            "Severity", queries.SEVERITIES, key=f"{page}-severities", placeholder="All severities"
        )
        chosen = st.multiselect(
            "Exception type", list(types), key=f"{page}-types", placeholder="All types"
        )
        start, end = date_range(page, "First detected")
    return queries.ExceptionFilters(
        owners=tuple(owners),
        severities=tuple(severities),
        types=tuple(chosen),
        first_detected_from=start,
        first_detected_to=end,
    )


def date_range(page: str, label: str) -> tuple[dt.date | None, dt.date | None]:
    """Two optional day pickers (UTC days, both ends included)."""
    start = st.date_input(f"{label} from", value=None, key=f"{page}-from")
    end = st.date_input(f"{label} until", value=None, key=f"{page}-until")
    return start, end


def money(amount: Decimal | None, currency: str | None) -> str:
    """1234.5 EUR -> '1,234.50 EUR' (rounded half up to the cent)."""
    if amount is None or currency is None or pd.isna(amount):
        return "–"
    return f"{Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP):,} {currency}"


def money_per_currency(frame: pd.DataFrame, amount: str = "amount_at_risk") -> str:
    """Amounts of a per-currency frame side by side; never added across currencies."""
    parts = [
        money(row[amount], row["currency"])
        for _, row in frame.iterrows()
        if row["currency"] is not None and not pd.isna(row[amount])
    ]
    return " · ".join(parts) if parts else "none"


def table(
    frame: pd.DataFrame,
    *,
    key: str,
    file_name: str,
    columns: Iterable[str] | None = None,
    money_columns: Iterable[str] = (),
) -> None:
    """A table and its CSV download (the CSV holds every column, ids included)."""
    shown = frame[list(columns)] if columns is not None else frame
    config: dict[str, object] = {}
    for name in shown.columns:
        if name in set(money_columns):
            config[name] = st.column_config.NumberColumn(format="%.2f")
        elif isinstance(shown[name].dtype, pd.DatetimeTZDtype):
            config[name] = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm z")
    st.dataframe(shown, hide_index=True, column_config=config)
    st.download_button(
        "Download CSV",
        data=frame.to_csv(index=False).encode("utf-8"),
        file_name=f"{file_name}.csv",
        mime="text/csv",
        key=f"csv-{key}",
        on_click="ignore",
        icon=":material/download:",
    )


def runbook(exception_type: str, title: str | None = None, *, expanded: bool = False) -> None:
    """The type's runbook, right beside its exceptions."""
    text = read_runbook(exception_type)
    with st.expander(
        f"Runbook: {title or exception_type}", expanded=expanded, icon=":material/menu_book:"
    ):
        st.markdown(text or f"No runbook yet for `{exception_type}` (docs/runbooks/).")


def nothing_yet(message: str) -> None:
    st.info(message, icon=":material/hourglass_empty:")


def utc(value: object, *, short: bool = False) -> str:
    """A UTC instant for people: '2026-05-01 12:00 UTC' (short: '1 May 12:00 UTC')."""
    if value is None or pd.isna(value):
        return "–"
    stamp = pd.Timestamp(value).tz_convert("UTC")
    if short:
        return f"{stamp.day} {stamp:%b %H:%M} UTC"
    return stamp.strftime("%Y-%m-%d %H:%M UTC")


def for_chart(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Charts draw floats; the tables and CSVs beside them keep the exact decimals."""
    drawn = frame.copy()
    for name in columns:
        drawn[name] = pd.to_numeric(drawn[name].map(_as_float), errors="coerce")
    return drawn


def _as_float(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
