"""Console summaries a person reads after a run."""

from __future__ import annotations

from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from recon.scoring import TypeScore


def print_exception_summary(warehouse: Path, console: Console) -> None:
    """Open exceptions by type and owner, with the money at risk per currency."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select exception_type, owner, count(*) as open_count,
                   count(*) filter (where severity = 'critical') as critical_count,
                   currency, sum(amount_at_risk) as at_risk
            from main.exceptions
            where status = 'open'
            group by exception_type, owner, currency
            order by owner, exception_type, currency
            """
        ).fetchall()
        resolved = con.execute(
            "select count(*) from main.exceptions where status = 'resolved'"
        ).fetchone()[0]
    table = Table(title="Open exceptions")
    for column, justify in (
        ("owner", "left"),
        ("exception type", "left"),
        ("open", "right"),
        ("critical", "right"),
        ("money at risk", "right"),
    ):
        table.add_column(column, justify=justify)
    totals: dict[str, float] = {}
    for kind, owner, count, critical, currency, at_risk in rows:
        money = f"{at_risk:,.2f} {currency}" if at_risk is not None and currency else "-"
        table.add_row(owner or "-", kind, str(count), str(critical), money)
        if at_risk is not None and currency:
            totals[currency] = totals.get(currency, 0) + at_risk
    console.print(table)
    total_text = ", ".join(
        f"{amount:,.2f} {currency}" for currency, amount in sorted(totals.items())
    )
    console.print(
        f"{sum(r[2] for r in rows)} open exception(s); money at risk: {total_text or 'none'}; "
        f"{resolved} resolved earlier."
    )


def print_scores(scores: list[TypeScore], console: Console) -> None:
    table = Table(title="Exceptions against the ground truth")
    for column in ("exception type", "expected", "raised", "precision", "recall"):
        table.add_column(column, justify="left" if column == "exception type" else "right")
    for item in scores:
        table.add_row(
            item.exception_type,
            str(item.expected),
            str(item.raised),
            f"{item.precision:.2f}",
            f"{item.recall:.2f}",
        )
    console.print(table)
    for item in scores:
        if item.false_positives:
            console.print(
                f"[red]{item.exception_type}[/red] raised but not expected: "
                + ", ".join(item.false_positives[:10])
            )
        if item.false_negatives:
            console.print(
                f"[red]{item.exception_type}[/red] expected but not raised: "
                + ", ".join(item.false_negatives[:10])
            )
