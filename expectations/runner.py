"""Evaluate suites with Great Expectations over the warehouse, and write the Data Docs.

Each batch is read from DuckDB into a pandas DataFrame (DECIMAL stays Decimal, timestamps stay
UTC-aware) and validated by GX's pandas execution engine in an ephemeral context; GX's own SQL
datasource is not used because over duckdb-engine it returned empty metric results.

GX passes an expectation over zero rows ("all of no values are unique"), so a batch that is
missing or empty fails every one of its checks here, with the reason as the observed value.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from expectations.config import Severity
from expectations.spec import LATEST_ALLOWED_TIMESTAMP, Batch, Check

SITE_NAME = "recon"
NO_KEY = "(no key)"
# Failing keys kept per result row; the full list feeds alerts only.
FAILING_KEYS_SAMPLE = 20
RUN_ID_PATTERN = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")


@dataclass(frozen=True)
class CheckResult:
    suite: str
    expectation: str
    expectation_type: str
    table_name: str
    column_name: str | None
    severity: Severity
    success: bool
    observed_value: str
    unexpected_count: int | None
    element_count: int | None
    description: str
    evaluated_at: dt.datetime
    # Every failing key found, in the batch's order, and who owns each.
    failing_keys: tuple[str, ...] = ()
    owner_of_key: dict[str, str] = field(default_factory=dict)
    # Owners alerted when the check fails as a whole (no keys, or alerts not per key).
    owners: tuple[str, ...] = ()
    alert_per_key: bool = False

    @property
    def failing_keys_sample(self) -> list[str]:
        return list(self.failing_keys[:FAILING_KEYS_SAMPLE])


@dataclass(frozen=True)
class Evaluation:
    results: list[CheckResult]
    data_docs_index: Path | None

    @property
    def failed(self) -> list[CheckResult]:
        return [result for result in self.results if not result.success]

    @property
    def critical_failed(self) -> list[CheckResult]:
        return [result for result in self.failed if result.severity == "critical"]


def evaluate(
    con: duckdb.DuckDBPyConnection,
    batches: Sequence[Batch],
    *,
    as_of: dt.datetime,
    run_id: str,
    run_time: dt.datetime,
    future_tolerance: dt.timedelta = dt.timedelta(0),
    data_docs_dir: Path | None = None,
    keep_runs: int = 30,
    on_batch: Callable[[Batch], None] | None = None,
) -> Evaluation:
    """Run every batch's checks with GX; write Data Docs to `data_docs_dir` if given."""
    _check_names_unique(batches)
    gx, gxe, run_identifier = _gx()
    context = _context(gx, data_docs_dir)
    datasource = context.data_sources.add_pandas("warehouse")
    parameters = {LATEST_ALLOWED_TIMESTAMP: (as_of + future_tolerance).isoformat()}
    existing = _relations(con)
    results: list[CheckResult] = []
    for batch in batches:
        if on_batch:
            on_batch(batch)
        frame, problem = _read(con, batch, existing, as_of)
        suite = context.suites.add(
            gx.ExpectationSuite(
                name=batch.gx_name,
                expectations=[_expectation(gxe, check) for check in batch.all_checks],
            )
        )
        asset = datasource.add_dataframe_asset(name=batch.gx_name)
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(
                name=batch.gx_name,
                data=asset.add_batch_definition_whole_dataframe("run"),
                suite=suite,
            )
        )
        index_columns = [
            column
            for column in (*batch.keys, *([batch.row_id] if batch.row_id else []), "owner")
            if column in frame.columns
        ]
        validation = definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=parameters,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": index_columns,
                "partial_unexpected_count": 5,
            },
            run_id=run_identifier(run_name=run_id, run_time=run_time),
        )
        by_name = {item.expectation_config.meta["recon_name"]: item for item in validation.results}
        evaluated_at = dt.datetime.now(dt.UTC)
        for check in batch.all_checks:
            results.append(_result(batch, check, by_name[check.name], frame, problem, evaluated_at))
    index = None
    if data_docs_dir is not None:
        context.build_data_docs(site_names=[SITE_NAME])
        _prune_data_docs(data_docs_dir, keep_runs)
        index = data_docs_dir / "index.html"
    return Evaluation(results=results, data_docs_index=index)


def _gx():
    # Imported here: GX takes seconds to import and most `recon` commands never need it.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.core.run_identifier import RunIdentifier

    return gx, gxe, RunIdentifier


def _context(gx, data_docs_dir: Path | None):
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if data_docs_dir is not None:
        data_docs_dir.mkdir(parents=True, exist_ok=True)
        sites[SITE_NAME] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(data_docs_dir),
            },
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites=sites,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _expectation(gxe, check: Check):
    kind = getattr(gxe, check.expectation, None)
    if kind is None:
        raise ValueError(f"{check.name}: GX has no expectation named {check.expectation}")
    return kind(
        **dict(check.kwargs),
        meta={"recon_name": check.name, "severity": check.severity},
        notes=f"[{check.severity}] {check.description}",
    )


def _check_names_unique(batches: Iterable[Batch]) -> None:
    seen: set[str] = set()
    for batch in batches:
        for check in batch.all_checks:
            if check.name in seen:
                raise ValueError(f"two checks are named {check.name!r}; names must be unique")
            seen.add(check.name)


def _relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables"
    ).fetchall()
    return {name for (name,) in rows}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    schema, name = table.split(".", 1)
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    return {column for (column,) in rows}


def _read(
    con: duckdb.DuckDBPyConnection, batch: Batch, existing: set[str], as_of: dt.datetime
) -> tuple[pd.DataFrame, str | None]:
    """The batch's rows, or an empty frame and why nothing could be read."""
    if batch.table not in existing:
        return pd.DataFrame(), f"{batch.table} does not exist"
    if batch.sql is None:
        available = _columns(con, batch.table)
        # A column the table lacks is left out: GX then fails the checks that need it. An
        # `owner` column, when the table has one, names who is alerted row by row.
        wanted = [
            column
            for column in dict.fromkeys((*batch.needed_columns, "owner"))
            if column in available
        ]
        schema, name = batch.table.split(".", 1)
        select = ", ".join(f'"{column}"' for column in wanted) or "*"
        sql, params = f'select {select} from "{schema}"."{name}"', None
    else:
        sql = batch.sql
        params = {"as_of": as_of} if "$as_of" in sql else None
    try:
        frame = con.sql(sql, params=params).to_arrow_table().to_pandas()
    except duckdb.Error as error:
        return pd.DataFrame(), f"{batch.table} could not be read: {error}".splitlines()[0]
    if frame.empty:
        return frame, f"{batch.table} has no rows"
    return frame, None


def _result(
    batch: Batch,
    check: Check,
    item,
    frame: pd.DataFrame,
    problem: str | None,
    evaluated_at: dt.datetime,
) -> CheckResult:
    result: dict[str, Any] = item.result or {}
    success = bool(item.success)
    error = _exception_message(item.exception_info)
    keys: list[str] = []
    owner_of_key: dict[str, str] = {}
    if problem is not None:
        # GX evaluated nothing for these rows (or GX's own row count failed): never a pass.
        success = False
        observed = problem
    elif error is not None:
        success = False
        observed = f"could not be evaluated: {error}"
    else:
        observed = _observed(check, result)
        if not success:
            keys, owner_of_key = _failing_keys(batch, check, result, frame)
            if check.evidence_column:
                observed += f"; {len(keys)} of {len(frame)} rows flagged"
    owners = _owners(batch, keys, owner_of_key)
    return CheckResult(
        suite=batch.suite,
        expectation=check.name,
        expectation_type=item.expectation_config.type,
        table_name=batch.table,
        column_name=check.column_name,
        severity=check.severity,
        success=success,
        observed_value=observed,
        unexpected_count=_int(result.get("unexpected_count")),
        element_count=_int(result.get("element_count", len(frame) if problem is None else 0)),
        description=check.description,
        evaluated_at=evaluated_at,
        failing_keys=tuple(keys),
        owner_of_key=owner_of_key,
        owners=owners,
        alert_per_key=check.alert_per_key,
    )


def _observed(check: Check, result: dict[str, Any]) -> str:
    if "unexpected_count" in result:
        unexpected = result.get("unexpected_count") or 0
        total = result.get("element_count") or 0
        text = f"{unexpected} of {total} rows unexpected"
        examples = list(
            dict.fromkeys(_text(value) for value in result.get("partial_unexpected_list") or [])
        )
        if unexpected and examples:
            text += ", e.g. " + ", ".join(examples[:3])
        return text
    observed = result.get("observed_value")
    if check.expectation == "ExpectTableRowCountToBeBetween":
        return f"{observed} rows"
    if check.expectation == "ExpectColumnValuesToBeInTypeList":
        # GX judges a column with a typed dtype as a whole; only object columns value by value.
        return f"column type {observed}"
    return _text(observed)


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _exception_message(info: Any) -> str | None:
    """GX reports an expectation that could not run (a missing column) here, not as a failure."""
    if not info:
        return None
    entries = info.values() if all(isinstance(v, dict) for v in info.values()) else [info]
    for entry in entries:
        if entry.get("raised_exception"):
            message = str(entry.get("exception_message") or "unknown error")
            return message.removeprefix("Error: ").splitlines()[0]
    return None


def _failing_keys(
    batch: Batch, check: Check, result: dict[str, Any], frame: pd.DataFrame
) -> tuple[list[str], dict[str, str]]:
    if check.evidence_column:
        flagged = frame[frame[check.evidence_column].fillna(False).astype(bool)]
        rows = flagged.to_dict("records")
    else:
        rows = result.get("unexpected_index_list") or []
    keys: list[str] = []
    owners: dict[str, str] = {}
    for row in rows:
        if not isinstance(row, dict):
            continue
        key = _key(batch, row)
        if key not in owners:
            keys.append(key)
        owner = row.get("owner")
        owners[key] = owner if isinstance(owner, str) and owner else (batch.owner or "")
    return keys, owners


def _key(batch: Batch, row: dict[str, Any]) -> str:
    parts = [row.get(column) for column in batch.keys]
    if parts and all(_present(part) for part in parts):
        return "/".join(_key_part(part) for part in parts)
    if batch.row_id and _present(row.get(batch.row_id)):
        return f"{batch.row_id}={row[batch.row_id]}"
    return NO_KEY


def _present(value: Any) -> bool:
    return value is not None and not (pd.api.types.is_scalar(value) and pd.isna(value))


def _key_part(value: Any) -> str:
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.isoformat()
    return str(value)


def _owners(batch: Batch, keys: list[str], owner_of_key: dict[str, str]) -> tuple[str, ...]:
    owners = [owner_of_key[key] for key in keys if owner_of_key.get(key)]
    if not owners and batch.owner:
        owners = [batch.owner]
    return tuple(dict.fromkeys(owners))


def _prune_data_docs(root: Path, keep_runs: int) -> None:
    """Keep the validation pages of the newest `keep_runs` runs; run ids sort by time."""
    validations = root / "validations"
    if not validations.is_dir():
        return
    by_parent: dict[Path, list[Path]] = {}
    for path in validations.rglob("*"):
        if path.is_dir() and RUN_ID_PATTERN.match(path.name):
            by_parent.setdefault(path.parent, []).append(path)
    for runs in by_parent.values():
        for old in sorted(runs, key=lambda p: p.name)[:-keep_runs]:
            shutil.rmtree(old, ignore_errors=True)
