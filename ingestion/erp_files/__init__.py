"""ERP file exports: a folder of CSV or Parquet files in the public ERP file contract.

The simplest ERP integration there is: any ERP that can write these files on a schedule feeds
the drift models. Each file is optional; a folder with none of them is an error. Rows that
cannot be read (bad number, missing key, unparseable date, a key seen twice) land in the
``quarantine`` table with the file, the line and the reason, and the rest of the file loads.

Config: ``[sources.erp_files] path = "..."`` in ``.dlt/config.toml`` or the environment
variable ``SOURCES__ERP_FILES__PATH``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
from dlt.sources import DltResource

from ingestion.erp_files.contract import FILES, FileSpec, dlt_columns
from ingestion.erp_files.parsing import CellError, parse_cell
from ingestion.erp_files.readers import ExportFileError, find_export, open_export
from ingestion.quarantine import quarantine_record, with_quarantine

logger = logging.getLogger("recon.ingestion.erp_files")

SOURCE_NAME = "erp_files"
BATCH_SIZE = 5_000


class NoExportsFound(FileNotFoundError):
    """The configured folder holds none of the contract's files."""


@dlt.source(name=SOURCE_NAME)
def erp_files_source(path: str = dlt.config.value) -> list[DltResource]:
    """Load the ERP exports found in a folder.

    Args:
        path: Folder holding ``items.csv``, ``stock_levels.csv``, ... (or ``.parquet``).
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise NoExportsFound(
            f"ERP export folder {folder} does not exist (set SOURCES__ERP_FILES__PATH)"
        )
    present = {spec.name: find_export(folder, spec.name) for spec in FILES}
    if not any(present.values()):
        expected = ", ".join(f"{spec.name}.csv" for spec in FILES)
        raise NoExportsFound(f"no ERP export files in {folder}; expected some of: {expected}")
    for name, found in present.items():
        if found is None:
            logger.info("ERP export %s not found in %s: skipped", name, folder)
    return [_file_resource(spec, found) for spec in FILES if (found := present[spec.name])]


def _file_resource(spec: FileSpec, file_path: Path) -> DltResource:
    @dlt.resource(name=spec.name, primary_key=list(spec.primary_key), write_disposition="merge")
    def export_rows() -> Iterator[Any]:
        yield from read_export(spec, file_path)

    return with_quarantine(export_rows(), dlt_columns(spec))


def read_export(spec: FileSpec, file_path: Path) -> Iterator[Any]:
    """Typed rows of one export, in batches, with rejects routed to quarantine."""

    def reject(ref: str, reason: str, raw: Any) -> Any:
        return quarantine_record(
            source=SOURCE_NAME, entity=spec.name, record_ref=ref, reason=reason, raw=raw
        )

    try:
        export = open_export(file_path)
    except (ExportFileError, OSError) as error:
        yield reject(f"{file_path.name}:header", str(error), {"file": str(file_path)})
        return
    missing = [name for name in spec.required_columns if name not in export.header]
    if missing:
        reason = f"{file_path.name} lacks required column(s) {', '.join(missing)}: file not loaded"
        yield reject(f"{file_path.name}:1", reason, {"header": list(export.header)})
        return
    known = {column.name for column in spec.columns}
    ignored = [name for name in export.header if name not in known]
    if ignored:
        logger.info("%s: ignoring columns outside the contract: %s", file_path.name, ignored)

    seen: dict[tuple[Any, ...], int] = {}
    batch: list[dict[str, Any]] = []
    for raw in export.rows():
        ref = f"{file_path.name}:{raw.line}"
        try:
            row = _typed_row(spec, raw.values, export.decimal_comma)
        except CellError as error:
            yield reject(ref, str(error), raw.values)
            continue
        key = tuple(row[name] for name in spec.primary_key)
        if key in seen:
            reason = f"duplicate key {_key_text(spec, key)}: first seen on line {seen[key]}"
            yield reject(ref, reason, raw.values)
            continue
        seen[key] = raw.line
        row["source_file"] = file_path.name
        row["source_line"] = raw.line
        batch.append(row)
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _typed_row(spec: FileSpec, values: dict[str, Any], decimal_comma: bool) -> dict[str, Any]:
    if "__extra_cells__" in values:
        raise CellError(f"{len(values['__extra_cells__'])} more cell(s) than the header has")
    return {
        column.name: parse_cell(column, values.get(column.name), decimal_comma=decimal_comma)
        for column in spec.columns
    }


def _key_text(spec: FileSpec, key: tuple[Any, ...]) -> str:
    return ", ".join(f"{name}={value}" for name, value in zip(spec.primary_key, key, strict=True))
