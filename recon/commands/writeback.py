"""`recon writeback plan | approve | apply`: corrections to Mirakl, approved, sent exactly once."""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from recon.cli import cli, resolve_warehouse, warehouse_option
from recon.warehouse import WarehouseBusy, connect_for_reading
from writeback.approvals import APPROVABLE, ApprovalError, inbox_path, record_approval
from writeback.runs import PlanReport, apply, plan
from writeback.settings import CORRECTION_TYPES, WritebackConfigError
from writeback.store import ROUTE_TO_PERSON, SCHEMA, STATUSES, CorrectionRow, read_corrections

SHORT_ID = 12
STATUS_STYLE = {
    "planned": "cyan",
    "approved": "green",
    "routed": "yellow",
    "sending": "magenta",
    "submitted": "magenta",
    "applied": "bold green",
    "refused": "bold red",
    "failed": "red",
}


def corrections_table(corrections: Iterable[CorrectionRow], title: str) -> Table:
    table = Table(title=title)
    for name in ("id", "exception", "entity", "action", "what", "status", "note"):
        table.add_column(name, overflow="fold")
    for c in corrections:
        routed = c.action == ROUTE_TO_PERSON
        what = c.reason if routed else c.summary
        if c.status in ("refused", "failed", "superseded"):
            note = c.reason or ""
        elif c.status in ("submitted", "applied"):
            note = c.mirakl_reference or ""
        else:
            note = f"by {c.approved_by}" if c.approved_by else ""
        style = STATUS_STYLE.get(c.status, "")
        table.add_row(
            c.correction_id[:SHORT_ID],
            c.exception_type,
            escape(c.entity_id),
            "person" if routed else c.action,
            escape(what or ""),
            f"[{style}]{c.status}[/{style}]" if style else c.status,
            escape(note),
        )
    return table


def print_counts(corrections: list[CorrectionRow], console: Console) -> None:
    counts = {status: 0 for status in STATUSES}
    for correction in corrections:
        counts[correction.status] += 1
    console.print(", ".join(f"{count} {status}" for status, count in counts.items() if count))


def _fail(error: Exception) -> click.ClickException:
    return click.ClickException(str(error))


@cli.group("writeback", invoke_without_command=True)
@warehouse_option
@click.pass_context
def writeback_group(ctx: click.Context, warehouse: Path | None) -> None:
    """Corrections to Mirakl: plan (the default, a dry run), approve, apply."""
    ctx.obj = {"warehouse": warehouse}
    if ctx.invoked_subcommand is None:
        ctx.invoke(plan_command, warehouse=warehouse)


def _target(ctx: click.Context, warehouse: Path | None) -> Path:
    return resolve_warehouse(warehouse or (ctx.obj or {}).get("warehouse"))


def print_plan(report: PlanReport, console: Console) -> None:
    for consumed in report.approvals:
        approval = consumed.approval
        console.print(
            f"approval of {approval.correction_id[:SHORT_ID]} by {approval.approved_by}: "
            f"{consumed.outcome}"
        )
    if not report.batch:
        console.print("No correction to plan: no open exception writeback can correct.")
        return
    console.print(corrections_table(report.batch, "Writeback plan (nothing sent)"))
    changes = report.changes
    console.print(
        f"{len(changes.added)} new, {len(changes.auto_approved)} auto-approved, "
        f"{len(changes.superseded)} superseded this plan. In the batch: ",
        end="",
    )
    print_counts(report.batch, console)
    if any(c.status == "planned" for c in report.batch):
        console.print(
            "Approve with `recon writeback approve <id>...` (or `--all --type TYPE`), then "
            "`recon writeback apply`."
        )


@writeback_group.command("plan")
@warehouse_option
@click.pass_context
def plan_command(ctx: click.Context, warehouse: Path | None) -> None:
    """Show the corrections the open exceptions call for; nothing is sent."""
    console = Console()
    target = _target(ctx, warehouse)
    try:
        report = plan(target)
    except (WarehouseBusy, WritebackConfigError) as error:
        raise _fail(error) from error
    print_plan(report, console)


def _planned_in_snapshot(target: Path) -> list[CorrectionRow]:
    try:
        con = connect_for_reading(target)
    except FileNotFoundError as error:
        raise _fail(error) from error
    try:
        has_plan = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = 'corrections'",
            [SCHEMA],
        ).fetchone()[0]
        if not has_plan:
            raise click.ClickException("no plan yet: run `recon writeback plan` first")
        return read_corrections(con)
    finally:
        con.close()


def resolve_ids(
    corrections: list[CorrectionRow], ids: Iterable[str], *, approve_all: bool, kind: str | None
) -> list[CorrectionRow]:
    """The corrections named by full ids or unique prefixes, or all planned of one type."""
    if approve_all:
        if not kind:
            raise click.UsageError("--all needs --type (an exception type or an action)")
        known = set(CORRECTION_TYPES) | set(CORRECTION_TYPES.values())
        if kind not in known:
            raise click.BadParameter(
                f"{kind!r}; use one of {', '.join(sorted(known))}", param_hint="--type"
            )
        return [
            c for c in corrections if c.status == "planned" and kind in (c.exception_type, c.action)
        ]
    chosen = []
    for text in ids:
        matches = [c for c in corrections if c.correction_id.startswith(text.strip())]
        if len(text.strip()) < 6 or len(matches) != 1:
            what = "no correction" if not matches else f"{len(matches)} corrections"
            raise click.BadParameter(
                f"{text!r} matches {what}; give a full id or a longer prefix (6+ characters)"
            )
        correction = matches[0]
        if correction.status not in APPROVABLE:
            raise click.BadParameter(
                f"{correction.correction_id[:SHORT_ID]} ({correction.entity_id}) is "
                f"{correction.status}; only {' or '.join(APPROVABLE)} corrections can be approved"
            )
        chosen.append(correction)
    return chosen


@writeback_group.command("approve")
@warehouse_option
@click.argument("ids", nargs=-1)
@click.option("--all", "approve_all", is_flag=True, help="Every planned correction of --type.")
@click.option("--type", "kind", default=None, help="Exception type or action, with --all.")
@click.option("--by", "approved_by", default=None, help="Who approves (default: your login).")
@click.pass_context
def approve_command(
    ctx: click.Context,
    warehouse: Path | None,
    ids: tuple[str, ...],
    approve_all: bool,
    kind: str | None,
    approved_by: str | None,
) -> None:
    """Approve corrections (ids as shown by the plan); the next apply sends them."""
    console = Console()
    if not ids and not approve_all:
        raise click.UsageError("name correction ids, or use --all --type TYPE")
    if ids and approve_all:
        raise click.UsageError("give ids or --all --type, not both")
    target = _target(ctx, warehouse)
    chosen = resolve_ids(_planned_in_snapshot(target), ids, approve_all=approve_all, kind=kind)
    if not chosen:
        console.print(f"No planned correction of type {kind} to approve.")
        return
    try:
        record_approval(
            target,
            [c.correction_id for c in chosen],
            approved_by or getpass.getuser(),
            via="cli",
        )
    except ApprovalError as error:
        raise _fail(error) from error
    console.print(corrections_table(chosen, "Approved"))
    console.print(
        f"{len(chosen)} approval(s) recorded in {inbox_path(target)}; "
        "`recon writeback apply` sends them."
    )


@writeback_group.command("apply")
@warehouse_option
@click.pass_context
def apply_command(ctx: click.Context, warehouse: Path | None) -> None:
    """Send the approved corrections to Mirakl, each at most once, every call audited."""
    console = Console(highlight=False)
    target = _target(ctx, warehouse)
    try:
        planned, report = apply(
            target, progress=lambda message: console.print(message, markup=False)
        )
    except (WarehouseBusy, WritebackConfigError) as error:
        raise _fail(error) from error
    touched = [c for c in planned.batch if c.correction_id in report.outcomes]
    if report.outcomes:
        with connect_for_reading(target) as con:
            touched = read_corrections(
                con,
                "correction_id in (select unnest(?))",
                [list(report.outcomes)],
            )
        console.print(corrections_table(touched, "Writeback applied"))
        print_counts(touched, console)
    for line in report.left_pending:
        console.print(f"[yellow]pending[/yellow] {line}")
    if report.stopped:
        raise click.ClickException(report.stopped)
