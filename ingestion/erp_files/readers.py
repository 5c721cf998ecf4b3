"""Read an export file row by row, remembering where each row came from."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUFFIXES = (".csv", ".parquet")


class ExportFileError(ValueError):
    """A file that cannot be read at all (no usable header, two formats, unreadable)."""


@dataclass(frozen=True)
class RawRow:
    line: int  # 1-based: the CSV line the row ends on, or the Parquet row number
    values: dict[str, Any]


@dataclass(frozen=True)
class ExportFile:
    path: Path
    header: tuple[str, ...]
    decimal_comma: bool

    def rows(self) -> Iterator[RawRow]:
        if self.path.suffix == ".parquet":
            yield from _parquet_rows(self.path)
        else:
            yield from _csv_rows(self.path, delimiter=";" if self.decimal_comma else ",")


def find_export(folder: Path, name: str) -> Path | None:
    candidates = [folder / f"{name}{suffix}" for suffix in SUFFIXES]
    found = [candidate for candidate in candidates if candidate.exists()]
    if len(found) > 1:
        raise ExportFileError(
            f"both {found[0].name} and {found[1].name} exist in {folder}: keep one export per file"
        )
    return found[0] if found else None


def open_export(path: Path) -> ExportFile:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        header = tuple(name.strip().lower() for name in pq.read_schema(path).names)
        return ExportFile(path, header, decimal_comma=False)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        first = handle.readline()
    if not first.strip():
        raise ExportFileError(f"{path.name} is empty: a header line is expected")
    # European ERPs export with ';' and a decimal comma; everyone else with ','.
    semicolon = first.count(";") > first.count(",")
    cells = next(csv.reader([first], delimiter=";" if semicolon else ","))
    header = tuple(cell.strip().lower() for cell in cells)
    return ExportFile(path, header, decimal_comma=semicolon)


def _csv_rows(path: Path, delimiter: str) -> Iterator[RawRow]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = [cell.strip().lower() for cell in next(reader)]
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            values: dict[str, Any] = dict(zip(header, cells, strict=False))
            if len(cells) > len(header):
                values["__extra_cells__"] = cells[len(header) :]
            elif len(cells) < len(header):
                values["__missing_cells__"] = header[len(cells) :]
            yield RawRow(reader.line_num, values)


def _parquet_rows(path: Path) -> Iterator[RawRow]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    number = 0
    for batch in parquet.iter_batches(batch_size=10_000):
        for record in batch.to_pylist():
            number += 1
            yield RawRow(number, {key.strip().lower(): value for key, value in record.items()})
